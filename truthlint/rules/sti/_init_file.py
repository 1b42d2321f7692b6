"""The base of the rules that judge a package by its ``__init__.py`` and its directory (STI004, STI005)."""

from __future__ import annotations

from typing import List, cast

from ...core.context import FileContext
from ..base import Rule


class _InitFile(Rule):
    """Shared by the rules that judge a package by its ``__init__.py`` and its directory."""

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        loc = ctx.location
        return loc.root is not None and loc.is_init

    def siblings(self) -> List[str]:
        directory = cast(str, self.ctx.location.directory)  # applies(): a file below a root
        return sorted(self.ctx.fs.listdir(directory))

    def public_modules(self) -> List[str]:
        return [n[:-3] for n in self.siblings()
                if n.endswith(".py") and not n.startswith("_") and n[:-3].isidentifier()]
