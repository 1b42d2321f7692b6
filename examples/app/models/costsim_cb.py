"""Async circuit-breaker models (the seed's models/costsim_cb.py)."""
from typing import Optional

from sqlmodel import Field, SQLModel


class CostSimCBStateModel(SQLModel, table=True):
    __tablename__ = "costsim_cb_state"
    id: Optional[int] = Field(default=None, primary_key=True)
    open: bool = False


class CostSimProvenanceModel(SQLModel, table=True):
    __tablename__ = "costsim_provenance"
    id: Optional[int] = Field(default=None, primary_key=True)
