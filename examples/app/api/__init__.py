"""HTTP routes (L2)."""
from .guard import router as guard_router
from .items import router as items_router
from .recovery import router as recovery_router

__all__ = ["guard_router", "items_router", "recovery_router"]
