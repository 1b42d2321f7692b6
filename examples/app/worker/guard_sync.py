"""Worker-side guard sync: writes the kill switch itself instead of asking its owner."""
from sqlmodel import Session

from app.db import get_engine
from app.models import KillSwitchState
from app.services import GuardWriteService


def apply_remote_freeze(tenant_id: str) -> None:
    with Session(get_engine()) as session:
        session.add(KillSwitchState(tenant_id=tenant_id, frozen=True))


def apply_remote_unfreeze(tenant_id: str) -> None:
    with Session(get_engine()) as session:
        GuardWriteService(session).unfreeze(tenant_id)
