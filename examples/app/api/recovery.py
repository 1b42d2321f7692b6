"""Recovery routes: the seed's Phase 2B debt — async routes on a sync session."""
import asyncio

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session, select

from app.db import get_session
from app.models import Item
from app.services import ItemService

router = APIRouter(prefix="/recovery")


@router.get("/candidates")
async def list_candidates(session: Session = Depends(get_session)):
    return session.exec(select(Item)).all()


@router.get("/candidates/count")
async def count_candidates(session: Session = Depends(get_session)):
    items = await asyncio.to_thread(lambda: session.exec(select(Item)).all())
    return {"count": len(items)}


@router.get("/owners/{owner_id}")
async def owner_items(owner_id: int, session: Session = Depends(get_session)):
    return ItemService(session).list_for(owner_id)


@router.get("/owners/{owner_id}/offloaded")
async def owner_items_offloaded(owner_id: int, session: Session = Depends(get_session)):
    return await run_in_threadpool(ItemService(session).list_for, owner_id)
