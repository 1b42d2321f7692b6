"""Run import-linter and tach themselves on the scenarios of tests/test_contract_tools.py and
compare their verdicts with TBV002's.

    python -m venv v && v/bin/pip install import-linter tach -e .
    v/bin/python benchmarks/contract_tools.py            # the comparison, per scenario
    v/bin/python benchmarks/contract_tools.py --record   # VERDICTS as the test holds them

import-linter's report lists each broken import as ``a -> b (l.3, l.7)`` (an indirect chain
as ``a -> x -> b``, which TBV002 does not judge: it is left out here and counted apart);
tach prints ``[FAIL] path:line: Cannot use 'module'``. Nothing here needs a network.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Set, Tuple

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from tests.conftest import write_tree  # noqa: E402
from tests.test_contract_tools import SCENARIOS, Verdict, tbv002  # noqa: E402

DIRECT_RE = re.compile(r"^- (\S+) -> (\S+) \(l\.([\d, l.]+)\)$")
TACH_RE = re.compile(r"\[FAIL\] (\S+?):(\d+): Cannot use '([^']+)'")


def _tool(name: str) -> str:
    found = shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed (pip install import-linter tach)")
    return found


def import_linter(root: Path) -> Tuple[Set[Verdict], int]:
    done = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=root, text=True,
                          capture_output=True,  # (one import per line: no wrapping)
                          env=dict(os.environ, PYTHONPATH=str(root), COLUMNS="100000"))
    direct: Set[Verdict] = set()
    chains = 0
    lines = re.sub(r",\s*\n\s*l\.", ", l.", done.stdout).splitlines()  # (wrapped line lists)
    for n, line in enumerate(lines):
        match = DIRECT_RE.match(line.strip())
        if match is None:
            continue
        following = lines[n + 1] if n + 1 < len(lines) else ""
        if following.startswith("  ") and " -> " in following:  # a chain's first hop
            chains += 1
            continue
        for number in re.findall(r"\d+", match.group(3)):
            direct.add((match.group(1), match.group(2), int(number)))
    return direct, chains


def tach(root: Path) -> Set[Verdict]:
    done = subprocess.run([_tool("tach"), "check"], cwd=root, text=True, capture_output=True)
    found: Set[Verdict] = set()
    for match in TACH_RE.finditer(done.stdout + done.stderr):
        module = match.group(1)[:-3].replace("/", ".")
        found.add((module, match.group(3), int(match.group(2))))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    recorded: Dict[str, List[Verdict]] = {}
    for name, files in sorted(SCENARIOS.items()):
        with tempfile.TemporaryDirectory() as scratch:
            root = write_tree(Path(scratch), files)
            if "tach.toml" in files:
                theirs, chains, tool = tach(root), 0, "tach"
            else:
                (theirs, chains), tool = import_linter(root), "import-linter"
            ours = tbv002(root)
        recorded[name] = sorted(theirs)
        if not args.record:
            print(f"{name} ({tool}): {len(theirs)} direct, {chains} indirect chains; "
                  f"TBV002 {len(ours)}; both {len(theirs & ours)}")
            for verdict in sorted(theirs - ours):
                print(f"  only {tool}: {verdict}")
            for verdict in sorted(ours - theirs):
                print(f"  only TBV002: {verdict}")
    if args.record:
        print("VERDICTS = {")
        for name, rows in recorded.items():
            print(f"    {name!r}: {rows!r},")
        print("}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
