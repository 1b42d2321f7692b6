"""Recovery routes: the seed's Phase 2B debt — async routes on a sync session."""
import asyncio

from fastapi import APIRouter, Depends
from sqlmodel import Session, select

from app.db import get_session
from app.models import Item

router = APIRouter(prefix="/recovery")


@router.get("/candidates")
async def list_candidates(session: Session = Depends(get_session)):
    return session.exec(select(Item)).all()


@router.get("/candidates/count")
async def count_candidates(session: Session = Depends(get_session)):
    items = await asyncio.to_thread(lambda: session.exec(select(Item)).all())
    return {"count": len(items)}
