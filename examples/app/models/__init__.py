"""ORM models (L6)."""
from .costsim_cb import CostSimCBStateModel
from .incident import Incident
from .item import Item
from .killswitch import KillSwitchState

__all__ = ["CostSimCBStateModel", "Incident", "Item", "KillSwitchState"]
