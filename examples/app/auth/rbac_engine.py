from typing import Dict, Optional


class RBACEngine:
    """The seed's per-process RBAC singleton."""

    _instance: Optional["RBACEngine"] = None

    def __init__(self) -> None:
        self.decisions: Dict[str, bool] = {}

    @classmethod
    def get_instance(cls) -> "RBACEngine":
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def allowed(self, role: str, action: str) -> bool:
        return self.decisions.get(f"{role}:{action}", False)


class PolicyTable:
    """Declares `_instance` but never stores itself there: not a singleton."""

    _instance = None

    def __init__(self, rules: Dict[str, bool]) -> None:
        self.rules = dict(rules)
