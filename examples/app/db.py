"""Database engine, session dependency and table creation (L6)."""
from typing import Annotated, Iterator, Optional

from fastapi import Depends
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, create_engine

from app.config import settings

_engine: Optional[Engine] = None


class CostSimCBState(SQLModel, table=True):
    """Sync circuit-breaker state: the seed's twin of models/costsim_cb.py."""

    __tablename__ = "costsim_cb_state"
    id: Optional[int] = Field(default=None, primary_key=True)
    open: bool = False


def get_engine() -> Engine:
    """Lazy per-process engine: a connection pool is per-process by design."""
    global _engine
    if _engine is None:
        _engine = create_engine(settings.database_url)
    return _engine


def init_db() -> None:
    SQLModel.metadata.create_all(get_engine())


def get_session() -> Iterator[Session]:
    """Unit of work per request: the dependency that yields the session owns its transaction."""
    with Session(get_engine()) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session)]
