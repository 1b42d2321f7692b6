"""What a `truthlint check` costs after a change, against a cold run and the parse floor.

    python benchmarks/incremental.py /tmp/lf/langflow --repeat 5
    python benchmarks/generate_backend.py /tmp/backend --modules 2000
    python benchmarks/incremental.py /tmp/backend/app --repeat 5

The tree is copied to a scratch directory (in a project of its own). Each round, in one
process each and interleaved so they share the machine's drifts, it runs: the parse floor
(read and ``ast.parse`` every file), a cold ``truthlint check -j1`` (no caches), and, from the
warm caches the cold run left, one ``truthlint check -j1`` after each change: an unchanged
tree, a one-line edit inside a function, a new module-level import, an added module, a
renamed module. Every warm run's output is compared with a cold run's on the same changed
tree (a mismatch stops the benchmark). CPU time (user + system of the process) is the
primary figure; ratios are medians of each round's own ratio, with their spread.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List, Tuple

FLOOR = r"""
import ast, os, sys, warnings
warnings.simplefilter("ignore")
for folder, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
    for name in files:
        if name.endswith(".py"):
            with open(os.path.join(folder, name), "rb") as fh:
                data = fh.read()
            try:
                ast.parse(data)
            except (SyntaxError, ValueError):
                pass
"""
CACHE = ".truthlint_cache"


def measure(argv: List[str]) -> Tuple[float, float, str]:
    """CPU seconds (user + system of the child), wall seconds, and stdout of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # from a neutral directory: run from a checkout, ``-m truthlint`` would import the
    # checkout's truthlint instead of the installed one
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=tempfile.gettempdir())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1) or "Traceback" in done.stderr:
        sys.exit(f"{argv[:3]} failed:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stdout


def check(top: str) -> Tuple[float, float, str]:
    return measure([sys.executable, "-m", "truthlint", "check", "-j1", "--no-progress",
                    "--exit-zero", top])


def drop_caches(scratch: str) -> None:
    for folder, dirs, _ in os.walk(scratch):
        for d in list(dirs):
            if d == CACHE:
                shutil.rmtree(os.path.join(folder, d))
                dirs.remove(d)


def modules(top: str) -> List[str]:
    found = []
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        found += [os.path.join(folder, f) for f in sorted(files)
                  if f.endswith(".py") and f != "__init__.py"]
    return found


def _module_name(top: str, path: str) -> str:
    rel = os.path.relpath(path, os.path.dirname(top))[:-3]
    return rel.replace(os.sep, ".")


def edit_function(top: str) -> None:
    for path in modules(top)[len(modules(top)) // 2:]:
        with open(path, encoding="utf-8") as fh:
            lines = fh.readlines()
        for n, line in enumerate(lines[:-1]):
            if line.lstrip().startswith("def ") and line.rstrip().endswith(":"):
                body = lines[n + 1]
                indent = body[:len(body) - len(body.lstrip())]
                if not indent or body.lstrip().startswith(('"""', "'''", "@")):
                    continue
                lines.insert(n + 1, f"{indent}_benchmark_probe = 1\n")
                with open(path, "w", encoding="utf-8") as fh:
                    fh.writelines(lines)
                return
    raise SystemExit("no function body to edit")


def add_import(top: str) -> None:
    found = modules(top)
    path, other = found[len(found) // 3], found[2 * len(found) // 3]
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"import {_module_name(top, other)}  # benchmark\n" + text)


def add_module(top: str) -> None:
    folder = os.path.dirname(modules(top)[len(modules(top)) // 2])
    with open(os.path.join(folder, "benchmark_added.py"), "w", encoding="utf-8") as fh:
        fh.write("import time\n\n\nasync def slow():\n    time.sleep(1)\n")


def rename_module(top: str) -> None:
    path = modules(top)[len(modules(top)) // 2]
    os.rename(path, os.path.join(os.path.dirname(path), "renamed_" + os.path.basename(path)))


CHANGES: Dict[str, Callable[[str], None]] = {
    "unchanged": lambda top: None, "edit in a function": edit_function,
    "new import": add_import, "added module": add_module, "renamed module": rename_module}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("top", help="a package directory (or a tree of them)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="truthlint-incremental-")
    pristine = os.path.join(work, "pristine")
    shutil.copytree(os.path.abspath(args.top), os.path.join(pristine, os.path.basename(args.top)),
                    ignore=shutil.ignore_patterns(CACHE, "__pycache__"))
    with open(os.path.join(pristine, "pyproject.toml"), "w", encoding="utf-8") as fh:
        fh.write("[tool.truthlint]\n")
    scratch = os.path.join(work, "scratch")
    top = os.path.join(scratch, os.path.basename(args.top))
    rows: Dict[str, List[Tuple[float, float]]] = {}
    ratios: Dict[str, List[float]] = {}
    try:
        for _ in range(args.repeat):
            shutil.rmtree(scratch, ignore_errors=True)
            shutil.copytree(pristine, scratch)
            floor = measure([sys.executable, "-c", FLOOR, top])
            cold = check(top)
            warm_state = os.path.join(work, "warm")
            shutil.rmtree(warm_state, ignore_errors=True)
            shutil.copytree(scratch, warm_state, symlinks=True)
            round_rows = {"parse floor": floor[:2], "cold check": cold[:2]}
            for name, change in CHANGES.items():
                shutil.rmtree(scratch)
                shutil.copytree(warm_state, scratch, symlinks=True)
                change(top)
                warm = check(top)
                round_rows[name] = warm[:2]
                drop_caches(scratch)
                if check(top)[2] != warm[2]:
                    sys.exit(f"{name}: the warm run's output differs from a cold run's")
            for name, (cpu, wall) in round_rows.items():
                rows.setdefault(name, []).append((cpu, wall))
                if name != "cold check":
                    ratios.setdefault(name, []).append(cpu / round_rows["cold check"][0])
            ratios.setdefault("cold / floor", []).append(cold[0] / floor[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    count = len(modules(args.top)) + sum(1 for _ in _inits(args.top))
    print(f"{count} files, {args.repeat} rounds, -j1; CPU is user + system of the process")
    print(f"{'':22} {'cpu':>8} {'wall':>8}   {'cpu ÷ cold (median, min–max)':>30}")
    for name, found in rows.items():
        cpu = statistics.median(c for c, _ in found)
        wall = statistics.median(w for _, w in found)
        spread = ""
        if name in ratios:
            r = ratios[name]
            spread = f"{statistics.median(r):.3f}x ({min(r):.3f}–{max(r):.3f})"
        print(f"{name:22} {cpu:7.2f}s {wall:7.2f}s   {spread:>30}")
    r = ratios["cold / floor"]
    print(f"{'cold ÷ parse floor':22} {statistics.median(r):.2f}x ({min(r):.2f}–{max(r):.2f})")


def _inits(top: str):
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        yield from (f for f in files if f == "__init__.py")


if __name__ == "__main__":
    main()
