"""STI004: a package whose ``__init__.py`` exports none of its public submodules."""

from __future__ import annotations

import ast
from typing import List, Optional, Tuple

from ...core.context import FileContext
from ...facts.summary import Summary
from ...project.view import view_of
from ..base import ParkingRule, RuleDoc
from ._init_file import _InitFile


class HiddenModule(_InitFile, ParkingRule):
    """STI004: a package that exports none of its public submodules."""

    doc = RuleDoc(
        code="STI004",
        name="hidden-module",
        severity="governance",
        identity=("package", "submodules"),
        message="package {package} exports none of its public submodules and no module imports "
                "{submodules} — re-export its API in __init__.py (or declare __all__), or delete "
                "dead modules",
        summary="Flags a package whose `__init__.py` exports none of its public submodules (no "
                "`__all__`, no import from a submodule, no lazy loader naming one) while some of "
                "them are imported by no module of the project either: code that is unreachable "
                "or dead. Reported at line 1 of the `__init__.py`, naming those submodules.",
        rationale="The seed found `observability/cost_tracker.py` and the four files of "
                  "`tasks/` reachable only by deep import: code that is either dead or wired "
                  "in by a path nobody can see from the package.",
        seed="STI-004, tasks/ \"silent module\"",
        bad="""# app/tasks/__init__.py
\"\"\"Background tasks.\"\"\"
# (tasks/recovery_queue.py and tasks/memory_update.py exist beside it)
""",
        good="""# app/tasks/__init__.py
\"\"\"Background tasks.\"\"\"
from .memory_update import update_memory
from .recovery_queue import enqueue_recovery

__all__ = ["enqueue_recovery", "update_memory"]
""",
        limits=(
            "The package root itself and test packages are never flagged.",
            "A submodule counts as reachable when any module imports it (tests/, scripts/ and "
            "other directories of the project beside the package included), when a string "
            "names it (`\"app.tasks.cleanup\"`, `\"python:app.gunicorn_conf\"`), when it is a "
            "script, a serverless handler, an app module (FastAPI, Flask, Celery …) or declares "
            "its API (`__all__`, a star re-export), and when its package loads modules by "
            "name (`importlib.import_module(name)`, `pkgutil.iter_modules`). While any module "
            "of the project does not parse, nothing is claimed. A name split across "
            "implicitly joined literals (`\"app.\" \"tasks.cleanup\"`) is not read as one.",
            "Modules used only by code outside the project directory (library users, a "
            "sibling repository) cannot be seen and are reported.",
            "A submodule that any module imports (even by deep import, even inside a function) "
            "counts as reachable: packages used through deep imports by convention are not "
            "flagged.",
            "Opt-in (`--select STI004`): on six real backends 84–86% of its findings were "
            "true (docs/precision.md; a second reader found 81%), under the 90% a default "
            "rule needs. The false ones are modules whose users the checked tree does not "
            "hold: a public API for library users, a file a guard test or an export script "
            "outside the package reads.",
        ),
        opt_in=True,
    )
    needs = (Summary,)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return super().applies(ctx) and len(ctx.location.parts) > 1

    def begin(self) -> None:
        self.exports = False
        self.submodules = self.public_modules()
        self.package = self.ctx.location.module or ""

    def _names_submodule(self, name: Optional[str]) -> bool:
        if not name:
            return False
        prefix = self.package + "."
        return name.lstrip(".") in self.submodules or (
            name.startswith(prefix) and name[len(prefix):].split(".")[0] in self.submodules)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or self._names_submodule(node.module) or node.module == self.package:
            self.exports = True

    def visit_Import(self, node: ast.Import) -> None:
        if any(self._names_submodule(a.name) for a in node.names):
            self.exports = True

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "__all__" and isinstance(node.ctx, ast.Store):
            self.exports = True

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name == "__getattr__" and self.ctx.scope.function is None:
            self.exports = True  # PEP 562 lazy exports

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and self._names_submodule(node.value):
            self.exports = True  # lazy loaders: import_module(".pool", __name__)

    def park(self) -> Optional[Tuple[str, List[str]]]:
        """The package and its public submodules, when nothing in the file exports them."""
        if not self.submodules or self.exports:
            return None
        return self.package, self.submodules

    def judge(self, state: Tuple[str, List[str]]) -> None:
        package, submodules = state
        view = view_of(self.ctx)
        if view is None or view.index.unread():
            return  # who imports what is not known: no claim that nothing does
        hidden = [m for m in submodules if not view.reachable(f"{package}.{m}")]
        if hidden and view.discovered(package):
            return  # the package loads modules by name or by listing them
        if hidden:
            outside = view.index.outside_imports()
            hidden = [m for m in hidden if f"{package}.{m}" not in outside]
        if hidden:
            shown = ", ".join(f"{m}.py" for m in hidden[:5])
            if len(hidden) > 5:
                shown += f", … {len(hidden) - 5} more"
            self.report(1, 0, package=package, submodules=shown)
