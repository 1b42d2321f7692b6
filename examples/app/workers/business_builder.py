"""Worker implementations (the seed's workers/: no __init__.py, and a name that collides with worker/)."""


def build_business(plan: dict) -> dict:
    return {"steps": list(plan.get("steps", []))}
