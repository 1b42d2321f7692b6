"""Project-index costs: cold build against merely parsing, warm single-file runs, whole runs.

    python benchmarks/generate_backend.py /tmp/backend --modules 2000
    python benchmarks/index_bench.py /tmp/backend/app --file /tmp/backend/app/api/api_mod_3.py

Prints, in CPU seconds of this process or of each child: the time to read and ``ast.parse``
every file; the cold index build (empty cache) and its ratio to that; a warm index load; a
single-file flake8 run with a warm cache against plain flake8 on the same file; and
whole-tree flake8 runs with and without truthlint (single process, warm cache). For what an
editor pays after each save, see ``editor.py``.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from flake8_ratio import alternate, compile_truthlint, run  # noqa: E402  (one flake8 runner)

from truthlint.core.config import ConfigFinder  # noqa: E402
from truthlint.project.index import ProjectIndex  # noqa: E402
from truthlint.project.summaries import summarize_file  # noqa: E402
from truthlint.core.files import FileSystem  # noqa: E402


def parse_all(root: str) -> float:
    start = time.process_time()
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.endswith(".py"):
                with open(os.path.join(dirpath, name), "rb") as fh:
                    data = fh.read()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        ast.parse(data)
                    except SyntaxError:
                        pass
    return time.process_time() - start


def build(root: str, cache: str) -> float:
    config = ConfigFinder().for_dir(root)
    start = time.process_time()
    ProjectIndex(os.path.abspath(root), config, FileSystem(), cache, summarize_file).build()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", help="the package root (the directory with the top __init__.py)")
    parser.add_argument("--file", help="a file for the single-file runs")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--whole", action="store_true", help="also time whole-tree runs")
    args = parser.parse_args()
    args.root = os.path.abspath(args.root)  # (the flake8 children run from a neutral directory)
    args.file = args.file and os.path.abspath(args.file)
    compile_truthlint()
    cache = tempfile.mkdtemp(prefix="truthlint-bench-")
    try:
        parse_all(args.root)  # warm the OS file cache
        parse = statistics.median(parse_all(args.root) for _ in range(args.repeat))
        cold = []
        for _ in range(args.repeat):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(build(args.root, cache))
        cold_t = statistics.median(cold)
        warm_t = statistics.median(build(args.root, cache) for _ in range(args.repeat))
        print(f"read + ast.parse every file   {parse:7.3f} s")
        print(f"cold index build              {cold_t:7.3f} s   ({cold_t / parse:.2f}x parse)")
        print(f"warm index load               {warm_t:7.3f} s")
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    if args.file:
        flake8_args = ["--select", "STI,TBV,SOI,E,F,W,C90", args.file]
        run("truthlint", flake8_args)  # builds the project's own cache
        m = alternate(flake8_args, args.repeat)
        p, f = m["plain cpu"], m["truthlint cpu"]
        print(f"single file, plain flake8     {p:7.3f} s CPU")
        print(f"single file, + truthlint warm {f:7.3f} s CPU   (+{f - p:.3f} s)")
    if args.whole:
        whole = ["-j1", "--exit-zero", "--output-file", os.devnull, args.root]
        run("truthlint", whole)
        p, f = run("plain", whole)[1], run("truthlint", whole)[1]
        print(f"whole tree -j1, plain flake8  {p:7.3f} s")
        print(f"whole tree -j1, + truthlint   {f:7.3f} s   ({f / p:.3f}x)")


if __name__ == "__main__":
    main()
