"""Content digests for the caches and baselines."""

from __future__ import annotations

try:  # the blake2 module alone: importing hashlib loads OpenSSL, 3 ms of every flake8 start
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter without it
    from hashlib import blake2b

import json
import sys
from typing import Any, List

__all__ = ["blake2b", "build_id", "canonical", "digest", "text_digest", "value_digest"]


def digest(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if hasattr(value, "items"):
        return dict(value.items())
    return repr(value)


def canonical(value: Any) -> str:
    """The same JSON text for equal values in every process: sets sorted, keys sorted (a set's
    own order changes with the interpreter's string hashing)."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_plain)
    except TypeError:  # keys of mixed types: their order is the value's own
        return json.dumps(value, separators=(",", ":"), default=_plain)


def value_digest(value: Any) -> str:
    """A short digest of :func:`canonical`: what a cached result records of a fact it read."""
    return text_digest(canonical(value))


def encoded(text: str) -> bytes:
    """UTF-8 for digests and caches that never fails: a path with bytes that are not UTF-8
    (``bad\\xff.py``, decoded with surrogates) is a path like any other."""
    return text.encode("utf-8", "surrogatepass")


def text_digest(text: str) -> str:
    """:func:`value_digest` of a value whose :func:`canonical` text is ``text``."""
    return blake2b(encoded(text), digest_size=8).hexdigest()


_BUILD: List[str] = []


def build_id() -> str:
    """Which truthlint is running, down to its source files (their sizes and times), and on
    which Python: a cache written by another build, an edited checkout included, or by another
    interpreter is never read as this one's.
    Computed once per process (some 80 stat calls)."""
    if not _BUILD:
        import os

        from .. import __version__

        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        hasher = blake2b(__version__.encode(), digest_size=8)
        hasher.update(sys.version.encode())  # another Python parses (and so summarises) otherwise
        for folder, dirs, files in sorted(os.walk(package)):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
            for name in sorted(files):
                if name.endswith(".py"):
                    info = os.stat(os.path.join(folder, name))
                    where = f"{folder[len(package):]}/{name}"
                    hasher.update(f"{where}|{info.st_size}|{info.st_mtime_ns}".encode())
        _BUILD.append(hasher.hexdigest())
    return str(_BUILD[0])
