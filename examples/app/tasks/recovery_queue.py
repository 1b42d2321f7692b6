import redis

from app.config import settings


def enqueue_recovery(run_id: str) -> None:
    client = redis.Redis.from_url(settings.redis_url)
    client.xadd("m10:evaluate", {"run_id": run_id})
