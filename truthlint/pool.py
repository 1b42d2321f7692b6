"""Process pools for the ``truthlint`` command: one :class:`Project` per worker, work sent in
chunks, forked where the platform can (the workers then inherit every index already built)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

from .engine import Project

PARALLEL_FROM = 40  # work items; below this a process pool costs more than it saves

Task = Callable[[Project, Optional[List[str]], Any], Any]

_WORKER: Dict[str, Any] = {}  # noqa: SOI002 (one Project per worker process, by design)


def _init_worker(project: Project, codes: Optional[List[str]], task: Task) -> None:
    _WORKER.update(project=project, codes=codes, task=task)


def _run_chunk(items: List[Any]) -> List[Any]:
    project, codes, task = _WORKER["project"], _WORKER["codes"], _WORKER["task"]
    return [task(project, codes, item) for item in items]


def run_tasks(project: Project, codes: Optional[List[str]], task: Task, items: Sequence[Any],
              jobs: int) -> Iterator[List[Any]]:
    """``task(project, codes, item)`` for every item, in order, chunk by chunk (so a caller
    can show progress); across ``jobs`` processes when there is enough work."""
    if jobs <= 1 or len(items) < PARALLEL_FROM:
        for item in items:
            yield [task(project, codes, item)]
        return
    size = max(1, min(64, len(items) // (jobs * 4)))
    chunks = [list(items[i:i + size]) for i in range(0, len(items), size)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                             initargs=(project, codes, task)) as pool:
        yield from pool.map(_run_chunk, chunks)
