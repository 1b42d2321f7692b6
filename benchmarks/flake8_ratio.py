"""Time plain flake8 against flake8 + truthlint on the same files, in one run.

Both variants run the installed flake8 in a fresh process with one job (``-j1``); the
"plain" variant hides truthlint's entry points from flake8's plugin finder, so the only
difference between the two is truthlint. Runs alternate to share machine noise.

    python benchmarks/flake8_ratio.py examples/ --repeat 7
    python benchmarks/flake8_ratio.py --stdlib --repeat 3
    python benchmarks/flake8_ratio.py /tmp/lf/langflow --repeat 5 --cold

By default truthlint's caches are as the previous run left them (its index and per-file
results: what a developer's second run, pre-commit or a CI job with a restored cache pays);
``--cold`` deletes every ``.truthlint_cache`` under the paths before each truthlint run (a
fresh clone); ``--unchecked`` keeps the index but deletes the per-file results, so every file
is checked again against a ready index (what the plugin cost before it kept results, and what a
run after a change to every file pays). The standard library has no project, so truthlint
keeps no cache for it: its runs are always cold.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from typing import Dict, List, Sequence, Tuple

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


def run(variant: str, args: List[str]) -> Tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one flake8 process. CPU time is the
    steadier measure of the work done on a shared machine; both are reported."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # from a neutral directory: run from a checkout, the child would import the checkout's
    # truthlint instead of the installed one (paths in ``args`` must then be absolute)
    result = subprocess.run([sys.executable, "-c", RUNNER, VARIANTS[variant], *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tempfile.gettempdir())
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # runs are sequential: the delta is this one
    if "failed during execution" in result.stdout + result.stderr or "Traceback" in result.stderr:
        sys.exit(f"flake8 ({variant}) failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def drop_caches(paths: List[str], part: str = "") -> None:
    """Every truthlint cache under the paths and beside them up the tree (where a project's
    configuration puts it); ``part="files"``: only their per-file results."""
    for path in paths:
        folder = os.path.abspath(path)
        while True:
            shutil.rmtree(os.path.join(folder, ".truthlint_cache", part), ignore_errors=True)
            if os.path.dirname(folder) == folder:
                break
            folder = os.path.dirname(folder)
        for folder, dirs, _ in os.walk(path):
            if ".truthlint_cache" in dirs:
                shutil.rmtree(os.path.join(folder, ".truthlint_cache", part), ignore_errors=True)
            dirs[:] = [d for d in dirs if not d.startswith(".")]


def alternate(flake8_args: List[str], repeat: int, cold: Sequence[str] = (),
              part: str = "") -> Dict[str, float]:
    """Medians (wall and CPU seconds) of plain flake8 and of flake8 + truthlint, run in
    interleaved pairs; and the median of the pairs' own ratios, which cancels the slow drifts
    of a shared machine better than a ratio of medians, with their lowest and highest.
    ``cold``: paths whose truthlint caches (or their ``part``) are deleted before each
    truthlint run."""
    runs: Dict[str, List[Tuple[float, float]]] = {"plain": [], "truthlint": []}
    for _ in range(repeat):
        for variant in runs:
            if variant == "truthlint" and cold:
                drop_caches(list(cold), part)
            runs[variant].append(run(variant, flake8_args))
    result = {f"{variant} {kind}": statistics.median(r[i] for r in found)
              for variant, found in runs.items() for i, kind in enumerate(("wall", "cpu"))}
    for i, kind in enumerate(("wall", "cpu")):
        pairs = [t[i] / p[i] for p, t in zip(runs["plain"], runs["truthlint"])]
        result[f"ratio {kind}"] = statistics.median(pairs)
        result[f"ratio {kind} min"], result[f"ratio {kind} max"] = min(pairs), max(pairs)
    return result


def compile_truthlint() -> None:
    """pip compiles bytecode when it installs a package; an editable install under
    PYTHONDONTWRITEBYTECODE would not, and would pay for compiling truthlint on every run.
    Compiled in a child, so it is the copy the flake8 children will import."""
    subprocess.run([sys.executable, "-c", "import compileall, os, truthlint; "
                    "compileall.compile_dir(os.path.dirname(truthlint.__file__), quiet=1)"],
                   check=True, cwd=tempfile.gettempdir())


def count_files(paths: List[str], exclude: List[str]) -> int:
    total = 0
    for path in paths:
        if os.path.isfile(path):
            total += 1
            continue
        for _dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = [d for d in dirnames if d not in exclude]
            total += sum(f.endswith(".py") for f in filenames)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--stdlib", action="store_true", help="add the standard library")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cold", action="store_true",
                        help="delete truthlint's caches under the paths before each of its runs")
    parser.add_argument("--unchecked", action="store_true",
                        help="keep truthlint's index, delete its per-file results before each run")
    args = parser.parse_args()
    paths = [os.path.abspath(p) for p in args.paths]
    exclude = ["site-packages", "__pycache__"]
    if args.stdlib:
        paths.append(sysconfig.get_paths()["stdlib"])
    if not paths:
        parser.error("give paths or --stdlib")
    compile_truthlint()
    flake8_args = ["-j1", "--exit-zero", "--output-file", os.devnull,
                   "--exclude", ",".join(exclude), *paths]
    run("plain", flake8_args)  # warm the file cache
    if not args.cold:
        run("truthlint", flake8_args)  # and truthlint's, as a previous run leaves it
    dropped = paths if args.cold or args.unchecked else []
    m = alternate(flake8_args, args.repeat, dropped, "files" if args.unchecked else "")
    state = ("cold: no truthlint cache" if args.cold else
             "truthlint's index as the last run left it, no per-file results" if args.unchecked
             else "truthlint's caches as the last run left them")
    print(f"files: {count_files(paths, exclude)}  runs: {args.repeat} each, -j1 (medians); {state}")
    print(f"{'':20} {'wall':>9} {'cpu':>9}")
    print(f"{'plain flake8':20} {m['plain wall']:8.3f}s {m['plain cpu']:8.3f}s")
    print(f"{'flake8 + truthlint':20} {m['truthlint wall']:8.3f}s {m['truthlint cpu']:8.3f}s")
    print(f"{'ratio (median pair)':20} {m['ratio wall']:8.3f}x {m['ratio cpu']:8.3f}x")
    print(f"{'pairs, lowest–highest':20} {m['ratio wall min']:.3f}–{m['ratio wall max']:.3f}x "
          f"{m['ratio cpu min']:.3f}–{m['ratio cpu max']:.3f}x")


if __name__ == "__main__":
    main()
