"""The clean counterpart: the type-only import cannot close a cycle."""
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services.item_service import ItemService


def within_quota(service: "ItemService", used: int, limit: int) -> bool:
    return used < limit
