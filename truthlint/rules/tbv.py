"""TBV — temporal boundaries: code that runs at the wrong time."""

from __future__ import annotations

import ast
from typing import Set

from ..names import dotted, last_name
from .base import Rule
from .catalogue import FILE, THREAD, THREAD_TYPES, is_thread_start, side_effect

PATH_TYPES = frozenset({"pathlib.Path", "Path", "pathlib.PurePath"})


class ImportTimeSideEffect(Rule):
    """TBV001: work done while the module is being imported."""

    codes = ("TBV001",)

    def begin(self) -> None:
        self.consumed: Set[int] = set()
        self.threads: Set[str] = set()

    def visit_Assign(self, node: ast.Assign) -> None:
        if (self.ctx.scope.import_time and isinstance(node.value, ast.Call)
                and self.ctx.qualify(node.value.func) in THREAD_TYPES):
            self.threads.update(t.id for t in node.targets if isinstance(t, ast.Name))

    def _effect(self, node: ast.Call):  # type: ignore[no-untyped-def]
        ctx = self.ctx
        effect = side_effect(node, ctx.qualify(node.func), ctx.config.side_effect_calls)
        if effect:
            return effect
        func = node.func
        if isinstance(func, ast.Attribute):
            if is_thread_start(node, ctx.qualify) or (
                    func.attr == "start" and isinstance(func.value, ast.Name)
                    and func.value.id in self.threads):
                return THREAD
            if func.attr in ("read_text", "read_bytes") and self._is_path(func.value):
                return FILE
        return None

    def _is_path(self, expr: ast.AST) -> bool:
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            return True
        return isinstance(expr, ast.Call) and self.ctx.qualify(expr.func) in PATH_TYPES

    def visit_Call(self, node: ast.Call) -> None:
        if not self.ctx.scope.import_time or id(node) in self.consumed:
            return
        effect = self._effect(node)
        if effect is None:
            return
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call):
                self.consumed.add(id(inner))
        self.ctx.report("TBV001", node, call=f"`{call_text(node)}`", effect=effect)


def call_text(node: ast.Call) -> str:
    """How a call reads in a message: ``redis.Redis.from_url()``, ``Thread(...).start()``."""
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
        inner = dotted(func.value.func) or last_name(func.value.func) or "call"
        return f"{inner}(...).{func.attr}()"
    return f"{dotted(func) or last_name(func) or 'call'}()"
