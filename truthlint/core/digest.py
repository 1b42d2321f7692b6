"""Content digests for the caches and baselines."""

from __future__ import annotations

try:  # the blake2 module alone: importing hashlib loads OpenSSL, 3 ms of every flake8 start
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter without it
    from hashlib import blake2b

__all__ = ["blake2b", "digest"]


def digest(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()
