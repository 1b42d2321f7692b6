"""Authentication and RBAC (L4)."""
from .rbac_engine import PolicyTable, RBACEngine
from .tokens import current_user

__all__ = ["PolicyTable", "RBACEngine", "current_user"]
