"""How a call reads in a TBV message (shared by TBV001 and TBV003)."""

from __future__ import annotations

import ast

from ...core.names import dotted, last_name


def call_text(node: ast.Call) -> str:
    """How a call reads in a message: ``redis.Redis.from_url()``, ``Thread(...).start()``."""
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
        inner = dotted(func.value.func) or last_name(func.value.func) or "call"
        return f"{inner}(...).{func.attr}()"
    return f"{dotted(func) or last_name(func) or 'call'}()"
