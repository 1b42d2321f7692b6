"""ORM models (L6)."""
from .costsim_cb import CostSimCBStateModel
from .item import Item
from .killswitch import KillSwitchState

__all__ = ["CostSimCBStateModel", "Item", "KillSwitchState"]
