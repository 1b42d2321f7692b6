"""Authentication and RBAC (L4)."""
from .rbac_engine import PolicyTable, RBACEngine

__all__ = ["PolicyTable", "RBACEngine"]
