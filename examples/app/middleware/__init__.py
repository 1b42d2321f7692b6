"""Request middleware (L6)."""
from .rate_limit import check_rate_limit
from .tenancy import TenancyMiddleware
from .tenant import TenantMiddleware

__all__ = ["TenancyMiddleware", "TenantMiddleware", "check_rate_limit"]
