class InMemoryBudgetStore:
    def __init__(self) -> None:
        self.spent = {}


class InMemoryIdempotencyStore:
    def __init__(self) -> None:
        self.keys = set()
