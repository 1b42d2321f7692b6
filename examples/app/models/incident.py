from typing import Optional

from sqlmodel import Field, Session, SQLModel


class Incident(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    tenant_id: str
    resolved: bool = False


def resolve(session: Session, incident: Incident) -> None:
    """A model helper that ends its caller's transaction: SOI004. Its clean counterpart is
    `IncidentService.resolve` in app/services/incidents.py, which owns the unit of work."""
    incident.resolved = True
    session.commit()
