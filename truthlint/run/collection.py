"""How often the cyclic garbage collector runs while truthlint works.

A check makes almost no cyclic garbage: each file's tree and facts are freed by reference
count once its check is over (``FileContext.release``). Python's default young-generation
threshold (700 allocations) still starts a collection every few hundred nodes of the tree
being walked, and each older collection rescans everything alive, the tree included; mypy
raises the threshold for the same reason. The command sets it for its whole run; the flake8
plugin only while its own check runs, and puts flake8's back after.
"""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator

THRESHOLD = (50_000, 20, 20)


def collect_less() -> None:
    """For a process truthlint owns (the ``truthlint`` command)."""
    gc.set_threshold(*THRESHOLD)


@contextlib.contextmanager
def collecting_less() -> Iterator[None]:
    """For truthlint's part of someone else's process (flake8's)."""
    before = gc.get_threshold()
    gc.set_threshold(*THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)
