"""STI005: an empty placeholder package, or a module that claims jobs or tasks and defines none."""

from __future__ import annotations

import ast
import re
from typing import Optional

from ...core.context import FileContext
from ..base import RuleDoc
from ._init_file import _InitFile

JOB_WORDS = frozenset({"jobs", "job", "tasks", "task"})
JOB_DOC_RE = re.compile(r"\b(jobs?|tasks?)\b", re.IGNORECASE)


class PlaceholderPackage(_InitFile):
    """STI005: an empty package, or a module that claims jobs/tasks and defines none."""

    doc = RuleDoc(
        code="STI005",
        name="placeholder-package",
        severity="governance",
        message="{what} — populate it or delete it",
        identity=("what",),
        summary="Flags a placeholder: a package whose `__init__.py` holds nothing but a "
                "docstring or comments and whose directory holds nothing else (no modules, "
                "subpackages or data files), or a module that "
                "says it holds jobs or tasks (by its package name or docstring) and holds "
                "nothing but a docstring.",
        rationale="The seed's `jobs/` was seven lines exporting nothing and `tasks/` was an "
                  "empty shell; placeholders make the layer map claim capabilities the code "
                  "does not have.",
        seed="STI-005, STI-010",
        bad="""# app/jobs/__init__.py  (no other files in jobs/)
\"\"\"Background aggregation jobs.\"\"\"
""",
        good="""# app/jobs/__init__.py
\"\"\"Background aggregation jobs.\"\"\"
from .daily import aggregate_daily_costs

__all__ = ["aggregate_daily_costs"]
""",
        limits=(
            "Namespace-marker `__init__.py` files of packages with submodules are never "
            "flagged (STI004 covers packages that hide their submodules), nor are resource "
            "packages whose directory holds data files.",
        ),
    )

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        loc = ctx.location
        return loc.root is not None and (
            loc.is_init or bool(set(loc.parts[:-1]) & JOB_WORDS))

    def begin(self) -> None:
        self.defines = False
        self.code = False
        self.docstring: Optional[str] = None

    def visit_Module(self, node: ast.Module) -> None:
        self.docstring = ast.get_docstring(node)
        body = node.body[1:] if self.docstring is not None else node.body
        self.code = any(not isinstance(s, ast.Pass) for s in body)

    def visit_FunctionDef(self, node: ast.AST) -> None:
        self.defines = True

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def _is_empty_directory(self) -> bool:
        """Nothing beside ``__init__.py``: no modules, subpackages or data files."""
        return all(n == "__init__.py" or n.startswith((".", "__pycache__"))
                   for n in self.siblings())

    def _claim(self) -> Optional[str]:
        loc = self.ctx.location
        dirs = [p for p in loc.parts[:-1] if p in JOB_WORDS]
        if dirs:
            return f"its package name '{dirs[-1]}'"
        if self.docstring:
            match = JOB_DOC_RE.search(self.docstring)
            if match:
                return f"its docstring ('{match.group(0)}')"
        return None

    def end(self) -> None:
        loc = self.ctx.location
        if loc.is_init:
            if not self._is_empty_directory():
                return
            if not self.code:
                what = (f"package {loc.module} is a placeholder: its __init__.py holds only a "
                        f"docstring or comments and it has no submodules")
                self.report(1, 0, what=what)
                return
        if self.defines or (self.code and not loc.is_init):
            return  # constants, settings, re-exports: a module with a job of its own
        claim = self._claim()
        if claim:
            kind = "package" if loc.is_init else "module"
            what = f"{kind} {loc.module} says it holds jobs/tasks ({claim}) but defines none"
            self.report(1, 0, what=what)
