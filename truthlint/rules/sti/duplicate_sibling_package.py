"""STI003: sibling packages or modules whose names collide once normalised (``planner/`` vs ``planners/``)."""

from __future__ import annotations

import os
from typing import List, Optional, Tuple, cast

from ...core.context import FileContext
from ...core.names import sibling_key
from ..base import Rule, RuleDoc


class DuplicateSibling(Rule):
    """STI003: sibling packages or modules whose names collide after normalisation."""

    doc = RuleDoc(
        code="STI003",
        name="duplicate-sibling-package",
        severity="governance",
        message="{unit} and its sibling {other} both normalise to '{key}' — merge them, or rename "
                "one so the names say how they differ",
        summary="Flags sibling packages or modules whose names collide once case, a plural `s` "
                "(`ies` → `y`) and an `_impl(s)` suffix are set aside: `planner/` vs "
                "`planners/`, `worker/` vs `workers/`, `policy/` vs `policies.py`. Reported once "
                "per pair on each side: a package's `__init__.py`, the first module of a "
                "directory without one, or the module file itself, at line 1.",
        rationale="The seed had `planner/` next to `planners/` (which one is authoritative?) and "
                  "`worker/` next to `workers/`: imports pick one by accident and the other "
                  "rots.",
        seed="STI-003, naming collisions",
        bad="""app/planner/__init__.py     # stub planner
app/planners/__init__.py    # production planners
""",
        good="""app/planners/__init__.py
app/planners/stub.py        # the stub lives with the real ones
""",
        limits=("Names that merely share a prefix (`route/` vs `router/`) never collide.",),
    )

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return ctx.location.root is not None and len(ctx.location.parts) >= 1

    def begin(self) -> None:
        loc = self.ctx.location
        directory = cast(str, loc.directory)  # applies(): a file below a root
        mine: List[Tuple[str, str]] = []   # (unit name, the directory it sits in)
        if not loc.is_init and not loc.parts[-1].startswith("_"):
            mine.append((loc.parts[-1], directory))
        if len(loc.parts) > 1:
            if loc.is_init or (not self.ctx.fs.has_init(directory)
                               and loc.parts[-1] == self._first_module(directory)):
                mine.append((os.path.basename(directory), os.path.dirname(directory)))
        for unit, parent in mine:
            key = sibling_key(unit)
            for other in self.ctx.fs.siblings(parent, key):
                if other != unit:
                    base = os.path.dirname(cast(str, loc.root))

                    def show(n: str) -> str:
                        return os.path.relpath(os.path.join(parent, n), base).replace(os.sep, "/")

                    self.report(1, 0, unit=show(unit), other=show(other), key=key)

    def _first_module(self, directory: str) -> Optional[str]:
        """The module that speaks for a directory without ``__init__.py``: its first file."""
        listing = self.ctx.fs.listdir(directory)
        return min((n for n in listing if n.endswith(".py")), default=None)
