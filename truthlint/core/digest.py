"""Content digests for the caches and baselines."""

from __future__ import annotations

try:  # the blake2 module alone: importing hashlib loads OpenSSL, 3 ms of every flake8 start
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter without it
    from hashlib import blake2b

import json
import sys
from typing import Any, List

__all__ = ["blake2b", "build_id", "cache_key", "canonical", "digest", "text_digest",
           "value_digest"]


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


KEY_ENV = "TRUTHLINT_CACHE_KEY"


def cache_key() -> bytes:
    """The secret every cache key and cache check is derived from (through :func:`build_id`),
    so a cache that this user's own runs (or this CI's, given the key in the environment) did
    not write — a ``.truthlint_cache/`` committed in a pull request — never matches and is
    never read. It comes from ``TRUTHLINT_CACHE_KEY``, else from a key file in the user's
    cache directory, created once; where none can be kept, a key for this run only (handed to
    its worker processes through the environment), so no cache outlives the run."""
    import os

    given = os.environ.get(KEY_ENV)
    if given:
        return blake2b(given.encode("utf-8", "surrogatepass"), digest_size=32).digest()
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    directory = os.path.join(home, "truthlint")
    path = os.path.join(directory, "key")
    for _ in range(2):
        try:
            with open(path, "rb") as fh:  # (only this user can read it: created 0600 below)
                found = fh.read(64)
            if len(found) == 32:
                return found
        except OSError:
            pass
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                         0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(32))
        except FileExistsError:
            continue  # another process made it first, or a bad one is there: read it again
        except OSError:
            break
    run_only = os.urandom(16).hex()
    os.environ[KEY_ENV] = run_only  # the run's workers must derive the same keys
    return blake2b(run_only.encode(), digest_size=32).digest()


_BUILD: List[str] = []


def build_id() -> str:
    """Which truthlint is running, down to its source files (their sizes and times), on
    which Python, for which user (:func:`cache_key`): a cache written by another build, an
    edited checkout included, by another interpreter or by someone else is never read as this
    one's.
    Computed once per process (some 80 stat calls)."""
    if not _BUILD:
        import os

        from .. import __version__

        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        hasher = blake2b(__version__.encode(), digest_size=8, key=cache_key())
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
