"""The base every rule derives from."""

from __future__ import annotations

import ast
from typing import Any, Tuple, Type, Union

from ..core.context import FileContext
from ..core.walker import Visitor
from .registry import RULES


class Rule(Visitor):
    """A rule: declares its codes and the collectors it reads; ``applies`` gates it per file."""

    codes: Tuple[str, ...] = ()
    needs: Tuple[Type[Visitor], ...] = ()
    # judged in ``end`` from the project index alone (the file's summary included): a cold
    # run judges it after building the index, without walking the file again
    from_index = False

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        """Cheap per-file test, so a rule that cannot fire costs nothing during the walk."""
        return True

    def report(self, code: str, at: Union[ast.AST, int], col: int = 0, **fields: Any) -> None:
        """A finding of ``code`` (one of this rule's) at a node or line, its message rendered
        from the registry's template."""
        self.ctx.add(code, at, col, RULES[code].message.format(**fields))
