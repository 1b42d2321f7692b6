"""Whole-project runs for the ``truthlint`` command: find files, check them in parallel,
honour ``# noqa`` the way flake8 does.

The engine is the same one the flake8 plugin uses; only the file discovery, ``noqa`` and the
parallelism live here (flake8 does those for the plugin).
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
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
    noqa = noqa_lines(source) if findings else {}
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
    """Check ``files``; returns the findings (sorted by path and position) and diagnostics.

    When nothing a finding can depend on changed since the last run over the same files
    (contents, file modes, directory listings, configuration, truthlint's version, the codes
    asked for), the last run's answer is returned without checking anything again."""
    jobs = jobs or os.cpu_count() or 1
    cache = ResultsCache(project, files, codes, jobs)
    cached = cache.load()
    if cached is not None:
        return cached
    located, diagnostics = _check_all(project, files, codes, jobs, progress)
    cache.save(located, diagnostics)
    return located, diagnostics


def _check_all(project: Project, files: List[str], codes: Optional[List[str]], jobs: int,
               progress: bool) -> Tuple[List[Located], List[str]]:
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


def warm_indexes(project: Project, files: List[str], jobs: int = 1) -> None:
    """Build each package root's index before forking, so workers do not all build it."""
    seen: Set[str] = set()
    for path in files:
        directory = os.path.dirname(path if os.path.isabs(path) else os.path.abspath(path))
        if directory in seen:
            continue
        seen.add(directory)
        config = project.finder.for_dir(directory)
        root = project.fs.find_root(directory, config)
        if root is not None:
            project.index_for(root, config, jobs)


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


class ResultsCache:
    """The last run's findings, reused when the run's whole input is unchanged.

    Any change anywhere invalidates it: findings are whole-project facts, so this cache
    never tries to guess which files a change could affect.
    """

    def __init__(self, project: Project, files: List[str], codes: Optional[List[str]],
                 jobs: int = 1) -> None:
        self.project, self.files, self.jobs = project, files, jobs
        self.absolute = [os.path.abspath(f) for f in files]
        key = json.dumps(self.absolute + sorted(codes or ()))
        self.name = "results-" + hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
        self.path: Optional[str] = None
        self.state = ""

    def _state(self) -> Optional[str]:
        """A digest of everything the findings depend on; None if it cannot be had."""
        from . import __version__

        project = self.project
        warm_indexes(project, self.absolute, self.jobs)
        digest = hashlib.blake2b(digest_size=16)
        digest.update(__version__.encode())
        directories: Set[str] = set()
        for full in self.absolute:
            try:
                info = os.stat(full)
            except OSError:
                return None
            digest.update(f"{full}|{info.st_mode}|{info.st_mtime_ns}|{info.st_size}\n".encode())
            directories.add(full.rpartition(os.sep)[0])
        directories |= {d.rpartition(os.sep)[0] for d in directories}
        sources = {project.finder.for_dir(d).source for d in directories} - {None}
        for index in project.indexes():
            for path, content in sorted(index.digests.items()):
                digest.update(f"{path}|{content}\n".encode())
        for directory in sorted(directories):  # hidden entries (caches) are not inputs
            names = sorted(n for n in project.fs.listdir(directory) if not n.startswith("."))
            digest.update(f"{directory}|{project.fs.mode(directory)}|{names}\n".encode())
        for source in sorted(sources):  # type: ignore[type-var]
            with open(source, "rb") as fh:  # type: ignore[arg-type]
                digest.update(fh.read())
        return digest.hexdigest()

    def _where(self) -> Optional[str]:
        if not self.files:
            return None
        config = self.project.finder.for_file(os.path.abspath(self.files[0]))
        default = os.path.join(os.getcwd(), ".truthlint_cache")
        directory = config.cache_dir if config.source else default
        return os.path.join(directory, self.name + ".json") if directory else None

    def load(self) -> Optional[Tuple[List[Located], List[str]]]:
        try:
            self.path = self._where()
            self.state = self._state() or ""
            if not self.path or not self.state:
                return None
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
            if data.get("state") != self.state:
                return None
            located = [Located(p, Finding(line, col, code, message), source)
                       for p, line, col, code, message, source in data["findings"]]
            return located, list(data["diagnostics"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, located: List[Located], diagnostics: List[str]) -> None:
        if not self.path or not self.state:
            return
        data = {"state": self.state, "diagnostics": diagnostics,
                "findings": [[i.path, i.finding.line, i.finding.col, i.finding.code,
                              i.finding.message, i.source_line] for i in located]}
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            tmp = f"{self.path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
            os.replace(tmp, self.path)
        except OSError:
            pass
