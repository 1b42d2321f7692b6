"""What an editor pays per lint: flake8 on one file just saved, with truthlint against without.

    python benchmarks/editor.py app/api/items.py --repeat 15

Each round edits the file (a comment line appended, so its per-file entry and its index
summary are stale, as after a save), then runs, interleaved: plain flake8 on it, flake8 +
truthlint on it (the "edited" run), and flake8 + truthlint again (the "unchanged" run: what
linting another open file costs). Reported: the CPU time (user + system) each adds over plain
flake8 in the same round, median and range. The file is restored afterwards. Run it once
first on the tree (or ``truthlint check``) so the project's caches exist, as in an editor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from typing import Dict, List

from flake8_ratio import compile_truthlint, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    args.file = os.path.abspath(args.file)  # (the flake8 children run from a neutral directory)
    compile_truthlint()
    with open(args.file, encoding="utf-8") as fh:
        original = fh.read()
    argv = ["--exit-zero", "--output-file", "/dev/null", args.file]
    found: Dict[str, List[float]] = {"plain": [], "edited": [], "unchanged": []}
    try:
        run("truthlint", argv)
        for n in range(args.repeat):
            with open(args.file, "w", encoding="utf-8") as fh:
                fh.write(original + f"\n# edited by benchmarks/editor.py, round {n}\n")
            found["plain"].append(run("plain", argv)[1])
            found["edited"].append(run("truthlint", argv)[1])
            found["unchanged"].append(run("truthlint", argv)[1])
    finally:
        with open(args.file, "w", encoding="utf-8") as fh:
            fh.write(original)
    print(f"{args.file}: {args.repeat} rounds; CPU seconds (user + system) per flake8 process")
    print(f"plain flake8      {statistics.median(found['plain']):.3f} s")
    for name in ("edited", "unchanged"):
        extra = [t - p for t, p in zip(found[name], found["plain"])]
        print(f"+ truthlint, {name:9} +{statistics.median(extra):.3f} s "
              f"(range {min(extra):+.3f} to {max(extra):+.3f})")


if __name__ == "__main__":
    sys.exit(main())
