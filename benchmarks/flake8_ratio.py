"""Time plain flake8 against flake8 + truthlint on the same files, in one run.

Both variants run the installed flake8 in a fresh process with one job (``-j1``); the
"plain" variant hides truthlint's entry points from flake8's plugin finder, so the only
difference between the two is truthlint. Runs alternate to share machine noise.

    python benchmarks/flake8_ratio.py examples/ --repeat 7
    python benchmarks/flake8_ratio.py --stdlib --repeat 3
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import sysconfig
import time
from typing import List, Tuple

# flake8 with only its own plugins plus the named extra distributions (argv[1], comma-separated)
RUNNER = r"""
import sys
import flake8.plugins.finder as finder
keep = {"flake8", "pyflakes", "pycodestyle", "mccabe"} | (set(sys.argv[1].split(",")) - {""})
original = finder.find_plugins
finder.find_plugins = lambda *a, **k: [p for p in original(*a, **k) if p.package in keep]
from flake8.main.cli import main
sys.exit(main(sys.argv[2:]))
"""
VARIANTS = {"plain": "", "truthlint": "truthlint", "bugbear": "flake8-bugbear"}


def run(variant: str, args: List[str]) -> float:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", RUNNER, VARIANTS[variant], *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if "failed during execution" in result.stdout + result.stderr or "Traceback" in result.stderr:
        sys.exit(f"flake8 ({variant}) failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed


def alternate(flake8_args: List[str], repeat: int) -> Tuple[float, float]:
    """Median seconds of plain flake8 and of flake8 + truthlint, runs interleaved."""
    plain, full = [], []
    for _ in range(repeat):
        plain.append(run("plain", flake8_args))
        full.append(run("truthlint", flake8_args))
    return statistics.median(plain), statistics.median(full)


def compile_truthlint() -> None:
    """pip compiles bytecode when it installs a package; an editable install under
    PYTHONDONTWRITEBYTECODE would not, and would pay for compiling truthlint on every run."""
    import truthlint

    compileall.compile_dir(os.path.dirname(truthlint.__file__), quiet=1)


def count_files(paths: List[str], exclude: List[str]) -> int:
    total = 0
    for path in paths:
        if os.path.isfile(path):
            total += 1
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = [d for d in dirnames if d not in exclude]
            total += sum(f.endswith(".py") for f in filenames)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--stdlib", action="store_true", help="add the standard library")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    paths = list(args.paths)
    exclude = ["site-packages", "__pycache__"]
    if args.stdlib:
        paths.append(sysconfig.get_paths()["stdlib"])
    if not paths:
        parser.error("give paths or --stdlib")
    compile_truthlint()
    flake8_args = ["-j1", "--exit-zero", "--output-file", os.devnull,
                   "--exclude", ",".join(exclude), *paths]
    run("plain", flake8_args)  # warm the file cache
    p, f = alternate(flake8_args, args.repeat)
    print(f"files: {count_files(paths, exclude)}  runs: {args.repeat} each, -j1")
    print(f"plain flake8        median {p:8.3f} s")
    print(f"flake8 + truthlint  median {f:8.3f} s")
    print(f"ratio               {f / p:8.3f}x")


if __name__ == "__main__":
    main()
