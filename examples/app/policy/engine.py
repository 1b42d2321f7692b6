"""Policy checks. Importing the service class at module level closes a cycle with it."""
from app.services.item_service import ItemService


def can_create(service: ItemService, owner_id: int) -> bool:
    return owner_id > 0 and service is not None
