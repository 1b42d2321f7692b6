"""STI006: a module in an implicit namespace package (a directory without ``__init__.py``) below a root."""

from __future__ import annotations

import os
from typing import cast

from ...core.context import FileContext
from ..base import Rule, RuleDoc


class MissingInit(Rule):
    """STI006: a module in an implicit namespace package below a package root."""

    doc = RuleDoc(
        code="STI006",
        name="missing-init",
        severity="governance",
        identity=("directory", "module"),
        message="{directory} has no __init__.py, so {module} is in an implicit namespace "
                "package — add {directory}/__init__.py, or list the directory in "
                "namespace-packages",
        evidence="under the package root {root}",
        summary="Flags every `.py` file in a directory below a package root that has no "
                "`__init__.py` (an implicit namespace package), at line 1 of the file.",
        rationale="The seed's `runtime/` and `workers/` had no `__init__.py`: no public API, "
                  "tools that discover packages skip them, and `workers/` silently shadowed "
                  "nothing while colliding in name with `worker/`.",
        seed="STI-006, STI-007",
        bad="""# app/runtime/replay.py   (app/runtime/__init__.py does not exist)
def replay(run_id): ...
""",
        good="""# app/runtime/__init__.py
\"\"\"Runtime helpers: failure catalogue and replay.\"\"\"
from .replay import replay
""",
        options=("roots", "namespace-packages"),
        limits=(
            "Files outside every package root (scripts/, a tests/ directory with no "
            "`__init__.py` above it) are never checked.",
            "Root detection takes the topmost directory with an `__init__.py` below the "
            "project directory (or one named `app`); set `roots` when that guess is wrong.",
        ),
    )

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return ctx.location.root is not None and len(ctx.location.parts) > 1

    def begin(self) -> None:
        loc = self.ctx.location
        fs = self.ctx.fs
        root = cast(str, loc.root)  # applies() requires one
        root_name = os.path.basename(root)
        exempt = self.ctx.config.namespace_packages
        for depth in range(1, len(loc.parts)):
            rel = "/".join(loc.parts[:depth])
            if rel in exempt or f"{root_name}/{rel}" in exempt:
                return
            directory = os.path.join(root, *loc.parts[:depth])
            if not fs.has_init(directory):
                shown = os.path.relpath(directory, os.path.dirname(root)).replace(os.sep, "/")
                self.report(1, 0, directory=shown, module=loc.module, root=root_name)
                return
