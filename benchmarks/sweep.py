"""Run the engine over every .py file under some directories and report what happened.

Counts files checked, findings per code, files that did not parse (left to flake8's E999)
and rule failures (must be 0: the walker swallows a failing rule, this script counts it).

    python benchmarks/sweep.py --stdlib
    python benchmarks/sweep.py path/to/project --limit 200
"""

from __future__ import annotations

import argparse
import ast
import collections
import logging
import os
import sys
import sysconfig
import time
import warnings
from typing import Dict, Iterator, List

from truthlint.engine.check import Engine


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


def python_files(roots: List[str], limit: int) -> Iterator[str]:
    seen = 0
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            for name in sorted(filenames):
                if name.endswith(".py"):
                    yield os.path.join(dirpath, name)
                    seen += 1
                    if limit and seen >= limit:
                        return


def sweep(roots: List[str], limit: int = 0) -> Dict[str, object]:
    counter = _Count()
    log = logging.getLogger("truthlint")
    log.addHandler(counter)
    log.propagate = False
    project = Engine()
    findings: collections.Counter = collections.Counter()
    files = unparsable = 0
    try:
        for path in python_files(roots, limit):
            try:
                with open(path, "rb") as fh:
                    source = fh.read().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                unparsable += 1
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    tree = ast.parse(source)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    unparsable += 1
                    continue
            files += 1
            for finding in project.check(source.splitlines(True), path, tree).findings:
                findings[finding.code] += 1
    finally:
        log.removeHandler(counter)
        log.propagate = True
    return {"files": files, "unparsable": unparsable, "findings": dict(sorted(findings.items())),
            "failures": counter.records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--stdlib", action="store_true")
    parser.add_argument("--site-packages", action="store_true")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    roots = list(args.paths)
    if args.stdlib:
        roots.append(sysconfig.get_paths()["stdlib"])
    if args.site_packages:
        roots.append(sysconfig.get_paths()["purelib"])
    start = time.perf_counter()
    result = sweep(roots, args.limit)
    print(f"files checked: {result['files']}  not parsable (E999): {result['unparsable']}  "
          f"time: {time.perf_counter() - start:.1f} s")
    print("findings: " + ", ".join(f"{c} {n}" for c, n in result["findings"].items()))
    failures = result["failures"]
    print(f"rule failures: {len(failures)}")
    for line in failures[:20]:
        print("  " + line)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
