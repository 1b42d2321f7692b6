"""Files and directories: the one file walker every entry point uses, and a per-run cache of
directory listings that never raises on unreadable or odd paths.

The walker skips what no project checks in: hidden directories, caches and build output
(ruff's default list), and virtual environments, known by their ``pyvenv.cfg`` whatever they
are named (so a package named ``env/`` is code, and a virtualenv named ``env/`` is not).
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Tuple

from .location import header_layer, HEADER_LINES

SKIP_DIRS = frozenset({"__pycache__", "__pypackages__", "node_modules", "site-packages",
                       "build", "dist", "_build", "buck-out"})


def skipped_dir(parent: str, name: str) -> bool:
    """Is ``parent/name`` a directory the walker leaves out?"""
    return (name.startswith(".") or name in SKIP_DIRS
            or os.path.isfile(os.path.join(parent, name, "pyvenv.cfg")))


def walk(top: str) -> Iterator[Tuple[str, List[str]]]:
    """``(directory, sorted file names)`` under ``top``, in sorted order, skipping what
    :func:`skipped_dir` says; directory symlinks are never followed."""
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not skipped_dir(dirpath, d))
        yield dirpath, sorted(filenames)


def python_files_under(top: str) -> Iterator[str]:
    for dirpath, filenames in walk(top):
        for name in filenames:
            if name.endswith(".py"):
                yield os.path.join(dirpath, name)


def python_files(paths: Iterable[str]) -> List[str]:
    """The Python files a run over ``paths`` checks: a file named explicitly is taken as it is,
    a directory is walked."""
    found: List[str] = []
    for path in paths:
        if os.path.isfile(path):
            found.append(path)
        else:
            found.extend(python_files_under(path))
    return [os.path.normpath(p) for p in found]


class FileSystem:
    """Cached directory listings for one run; never raises on unreadable or odd paths."""

    def __init__(self) -> None:
        self._listing: Dict[str, FrozenSet[str]] = {}
        self._headers: Dict[str, Optional[Tuple[int, int]]] = {}
        self._modes: Dict[str, Optional[int]] = {}
        self._memo: Dict[Any, Any] = {}

    def listdir(self, directory: str) -> FrozenSet[str]:
        cached = self._listing.get(directory)
        if cached is None:
            try:
                cached = frozenset(os.listdir(directory))
            except OSError:
                cached = frozenset()
            self._listing[directory] = cached
        return cached

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """Any fact derived from directory listings, computed once per run."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def mode(self, path: str) -> Optional[int]:
        """``st_mode`` of a directory, cached (files are stat'ed fresh by their rule)."""
        if path not in self._modes:
            try:
                self._modes[path] = os.stat(path).st_mode
            except OSError:
                self._modes[path] = None
        return self._modes[path]

    def has_init(self, directory: str) -> bool:
        return "__init__.py" in self.listdir(directory)

    def header(self, path: str) -> Optional[Tuple[int, int]]:
        """The ``# Layer:`` header of another project file (first lines only), cached."""
        if path not in self._headers:
            try:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    lines = [fh.readline() for _ in range(HEADER_LINES)]
            except OSError:
                lines = []
            self._headers[path] = header_layer(lines)
        return self._headers[path]

    def is_dir(self, path: str) -> bool:
        try:
            return os.path.isdir(path)
        except (OSError, ValueError):
            return False
