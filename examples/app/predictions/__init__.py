"""C2 predictions: advisory only (an advisory package by default)."""
from .canary import describe_risk, summarize

__all__ = ["describe_risk", "summarize"]
