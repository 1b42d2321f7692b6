"""Worker pool (L5). Imported lazily so the API process never loads it."""
from typing import Any


def get_worker_pool() -> Any:
    from .pool import WorkerPool

    return WorkerPool()
