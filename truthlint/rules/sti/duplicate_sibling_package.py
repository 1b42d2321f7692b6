"""STI003: sibling packages or modules whose names collide once normalised (``planner/`` vs ``planners/``)."""

from __future__ import annotations

import os
import re
from typing import Dict, List, Optional, Tuple, cast

from ...core.context import FileContext
from ...core.names import singular
from ..base import Rule, RuleDoc


def sibling_key(name: str) -> str:
    """``planners`` -> ``planner``, ``policies.py`` -> ``policy``, ``store_impls`` -> ``store``."""
    key = name.lower()
    key = key[:-3] if key.endswith(".py") else key
    return singular(re.sub(r"_?impls?$", "", key) or key)


class DuplicateSibling(Rule):
    """STI003: sibling packages or modules whose names collide after normalisation."""

    doc = RuleDoc(
        code="STI003",
        name="duplicate-sibling-package",
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

    def _units(self, directory: str) -> List[str]:
        """Modules and packages (directories holding Python files) in ``directory``."""
        fs = self.ctx.fs
        units = []
        for name in fs.listdir(directory):
            if name.startswith((".", "_")):
                continue
            if name.endswith(".py"):
                units.append(name)
            elif fs.is_dir(os.path.join(directory, name)) and any(
                    n.endswith(".py") for n in fs.listdir(os.path.join(directory, name))):
                units.append(name)
        return sorted(units)

    def _groups(self, parent: str) -> Dict[str, List[str]]:
        """Units of a directory by normalised name (computed once per directory and run)."""
        groups: Dict[str, List[str]] = {}
        for unit in self._units(parent):
            groups.setdefault(sibling_key(unit), []).append(unit)
        return groups

    def begin(self) -> None:
        loc = self.ctx.location
        directory = cast(str, loc.directory)  # applies(): a file below a root
        mine: List[Tuple[str, str]] = []   # (unit name, the directory it sits in)
        if not loc.is_init and not loc.parts[-1].startswith("_"):
            mine.append((loc.parts[-1], directory))
        if len(loc.parts) > 1:
            listing = self.ctx.fs.listdir(directory)
            first: Optional[str] = self.ctx.fs.memo(("first module", directory), lambda: min(
                (n for n in listing if n.endswith(".py")), default=None))
            if loc.is_init or ("__init__.py" not in listing and loc.parts[-1] == first):
                mine.append((os.path.basename(directory), os.path.dirname(directory)))
        for unit, parent in mine:
            key = sibling_key(unit)
            groups = self.ctx.fs.memo(("STI003", parent), lambda: self._groups(parent))
            for other in groups.get(key, ()):
                if other != unit:
                    base = os.path.dirname(cast(str, loc.root))

                    def show(n: str) -> str:
                        return os.path.relpath(os.path.join(parent, n), base).replace(os.sep, "/")

                    self.report(1, 0, unit=show(unit), other=show(other), key=key)
