"""STI — structural truth: what the package layout and the layers claim versus what the code is."""

from __future__ import annotations

import ast
import os
import re
from typing import Dict, List, Optional, Tuple

from ..facts.summary import Summary
from ..core.context import FileContext
from ..project.view import view_of
from .base import Rule
from ..facts.sessions import SessionFacts

JOB_WORDS = frozenset({"jobs", "job", "tasks", "task"})
JOB_DOC_RE = re.compile(r"\b(jobs?|tasks?)\b", re.IGNORECASE)


class DbWriteInApi(Rule):
    """STI001: DB writes in L2 modules."""

    codes = ("STI001",)
    needs = (SessionFacts,)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return ctx.location.layer == 2

    def visit_Call(self, node: ast.Call) -> None:
        if self.ctx.scope.type_checking or not isinstance(node.func, ast.Attribute):
            return
        facts: SessionFacts = self.ctx.collector(SessionFacts)
        write = facts.write(node)
        if write is None:
            return
        session = facts.session(node.func.value)
        if session is None:
            return
        loc = self.ctx.location
        self.report("STI001", node, call=write, module=loc.module, origin=loc.layer_origin,
                        receiver=session.evidence)


class _InitFile(Rule):
    """Shared by the rules that judge a package by its ``__init__.py`` and its directory."""

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
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

    def end(self) -> None:
        if not self.submodules or self.exports:
            return
        hidden = self.submodules
        view = view_of(self.ctx)
        if view is not None:  # a submodule some module imports is reachable, if deeply
            hidden = [m for m in hidden if not view.importers_of(f"{self.package}.{m}")]
        if hidden:
            shown = ", ".join(f"{m}.py" for m in hidden[:5])
            if len(hidden) > 5:
                shown += f", … {len(hidden) - 5} more"
            self.report("STI004", 1, 0, package=self.package, submodules=shown)


class PlaceholderPackage(_InitFile):
    """STI005: an empty package, or a module that claims jobs/tasks and defines none."""

    codes = ("STI005",)

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
                self.report("STI005", 1, 0, what=what)
                return
        if self.defines:
            return
        claim = self._claim()
        if claim:
            kind = "package" if loc.is_init else "module"
            what = f"{kind} {loc.module} says it holds jobs/tasks ({claim}) but defines none"
            self.report("STI005", 1, 0, what=what)


class MissingInit(Rule):
    """STI006: a module in an implicit namespace package below a package root."""

    codes = ("STI006",)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
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
                self.report("STI006", 1, 0, directory=shown, module=loc.module,
                                root=root_name)
                return


def sibling_key(name: str) -> str:
    """``planners`` -> ``planner``, ``policies.py`` -> ``policy``, ``store_impls`` -> ``store``."""
    key = name.lower()
    key = key[:-3] if key.endswith(".py") else key
    key = re.sub(r"_?impls?$", "", key) or key
    if key.endswith("ies") and len(key) > 4:
        return key[:-3] + "y"
    if key.endswith(("sses", "xes", "ches", "shes")):
        return key[:-2]
    if key.endswith("s") and not key.endswith("ss") and len(key) > 3:
        return key[:-1]
    return key


class DuplicateSibling(Rule):
    """STI003: sibling packages or modules whose names collide after normalisation."""

    codes = ("STI003",)

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
        directory = loc.directory
        mine: List[Tuple[str, str]] = []   # (unit name, the directory it sits in)
        if not loc.is_init and not loc.parts[-1].startswith("_"):
            mine.append((loc.parts[-1], directory))
        if len(loc.parts) > 1:
            listing = self.ctx.fs.listdir(directory)
            first = self.ctx.fs.memo(("first module", directory), lambda: min(
                (n for n in listing if n.endswith(".py")), default=None))
            if loc.is_init or ("__init__.py" not in listing and loc.parts[-1] == first):
                mine.append((os.path.basename(directory), os.path.dirname(directory)))
        for unit, parent in mine:
            key = sibling_key(unit)
            groups = self.ctx.fs.memo(("STI003", parent), lambda: self._groups(parent))
            for other in groups.get(key, ()):
                if other != unit:
                    base = os.path.dirname(loc.root)
                    show = lambda n: os.path.relpath(os.path.join(parent, n), base).replace(  # noqa: E731
                        os.sep, "/")
                    self.report("STI003", 1, 0, unit=show(unit), other=show(other), key=key)
