"""Whole-project runs for the ``truthlint`` command: find files, check them in parallel,
honour ``# noqa`` the way flake8 does.

The engine is the same one the flake8 plugin uses; only the file discovery, ``noqa`` and the
parallelism live here (flake8 does those for the plugin).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, List, Optional, Sequence, Set, Tuple

from .coldrun import Result, check_cold
from ..engine.check import Finding, Project
from .filecheck import Located, check_file
from ..project.index import blake2b
from .pool import run_tasks, size_of

SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "build", "dist",
                       "venv", ".venv", "env"})


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


def _check_one(project: Project, codes: Optional[List[str]], path: str) -> Result:
    return check_file(project, path, codes)


def run(project: Project, files: List[str], codes: Optional[List[str]] = None,
        jobs: int = 0, progress: bool = False) -> Tuple[List[Located], List[str]]:
    """Check ``files``; returns the findings (sorted by path and position) and diagnostics.

    A file whose package root has stale index entries is checked in the same pass that
    summarises it (see :mod:`coldrun`). When nothing a finding can depend on changed since
    the last run over the same files (contents, file modes, directory listings,
    configuration, truthlint's version, the codes asked for), the last run's answer is
    returned without checking anything again."""
    jobs = jobs or os.cpu_count() or 1
    bar = Progress(len(files)) if progress else None
    cache = ResultsCache(project, files, codes)
    cache.begin()
    try:
        results = check_cold(project, files, codes, jobs, bar)
        if results is None:
            cached = cache.load()
            if cached is not None:
                return cached
            results = run_tasks(project, codes, _check_one, files, jobs, size_of(files), bar)
    finally:
        if bar:
            bar.close()
    located = [item for found, _ in results for item in found]
    located.sort(key=lambda x: (x.path, x.finding.line, x.finding.col, x.finding.code))
    diagnostics = [d for _, d in results if d]
    cache.save(located, diagnostics)
    return located, diagnostics


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

    def __init__(self, project: Project, files: List[str], codes: Optional[List[str]]) -> None:
        self.project, self.files = project, files
        self.absolute = [os.path.abspath(f) for f in files]
        key = json.dumps(self.absolute + sorted(codes or ()))
        self.name = "results-" + blake2b(key.encode(), digest_size=8).hexdigest()
        self.path = self._where()
        self._partial: Optional[Any] = None

    def begin(self) -> None:
        """Digest the files' metadata, directory listings and configuration now, before the
        run reads anything: a file edited during the run then misses the cache next time."""
        from .. import __version__

        project = self.project
        digest = blake2b(digest_size=16)
        digest.update(__version__.encode())
        directories: Set[str] = set()
        for full in self.absolute:
            try:
                info = os.stat(full)
            except OSError:
                return
            digest.update(f"{full}|{info.st_mode}|{info.st_mtime_ns}|{info.st_size}\n".encode())
            directories.add(full.rpartition(os.sep)[0])
        directories |= {d.rpartition(os.sep)[0] for d in directories}
        sources = {project.finder.for_dir(d).source for d in directories} - {None}
        for directory in sorted(directories):  # hidden entries (caches) are not inputs
            names = sorted(n for n in project.fs.listdir(directory) if not n.startswith("."))
            digest.update(f"{directory}|{project.fs.mode(directory)}|{names}\n".encode())
        try:
            for source in sorted(sources):  # type: ignore[type-var]
                with open(source, "rb") as fh:  # type: ignore[arg-type]
                    digest.update(fh.read())
        except OSError:
            return
        self._partial = digest

    def _state(self) -> str:
        """A digest of everything the findings depend on: what :meth:`begin` saw and the
        content of every indexed module (every index of the run must be built by now)."""
        if self._partial is None:
            return ""
        digest = self._partial.copy()
        for index in self.project.indexes():
            for path, content in sorted(index.digests.items()):
                digest.update(f"{path}|{content}\n".encode())
        return digest.hexdigest()

    def _where(self) -> Optional[str]:
        if not self.files:
            return None
        config = self.project.finder.for_file(os.path.abspath(self.files[0]))
        default = os.path.join(os.getcwd(), ".truthlint_cache")
        directory = config.cache_dir if config.source else default
        return os.path.join(directory, self.name + ".json") if directory else None

    def load(self) -> Optional[Tuple[List[Located], List[str]]]:
        state = self._state()
        if not self.path or not state:
            return None
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
            if data.get("state") != state:
                return None
            located = [Located(p, Finding(line, col, code, message), source)
                       for p, line, col, code, message, source in data["findings"]]
            return located, list(data["diagnostics"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, located: List[Located], diagnostics: List[str]) -> None:
        state = self._state()
        if not self.path or not state:
            return
        data = {"state": state, "diagnostics": diagnostics,
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
