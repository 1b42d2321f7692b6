"""ORM models (L6)."""
from .item import Item
from .killswitch import KillSwitchState

__all__ = ["Item", "KillSwitchState"]
