from typing import Optional

from sqlmodel import Field, SQLModel


class KillSwitchState(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    tenant_id: str
    frozen: bool = False
