"""Guard routes: the seed's L2 collapse — this file writes to the DB itself."""
from fastapi import APIRouter, Depends
from sqlalchemy import text
from sqlmodel import Session, update

from app.db import get_session
from app.models import KillSwitchState
from app.services import GuardWriteService
from app.worker.pool import WorkerPool

router = APIRouter(prefix="/guard")


@router.post("/freeze/{tenant_id}")
def freeze(tenant_id: str, session: Session = Depends(get_session)):
    state = KillSwitchState(tenant_id=tenant_id, frozen=True)
    session.add(state)
    session.execute(update(KillSwitchState).where(KillSwitchState.tenant_id == tenant_id))
    session.commit()
    return state


@router.post("/purge")
def purge(db=Depends(get_session)):
    db.execute(text("DELETE FROM incident WHERE resolved"))
    return {"ok": True}


@router.post("/unfreeze/{tenant_id}")
def unfreeze(tenant_id: str, session: Session = Depends(get_session)):
    write_service = GuardWriteService(session)
    write_service.unfreeze(tenant_id)
    write_service.commit()
    return {"ok": True}


@router.post("/drain")
def drain():
    WorkerPool(size=1).poll_forever()
    return {"ok": True}
