from sqlmodel import Session, select

from app.models import Item
from app.policy.engine import can_create


class ItemService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, name: str, owner_id: int) -> Item:
        if not can_create(self, owner_id):
            raise PermissionError(owner_id)
        item = Item(name=name, owner_id=owner_id)
        self.session.add(item)
        self.session.commit()
        self.session.refresh(item)
        return item

    def list_for(self, owner_id: int) -> list:
        return list(self.session.exec(select(Item).where(Item.owner_id == owner_id)))
