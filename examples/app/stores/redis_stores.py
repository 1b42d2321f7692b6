import redis


class RedisBudgetStore:
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)


class RedisIdempotencyStore:
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)
