"""Which functions are methods, of which class, and what their ``self``/``cls`` is called."""

from __future__ import annotations

import ast
from typing import Dict, List, NamedTuple, Optional, Tuple, Union

from ..core.context import Collector, FileContext
from ..core.names import last_name
from ..core.walker import FUNCTIONS

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]


class Method(NamedTuple):
    cls: ast.ClassDef
    name: str
    first: Optional[str]  # ``self``/``cls`` parameter name, None for staticmethods


def first_param(node: Function) -> Optional[str]:
    args = node.args
    params = list(args.posonlyargs) + list(args.args)
    decorators = {last_name(d) for d in node.decorator_list}
    if "staticmethod" in decorators or not params:
        return None
    return params[0].arg


class Methods(Collector):
    """Collects every method of the file while the walker goes by."""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.of: Dict[ast.AST, Method] = {}

    def visit_FunctionDef(self, node: Function) -> None:
        cls = self.ctx.scope.cls
        if cls is not None:
            self.of[node] = Method(cls, node.name, first_param(node))

    visit_AsyncFunctionDef = visit_FunctionDef

    def current(self) -> Optional[Method]:
        function = self.ctx.scope.function
        return self.of.get(function) if function is not None else None


def parameters(node: Function) -> List[Tuple[ast.arg, Optional[ast.expr]]]:
    """Every parameter with its default (None when it has none), keyword-only ones included."""
    args = node.args
    positional = list(args.posonlyargs) + list(args.args)
    defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    return list(zip(positional, defaults)) + list(zip(args.kwonlyargs, args.kw_defaults))


def is_generator(func: ast.AST) -> bool:
    """Does ``func`` itself yield (nested functions do not count)?"""
    body = getattr(func, "body", [])
    stack = list(body) if isinstance(body, list) else [body]  # a lambda's body is one expression
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, FUNCTIONS + (ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False
