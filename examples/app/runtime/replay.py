"""Replays recorded runs (the seed's runtime/: no __init__.py)."""


def replay(run_id: str) -> str:
    return f"replaying {run_id}"
