"""Business services (L4): the only place that writes and owns transactions."""
from .guard_write_service import GuardWriteService
from .incidents import IncidentService
from .item_service import ItemService

__all__ = ["GuardWriteService", "IncidentService", "ItemService"]
