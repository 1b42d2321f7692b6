"""Item routes: reads and delegation only — the clean counterpart of guard.py."""
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends
from sqlmodel import select

from app.db import SessionDep
from app.models import Item
from app.services import ItemService

if TYPE_CHECKING:
    from app.worker.pool import WorkerPool  # type-only: never imported at run time

router = APIRouter(prefix="/items")


def get_item_service(session: SessionDep) -> ItemService:
    return ItemService(session)


@router.get("/")
def list_items(session: SessionDep, owner_id: int):
    items = session.exec(select(Item).where(Item.owner_id == owner_id)).all()
    first = session.get(Item, 1)
    return {"items": items, "first": first}


@router.post("/")
def create_item(name: str, owner_id: int, items: ItemService = Depends(get_item_service)):
    seen = set()
    seen.add(name)
    return items.create(name, owner_id)
