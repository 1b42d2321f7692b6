"""STI — structural truth: what the package layout and the layers claim versus what the code is."""

from __future__ import annotations

import ast
import os
import re
from typing import List, Optional

from .base import Rule
from .sessions import SessionFacts

JOB_WORDS = frozenset({"jobs", "job", "tasks", "task"})
JOB_DOC_RE = re.compile(r"\b(jobs?|tasks?)\b", re.IGNORECASE)


class DbWriteInApi(Rule):
    """STI001: DB writes in L2 modules."""

    codes = ("STI001",)
    needs = (SessionFacts,)

    @classmethod
    def applies(cls, ctx) -> bool:  # type: ignore[no-untyped-def]
        return ctx.location.layer == 2

    def visit_Call(self, node: ast.Call) -> None:
        if self.ctx.scope.type_checking or not isinstance(node.func, ast.Attribute):
            return
        facts: SessionFacts = self.ctx.shared["SessionFacts"]
        write = facts.write(node)
        if write is None:
            return
        session = facts.session(node.func.value)
        if session is None:
            return
        loc = self.ctx.location
        self.ctx.report("STI001", node, call=write, module=loc.module, origin=loc.layer_origin,
                        receiver=session.evidence)


class _InitFile(Rule):
    """Shared by the rules that judge a package by its ``__init__.py`` and its directory."""

    @classmethod
    def applies(cls, ctx) -> bool:  # type: ignore[no-untyped-def]
        loc = ctx.location
        return loc.root is not None and loc.is_init

    def siblings(self) -> List[str]:
        return sorted(self.ctx.fs.listdir(self.ctx.location.directory))

    def public_modules(self) -> List[str]:
        return [n[:-3] for n in self.siblings()
                if n.endswith(".py") and not n.startswith("_") and n[:-3].isidentifier()]


class HiddenModule(_InitFile):
    """STI004: a package that exports none of its public submodules."""

    codes = ("STI004",)

    @classmethod
    def applies(cls, ctx) -> bool:  # type: ignore[no-untyped-def]
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

    def end(self) -> None:
        if self.submodules and not self.exports:
            shown = ", ".join(f"{m}.py" for m in self.submodules[:5])
            if len(self.submodules) > 5:
                shown += f", … {len(self.submodules) - 5} more"
            self.ctx.report("STI004", 1, 0, package=self.package, submodules=shown)


class PlaceholderPackage(_InitFile):
    """STI005: an empty package, or a module that claims jobs/tasks and defines none."""

    codes = ("STI005",)

    @classmethod
    def applies(cls, ctx) -> bool:  # type: ignore[no-untyped-def]
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
                self.ctx.report("STI005", 1, 0, what=what)
                return
        if self.defines:
            return
        claim = self._claim()
        if claim:
            kind = "package" if loc.is_init else "module"
            what = f"{kind} {loc.module} says it holds jobs/tasks ({claim}) but defines none"
            self.ctx.report("STI005", 1, 0, what=what)


class MissingInit(Rule):
    """STI006: a module in an implicit namespace package below a package root."""

    codes = ("STI006",)

    @classmethod
    def applies(cls, ctx) -> bool:  # type: ignore[no-untyped-def]
        return ctx.location.root is not None and len(ctx.location.parts) > 1

    def begin(self) -> None:
        loc = self.ctx.location
        fs = self.ctx.fs
        root_name = os.path.basename(loc.root)
        exempt = self.ctx.config.namespace_packages
        for depth in range(1, len(loc.parts)):
            rel = "/".join(loc.parts[:depth])
            if rel in exempt or f"{root_name}/{rel}" in exempt:
                return
            directory = os.path.join(loc.root, *loc.parts[:depth])
            if not fs.has_init(directory):
                shown = os.path.relpath(directory, os.path.dirname(loc.root)).replace(os.sep, "/")
                self.ctx.report("STI006", 1, 0, directory=shown, module=loc.module,
                                root=root_name)
                return
