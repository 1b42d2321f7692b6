"""Whole-project runs for the ``truthlint`` command: find files, check them in parallel,
honour ``# noqa`` the way flake8 does.

The engine is the same one the flake8 plugin uses; only the file discovery, ``noqa`` and the
parallelism live here (flake8 does those for the plugin).
"""

from __future__ import annotations

import ast
import io
import multiprocessing
import os
import re
import sys
import tokenize
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from flake8 import defaults as flake8_defaults

from .engine import Finding, Project

# flake8's own patterns, so `# noqa` means exactly the same to both (the name changed in 7.0)
NOQA_INLINE = getattr(flake8_defaults, "NOQA_INLINE_REGEXP", None) or getattr(
    flake8_defaults, "NOQA_INLINE_REGEX")
NOQA_FILE = flake8_defaults.NOQA_FILE
SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "build", "dist",
                       "venv", ".venv", "env"})
PARALLEL_FROM = 40  # files; below this a process pool costs more than it saves


@dataclass(frozen=True)
class Located:
    """A finding with the file it is in (as the user named it) and its source line."""

    path: str
    finding: Finding
    source_line: str


def python_files(paths: Sequence[str]) -> List[str]:
    found: List[str] = []
    for path in paths:
        if os.path.isfile(path):
            found.append(path)
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames
                                 if not d.startswith(".") and d not in SKIP_DIRS)
            found.extend(os.path.join(dirpath, n) for n in sorted(filenames) if n.endswith(".py"))
    return [os.path.normpath(p) for p in found]


def read_source(path: str) -> Optional[str]:
    """Decoded source, honouring coding cookies and BOMs; None if it cannot be read."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return None


def noqa_lines(source: str) -> Dict[int, Optional[Set[str]]]:
    """Line -> the codes its ``# noqa`` silences (None: all). Lines are grouped as flake8
    groups them (only tokens that span lines, such as multi-line strings, join lines)."""
    if "noqa" not in source.lower():
        return {}
    lines = source.splitlines(True)
    result: Dict[int, Optional[Set[str]]] = {}
    first, last = len(lines) + 2, -1
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return {}
    for kind, _, (start, _), (end, _), _ in tokens:
        if kind in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        first, last = min(first, start), max(last, end)
        if kind in (tokenize.NL, tokenize.NEWLINE):
            match = NOQA_INLINE.search("".join(lines[first - 1:last]))
            if match:
                codes = match.group("codes")
                value = None if not codes else set(re.split(r"[,\s]+", codes.strip()))
                result.update(dict.fromkeys(range(first, last + 1), value))
            first, last = len(lines) + 2, -1
    return result


def silenced(finding: Finding, noqa: Dict[int, Optional[Set[str]]]) -> bool:
    if finding.line not in noqa:
        return False
    codes = noqa[finding.line]
    return codes is None or finding.code.startswith(tuple(codes))


def check_file(project: Project, path: str, codes: Optional[Iterable[str]] = None
               ) -> Tuple[List[Located], Optional[str]]:
    """Findings of one file after ``noqa``, and a diagnostic if it could not be checked."""
    source = read_source(path)
    if source is None:
        return [], f"{path}: cannot be read or decoded; skipped"
    if any(NOQA_FILE.match(line) for line in source.splitlines()):
        return [], None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return [], f"{path}: does not parse ({type(exc).__name__}); skipped"
    lines = source.splitlines(True)
    findings = project.check(tree, lines, path, codes)
    noqa = noqa_lines(source)
    located = [Located(path, f, lines[f.line - 1].strip() if 0 < f.line <= len(lines) else "")
               for f in findings if not silenced(f, noqa)]
    return located, None


_WORKER: Dict[str, object] = {}  # noqa: SOI002 (one Project per worker process, by design)


def _init_worker(project: Project, codes: Optional[List[str]]) -> None:
    _WORKER["project"], _WORKER["codes"] = project, codes


def _check_chunk(paths: List[str]) -> List[Tuple[List[Located], Optional[str]]]:
    project = _WORKER["project"]
    return [check_file(project, p, _WORKER["codes"]) for p in paths]  # type: ignore[arg-type]


def run(project: Project, files: List[str], codes: Optional[List[str]] = None,
        jobs: int = 0, progress: bool = False) -> Tuple[List[Located], List[str]]:
    """Check ``files``; returns the findings (sorted by path and position) and diagnostics."""
    jobs = jobs or os.cpu_count() or 1
    results: List[Tuple[List[Located], Optional[str]]] = []
    bar = Progress(len(files)) if progress else None
    if jobs > 1 and len(files) >= PARALLEL_FROM:
        warm_indexes(project, files)  # once, here: the workers inherit or load the cache
        chunk = max(1, min(64, len(files) // (jobs * 4)))
        chunks = [files[i:i + chunk] for i in range(0, len(files), chunk)]
        context = (multiprocessing.get_context("fork")
                   if "fork" in multiprocessing.get_all_start_methods() else None)
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                                 initargs=(project, codes)) as pool:
            for part in pool.map(_check_chunk, chunks):
                results.extend(part)
                if bar:
                    bar.advance(len(part))
    else:
        for path in files:
            results.append(check_file(project, path, codes))
            if bar:
                bar.advance(1)
    if bar:
        bar.close()
    located = [item for found, _ in results for item in found]
    located.sort(key=lambda x: (x.path, x.finding.line, x.finding.col, x.finding.code))
    return located, [d for _, d in results if d]


def warm_indexes(project: Project, files: List[str]) -> None:
    """Build each package root's index before forking, so workers do not all build it."""
    seen: Set[str] = set()
    for path in files:
        directory = os.path.dirname(os.path.abspath(path))
        if directory in seen:
            continue
        seen.add(directory)
        config = project.finder.for_dir(directory)
        root = project.fs.find_root(directory, config)
        if root is not None:
            project.index_for(root, config)


class Progress:
    """A one-line progress bar on stderr (only used when stderr is a terminal)."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.done = 0

    def advance(self, n: int) -> None:
        self.done += n
        width = 30
        filled = width * self.done // self.total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\r" + " " * 60 + "\r")
        sys.stderr.flush()
