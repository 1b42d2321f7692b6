"""HTTP routes (L2)."""
from .guard import router as guard_router
from .items import router as items_router

__all__ = ["guard_router", "items_router"]
