"""Policy engine (L4)."""
from .engine import can_create
from .quotas import within_quota

__all__ = ["can_create", "within_quota"]
