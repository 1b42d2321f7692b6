"""File patterns as flake8 reads them (``exclude``, ``per-file-ignores``), so a tree
configured for flake8 means the same to ``truthlint check``.

A pattern with a path separator is taken relative to the file that set it; one without is
matched against a file's (or directory's) own name, wherever it sits. Matching is
``fnmatch`` on the name, then on the absolute path, as ``flake8.utils.matches_filename``.
"""

from __future__ import annotations

import fnmatch
import os
from typing import Iterable, Sequence, Tuple

PerFile = Tuple[Tuple[str, Tuple[str, ...]], ...]  # (pattern, codes) pairs


def normalize(patterns: Iterable[str], base: str) -> Tuple[str, ...]:
    """``app/legacy`` -> ``/project/app/legacy``; ``*.pyi`` stays a name pattern."""
    out = []
    for pattern in patterns:
        pattern = pattern.strip()
        if not pattern:
            continue
        if pattern == "." or os.sep in pattern or (os.altsep and os.altsep in pattern) \
                or "/" in pattern:
            pattern = os.path.abspath(os.path.join(base, pattern))
        out.append(pattern.rstrip("/" + os.sep))
    return tuple(out)


def normalize_per_file(pairs: Iterable[Tuple[str, Tuple[str, ...]]], base: str) -> PerFile:
    """``per-file-ignores`` pairs with their patterns normalized as :func:`normalize` does."""
    return tuple((found[0], codes) for pattern, codes in pairs
                 for found in (normalize([pattern], base),) if found)


def matches(path: str, patterns: Sequence[str]) -> bool:
    """Does ``path`` itself match (its name, or its absolute path)?"""
    if not patterns:
        return False
    name = os.path.basename(path)
    if name not in ("", ".", "..") and any(fnmatch.fnmatch(name, p) for p in patterns):
        return True
    full = os.path.abspath(path)
    return any(fnmatch.fnmatch(full, p) for p in patterns)


def excluded(path: str, patterns: Sequence[str], top: str) -> bool:
    """Does ``path`` or a directory holding it, below ``top``, match? (A walk prunes an
    excluded directory; a file named on its own is judged by where it is, the same way.)"""
    if not patterns:
        return False
    current = os.path.abspath(path)
    top = os.path.abspath(top)
    while True:
        if matches(current, patterns):
            return True
        parent = os.path.dirname(current)
        if parent == current or not parent.startswith(top) or current == top:
            return False
        current = parent


def ignored(path: str, per_file: PerFile) -> Tuple[str, ...]:
    """The codes (or prefixes) ``per-file-ignores`` drops for ``path``: each pattern that the
    file itself matches, as flake8 matches it."""
    codes: Tuple[str, ...] = ()
    for pattern, listed in per_file:
        if matches(path, (pattern,)):
            codes += listed
    return codes
