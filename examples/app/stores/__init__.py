"""Store factory (L6): budgets and idempotency keys."""
import logging
import os

from .memory import InMemoryBudgetStore, InMemoryIdempotencyStore
from .redis_stores import RedisBudgetStore, RedisIdempotencyStore

logger = logging.getLogger(__name__)


def get_budget_store():
    url = os.getenv("REDIS_URL")
    if not url:
        return InMemoryBudgetStore()
    return RedisBudgetStore(url)


def get_idempotency_store():
    url = os.getenv("REDIS_URL")
    if not url:
        logger.warning("REDIS_URL is unset: idempotency keys are per-process and lost on restart")
        return InMemoryIdempotencyStore()
    return RedisIdempotencyStore(url)
