"""In-process limiters (L6 helpers)."""
from collections import defaultdict


class RateLimiter:
    def __init__(self, per_minute: int = 60) -> None:
        self.per_minute = per_minute
        self.hits = defaultdict(int)

    def hit(self, key: str) -> bool:
        self.hits[key] += 1
        return self.hits[key] <= self.per_minute


class BudgetTracker:
    def __init__(self) -> None:
        self.spent = 0.0

    def spend(self, amount: float) -> None:
        self.spent += amount
