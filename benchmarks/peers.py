"""truthlint against the tools users would otherwise run, on the same tree, in one run.

Needs, in the running environment: flake8, truthlint, and (for their rows) flake8-bugbear,
ruff and import-linter — all public packages:

    pip install -e . flake8-bugbear ruff import-linter
    python benchmarks/generate_backend.py /tmp/backend --modules 2000
    python benchmarks/peers.py /tmp/backend --root app --repeat 3

For each tool: the median wall time, its ratio to plain flake8, and the peak memory (max RSS)
of the process. flake8 variants hide the other plugins from flake8's plugin finder, so
"plain flake8" is flake8 with its own plugins and "+ bugbear" adds bugbear alone.
`truthlint check` is timed cold (empty index cache) and warm (nothing changed since the
last run), and set against a process that only reads and ``ast.parse``s every file (the
2x target for a cold run); import-linter runs one layers contract equivalent to
truthlint's default layer map, with its own cache warm. ``--only cold,parse`` keeps the
rows whose names contain one of the words (the flake8 rows take minutes on big trees).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from flake8_ratio import RUNNER, VARIANTS, compile_truthlint  # noqa: E402

IMPORTLINTER = """[importlinter]
root_package = {root}

[importlinter:contract:layers]
name = truthlint's default layer map
type = layers
layers =
    {root}.api | {root}.routes | {root}.views | {root}.worker | {root}.workers | {root}.tasks | {root}.jobs
    {root}.services : {root}.domain : {root}.policy : {root}.contracts : {root}.adapters : {root}.planners
    {root}.models : {root}.core : {root}.storage : {root}.config : {root}.db
exhaustive = false
missing_modules = ignore
"""


PARSE_ALL = """
import ast, os, sys, warnings
warnings.simplefilter("ignore")
for dirpath, dirnames, filenames in os.walk(sys.argv[1]):
    dirnames[:] = [d for d in dirnames if not d.startswith(".")]
    for name in filenames:
        if name.endswith(".py"):
            with open(os.path.join(dirpath, name), "rb") as fh:
                try:
                    ast.parse(fh.read())
                except (SyntaxError, ValueError):
                    pass
"""


def measure(command: List[str], cwd: str) -> Tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss // 1024


def have(module: str) -> bool:
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", help="project directory (holding the package root)")
    parser.add_argument("--root", default="app",
                        help="the top-level package name ('.' for a tree that is not one "
                             "package, such as the standard library: no import-linter row)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true",
                        help="warm up only the cached tools (not the flake8 variants)")
    parser.add_argument("--only", default="",
                        help="comma-separated words: keep the rows whose names contain one")
    args = parser.parse_args()
    compile_truthlint()
    tree, py = os.path.abspath(args.tree), sys.executable
    flake8 = lambda variant: [py, "-c", RUNNER, VARIANTS[variant], "-j1", "--exit-zero", "-q",  # noqa: E731
                              args.root]
    bin_dir = os.path.dirname(py)
    contract = os.path.join(tempfile.mkdtemp(prefix="truthlint-peers-"), "importlinter.ini")
    check = [py, "-m", "truthlint", "check", "--exit-zero", "--output-file", os.devnull,
             args.root]
    tools: Dict[str, Optional[List[str]]] = {
        "plain flake8": flake8("plain"),
        "flake8 + truthlint": flake8("truthlint"),
        "flake8 + bugbear": flake8("bugbear") if have("bugbear") else None,
        "read + ast.parse every file": [py, "-c", PARSE_ALL, args.root],
        "truthlint check (cold)": check,
        "truthlint check (warm)": check,
        "ruff --select INP": ([os.path.join(bin_dir, "ruff"), "check", "--select", "INP",
                               "--exit-zero", "-q", args.root]
                              if shutil.which("ruff", path=bin_dir) else None),
        "import-linter (1 layers contract)": ([os.path.join(bin_dir, "lint-imports"), "--config",
                                               contract]
                                              if have("importlinter") and args.root != "." else None),
    }
    if args.only:
        words = [w.strip() for w in args.only.split(",") if w.strip()]
        tools = {name: command for name, command in tools.items()
                 if any(w in name for w in words)}
    with open(contract, "w") as fh:
        fh.write(IMPORTLINTER.format(root=args.root))
    cache = os.path.join(tree, ".truthlint_cache")
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = tree + (os.pathsep + env_path if env_path else "")
    for name, command in tools.items():  # warm the OS file cache and the tools' own caches
        if command and not (args.quick and "flake8" in name):
            measure(command, tree)
    results: Dict[str, List[Tuple[float, int]]] = {name: [] for name, c in tools.items() if c}
    for _ in range(args.repeat):
        for name, command in tools.items():
            if not command:
                continue
            if name.endswith("(cold)"):
                shutil.rmtree(cache, ignore_errors=True)
            results[name].append(measure(command, tree))
    files = sum(f.endswith(".py") for _, _, fs in os.walk(os.path.join(tree, args.root))
                for f in fs)
    base = (statistics.median(t for t, _ in results["plain flake8"])
            if "plain flake8" in results else None)
    print(f"{tree}: {files} files, {args.repeat} runs each (medians)")
    print(f"{'tool':38} {'seconds':>8} {'vs flake8':>10} {'peak MiB':>9}")
    for name, runs in results.items():
        median = statistics.median(t for t, _ in runs)
        peak = max(m for _, m in runs)
        ratio = f"{median / base:9.2f}x" if base else f"{'—':>10}"
        print(f"{name:38} {median:8.3f} {ratio} {peak:9d}")
    if "read + ast.parse every file" in results and "truthlint check (cold)" in results:
        pairs = [c / p for (p, _), (c, _) in zip(results["read + ast.parse every file"],
                                                 results["truthlint check (cold)"])]
        print(f"truthlint check (cold) / parse every file: median of {len(pairs)} pairs "
              f"{statistics.median(pairs):.2f}x (range {min(pairs):.2f}–{max(pairs):.2f}x)")
    for name, command in tools.items():
        if command is None:
            print(f"{name:38} not installed, or no package to give it")


if __name__ == "__main__":
    main()
