from sqlmodel import Session, update

from app.models import KillSwitchState


class GuardWriteService:
    """Owns every write of KillSwitchState."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def freeze(self, tenant_id: str) -> None:
        self.session.execute(
            update(KillSwitchState).where(KillSwitchState.tenant_id == tenant_id).values(frozen=True)
        )
        self.session.commit()

    def unfreeze(self, tenant_id: str) -> None:
        self.session.execute(
            update(KillSwitchState).where(KillSwitchState.tenant_id == tenant_id).values(frozen=False)
        )

    def commit(self) -> None:
        self.session.commit()
