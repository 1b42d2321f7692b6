from sqlmodel import Session

from app.models.incident import Incident


class IncidentService:
    """A service owns its operations' transactions: its commit is not SOI004."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def resolve(self, incident: Incident) -> None:
        incident.resolved = True
        self.session.add(incident)
        self.session.commit()
