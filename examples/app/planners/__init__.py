"""LLM planner backends (L3), built on first use."""
from typing import Optional

import anthropic

_client: Optional[anthropic.Anthropic] = None


def get_planner() -> anthropic.Anthropic:
    global _client
    if _client is None:
        _client = anthropic.Anthropic()
    return _client
