"""The base every rule derives from, and the small fact collectors several rules share."""

from __future__ import annotations

import ast
from typing import Dict, NamedTuple, Optional, Tuple

from ..core.names import last_name
from ..core.walker import FUNCTIONS, Visitor


class Rule(Visitor):
    """A rule: declares its codes and the collectors it reads; ``applies`` gates it per file."""

    codes: Tuple[str, ...] = ()
    needs: Tuple[type, ...] = ()
    # judged in ``end`` from the project index alone (the file's summary included): a cold
    # run judges it after building the index, without walking the file again
    from_index = False

    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        self.ctx = ctx

    @classmethod
    def applies(cls, ctx) -> bool:  # type: ignore[no-untyped-def]
        """Cheap per-file test, so a rule that cannot fire costs nothing during the walk."""
        return True


class Method(NamedTuple):
    cls: ast.ClassDef
    name: str
    first: Optional[str]  # ``self``/``cls`` parameter name, None for staticmethods


def first_param(node: ast.AST) -> Optional[str]:
    args = node.args  # type: ignore[attr-defined]
    params = list(args.posonlyargs) + list(args.args)
    decorators = {last_name(d) for d in getattr(node, "decorator_list", ())}
    if "staticmethod" in decorators or not params:
        return None
    return params[0].arg


class Methods(Visitor):
    """Which functions are methods, of which class, and what their ``self``/``cls`` is called."""

    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        self.ctx = ctx
        self.of: Dict[ast.AST, Method] = {}

    def visit_FunctionDef(self, node: ast.AST) -> None:
        cls = self.ctx.scope.cls
        if cls is not None:
            self.of[node] = Method(cls, node.name, first_param(node))  # type: ignore[attr-defined]

    visit_AsyncFunctionDef = visit_FunctionDef

    def current(self) -> Optional[Method]:
        return self.of.get(self.ctx.scope.function)  # type: ignore[arg-type]


def is_generator(func: ast.AST) -> bool:
    """Does ``func`` itself yield (nested functions do not count)?"""
    stack = list(getattr(func, "body", []))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, FUNCTIONS + (ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False
