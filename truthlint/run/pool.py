"""Process pools for the ``truthlint`` command: one :class:`Engine` per worker, work sent in
chunks, forked where the platform can (the workers then inherit every index already built)."""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Protocol, Sequence

from ..engine.check import Engine

# bytes of source to check: below this, starting a pool costs more than it saves (a fork
# pool costs some 30 ms; checking a file costs about 0.3 ms per KB)
PARALLEL_FROM = 200_000

Task = Callable[[Engine, Any], Any]

_WORKER: Dict[str, Any] = {}  # noqa: SOI002 (one Engine per worker process, by design)


class Progress(Protocol):
    def advance(self, n: int) -> None:
        """``n`` more items are done."""


def _init_worker(engine: Engine, task: Task) -> None:
    _WORKER.update(engine=engine, task=task)


def _run_chunk(items: List[Any]) -> List[Any]:
    engine, task = _WORKER["engine"], _WORKER["task"]
    return [task(engine, item) for item in items]


def size_of(paths: Iterable[str]) -> int:
    """Bytes of source in ``paths`` (the measure of work :func:`run_tasks` weighs)."""
    total = 0
    for path in paths:
        try:
            total += os.stat(path).st_size
        except OSError:
            pass
    return total


def run_tasks(engine: Engine, task: Task, items: Sequence[Any], jobs: int, size: int,
              progress: Optional[Progress] = None) -> List[Any]:
    """``task(engine, item)`` for every item, in order; across ``jobs`` processes when
    ``size`` (bytes of source the items stand for) is worth a pool. ``progress`` advances
    as results come in."""
    results: List[Any] = []
    for part in _parts(engine, task, items, jobs, size):
        results.extend(part)
        if progress:
            progress.advance(len(part))
    return results


def _parts(engine: Engine, task: Task, items: Sequence[Any], jobs: int,
           size: int) -> Iterator[List[Any]]:
    if jobs <= 1 or size < PARALLEL_FROM or len(items) < 2:
        for item in items:
            yield [task(engine, item)]
        return
    import multiprocessing  # 20 ms of imports only a parallel run pays for
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, min(64, len(items) // (jobs * 4)))
    chunks = [list(items[i:i + chunk]) for i in range(0, len(items), chunk)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    # (STI002 gives layers the seed's meanings, L5 "background work", L6 "tables and
    # engines"; in truthlint's own floors L6 is this run floor, and starting a pool is its job)
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,  # noqa: STI002
                             initargs=(engine, task)) as pool:
        yield from pool.map(_run_chunk, chunks)
