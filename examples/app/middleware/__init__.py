"""Request middleware (L6)."""
from .rate_limit import check_rate_limit

__all__ = ["check_rate_limit"]
