"""What one module tells the rest of the project: the per-module record of the project index.

The :class:`Summary` collector runs in the same walk as the rules (for the file being checked)
and on every other module when the index is built, so both see one definition of "what a
module imports, defines and does". A summary is plain JSON data, so it can be cached.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from ..core.config import Config
from ..core.context import Collector, FileContext
from ..core.files import FileSystem
from ..core.location import Location
from ..core.names import dotted, last_name, resolve_relative
from ..core.walker import Visitor, Walker, is_main_guard
from .catalogue import (APP_FACTORIES, DATA_BASES, DATA_DECORATORS, DATA_SUFFIXES, FILE,
                        is_thread_start, reads_own_data, side_effect)
from .sessions import SessionFacts

# kinds of import edge
MODULE_LEVEL, FUNCTION_LEVEL, TYPE_ONLY = "m", "f", "t"


def empty_summary(module: str) -> Dict[str, Any]:
    return {"module": module, "imports": [], "functions": {}, "models": [], "classes": {}}


class Summary(Collector):
    """Collects a module's summary while the walker goes by."""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.data = empty_summary(ctx.location.module or "")
        if ctx.location.migration:
            self.data["migration"] = True
        self.app = False  # builds an ASGI/WSGI app at import: the server imports it
        self.own_data: Dict[ast.AST, bool] = {}
        module = ctx.location.module
        self.root_prefix = module.split(".")[0] + "." if module else ""
        self.keys: Dict[ast.AST, str] = {}   # function node -> its key ("f", "Cls.m")

    # --- imports ----------------------------------------------------------------------------

    def _kind(self) -> str:
        scope = self.ctx.scope
        if scope.type_checking:
            return TYPE_ONLY
        return MODULE_LEVEL if scope.import_time else FUNCTION_LEVEL  # a main guard never runs on import

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.data["imports"].append([alias.name, [], node.lineno, node.col_offset, self._kind()])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if any(a.name == "*" for a in node.names) and self.ctx.scope.function is None:
            self.data["public"] = True  # a star re-export: an API for whoever imports it
        loc = self.ctx.location
        base = (resolve_relative(loc.module, loc.is_init, node.level, node.module) if node.level
                else node.module or "")
        names = [a.name for a in node.names if a.name != "*"]
        self.data["imports"].append([base, names, node.lineno, node.col_offset, self._kind()])

    # --- definitions ------------------------------------------------------------------------

    def visit_FunctionDef(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> None:
        scope = self.ctx.scope
        name = node.name
        if (scope.function is None and scope.cls is None and ("handler" in name or name == "main")
                and [a.arg for a in node.args.args[:2]] == ["event", "context"]):
            self.data["handler"] = True  # def handler(event, context): a serverless entry
        if scope.function is None:
            key = f"{scope.cls.name}.{name}" if scope.cls is not None else name
        else:
            key = f"{self.keys.get(scope.function, '?')}.<locals>.{name}"
        self.keys[node] = key
        self.data["functions"][key] = {"effects": [], "calls": [], "yields": None}

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        scope = self.ctx.scope
        if scope.function is not None or scope.cls is not None:
            return
        bases = [dotted(b) or "" for b in node.bases]
        table = None
        abstract = False
        if any(k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value is True
               for k in node.keywords):
            table = node.name.lower()  # SQLModel's default table name
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                    isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Constant):
                target, value = stmt.targets[0].id, stmt.value.value
                if target == "__tablename__" and isinstance(value, str):
                    table = value
                elif target == "__abstract__" and value is True:
                    abstract = True
        key = None if table or _data_shape(node, bases) else role_key(node.name)
        self.data["classes"][node.name] = [node.lineno, bases, abstract, key]
        if table and not abstract:
            registry = self._registry(node.bases[0]) if node.bases else ""
            self.data["models"].append([node.name, table, node.lineno, node.col_offset, registry])

    def _registry(self, expr: ast.AST) -> str:
        """Which declarative base or metadata a model joins, qualified: two models of one
        table under different bases live in different databases (one backend or another)."""
        name = dotted(expr)
        if name is None:
            return ""
        if name.endswith(".metadata"):  # Table("t", Base.metadata) joins Base's models
            name = name[: -len(".metadata")]
            expr = expr.value  # type: ignore[attr-defined]
        if name.partition(".")[0] in self.ctx.imports.aliases:
            return self.ctx.qualify(expr) or name
        return f"{self.ctx.location.module}.{name}"

    def visit_Constant(self, node: ast.Constant) -> None:
        """A string naming a project module (``"app.tasks.cleanup"``, ``"app.worker:main"``,
        ``"python:app.gunicorn_conf"``): loaded by name — settings, plugin lists, task
        autodiscovery, server configs — so the module is reachable."""
        value = node.value
        if type(value) is str and self.root_prefix and self.root_prefix in value and len(value) < 200:
            match = MODULE_STRING_RE.match(value)
            if match and match.group(1).startswith(self.root_prefix):
                self.data.setdefault("names", []).append(match.group(1))

    def visit_Assign(self, node: ast.Assign) -> None:
        """``items = Table("items", metadata, ...)`` is a model too."""
        if self.ctx.scope.function is None:
            names = {t.id for t in node.targets if isinstance(t, ast.Name)}
            if "__all__" in names:
                self.data["public"] = True  # declares its API
            if names & {"app", "application"} and self.ctx.scope.import_time:
                self.app = True  # ``app = get_application()``: what the server imports
        value = node.value
        if (self.ctx.scope.import_time and isinstance(value, ast.Call)
                and (self.ctx.qualify(value.func) or "").startswith(("sqlalchemy.", "sqlmodel."))
                and last_name(value.func) == "Table" and value.args
                and isinstance(value.args[0], ast.Constant) and isinstance(value.args[0].value, str)
                and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            registry = self._registry(value.args[1]) if len(value.args) > 1 else ""
            self.data["models"].append([node.targets[0].id, value.args[0].value, node.lineno,
                                        node.col_offset, registry])

    # --- behaviour --------------------------------------------------------------------------

    def _function(self) -> Optional[Dict[str, Any]]:
        func = self.ctx.scope.function
        key = self.keys.get(func) if func is not None else None
        return self.data["functions"].get(key) if key else None

    def _import_call(self, func: ast.AST) -> None:
        """A project function called at import time, named as TBV001 follows it: one
        effect reached from many modules is one root cause."""
        called = project_call(self.ctx, func)
        local = isinstance(func, ast.Name) and func.id not in self.ctx.imports.aliases
        if called is None or (local and func.id not in self.data["functions"]):  # type: ignore
            return  # not a project function, or a local name that is none (``print()``)
        self.data.setdefault("import_calls", []).append(called)

    def _own_data(self, function: Optional[ast.AST]) -> bool:
        if function is None:
            return False
        if function not in self.own_data:
            self.own_data[function] = reads_own_data(function)
        return self.own_data[function]

    def visit_If(self, node: ast.If) -> None:
        scope = self.ctx.scope
        if scope.function is None and scope.cls is None and is_main_guard(node.test):
            self.data["script"] = True  # runs as a program too (see end: not if it is the app)

    def visit_Call(self, node: ast.Call) -> None:
        record = self._function()
        name = last_name(node.func)
        if name in DISCOVERY and not (node.args and isinstance(node.args[0], ast.Constant)):
            self.data["discovers"] = True  # loads modules it finds or is told by name
        if record is None:
            if self.ctx.scope.import_time:
                if name in APP_FACTORIES:
                    self.app = True
                self._import_call(node.func)
            return
        if self.ctx.scope.dev_only:
            return  # development only: neither its effects nor its calls are the app's
        ctx = self.ctx
        qual = ctx.qualify(node.func)
        effect = side_effect(node, qual, ctx.config.side_effect_calls)
        if effect is None and is_thread_start(node, ctx.qualify):
            effect = "starts a thread or process"
        if effect == FILE and self._own_data(ctx.scope.function):
            effect = None  # the package's own data
        if effect:
            text = dotted(node.func) or last_name(node.func) or "call"
            record["effects"].append([effect, node.lineno, f"{text}()"])
            return
        func = node.func
        if qual:
            record["calls"].append([qual, node.lineno])
        elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
              and func.value.id in ("self", "cls") and ctx.scope.function in self.keys):
            owner = self.keys[ctx.scope.function].split(".")[0]
            record["calls"].append([f"{owner}.{func.attr}", node.lineno])

    def end(self) -> None:
        if self.app:
            self.data.pop("script", None)
            self.data["app"] = True
        if "names" in self.data:
            self.data["names"] = sorted(set(self.data["names"]))
        if self.ctx.has_collector(SessionFacts):
            for name, kind in self.ctx.collector(SessionFacts).providers.items():
                if name in self.data["functions"]:
                    self.data["functions"][name]["yields"] = kind or "unknown"
        # keep only calls that can name a project function: qualified into the project, or a
        # bare name defined in this module
        root = (self.ctx.location.module or "").split(".")[0]
        local = self.data["functions"]
        for record in local.values():
            record["calls"] = [c for c in record["calls"]
                               if c[0].split(".")[0] == root or c[0] in local
                               or c[0].split(".")[0] in self.data["classes"]]
        # a function that does nothing the index follows needs no record (smaller cache)
        self.data["functions"] = {k: r for k, r in local.items()
                                  if r["effects"] or r["calls"] or r["yields"]}


MODULE_STRING_RE = re.compile(r"^(?:python:)?([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?::[\w.]+)?$")
DISCOVERY = frozenset({"import_module", "__import__", "walk_packages", "iter_modules",
                       "autodiscover_tasks", "load_module", "spec_from_file_location"})

CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|\d+")
STEM_SUFFIXES = ("ancy", "ency", "ance", "ence", "ant", "ent", "ing", "ies", "es", "s", "y")
DOUBLE_PREFIXES = ("Fake", "Mock", "Stub", "Dummy", "Test")


def _stem(word: str) -> str:
    word = word.lower()
    for suffix in STEM_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def project_call(ctx: FileContext, func: ast.AST) -> Optional[str]:
    """The project function a call names, qualified (``app.planners.get_planner``; a function
    of this module as ``app.main.setup``), or None for anything else. One answer for the
    summary and for TBV001, so both name a root cause alike."""
    module = ctx.location.module
    if not module:
        return None
    aliases = ctx.imports.aliases
    if isinstance(func, ast.Name) and func.id not in aliases:
        return f"{module}.{func.id}"
    head = dotted(func)
    if head is None:
        return None
    if aliases.get(head.split(".")[0], "").split(".")[0] == module.split(".")[0]:
        return ctx.qualify(func) or head
    return None


def _data_shape(node: ast.ClassDef, bases: List[str]) -> bool:
    """A class that describes data (see ``DATA_BASES``): it has no role to duplicate."""
    if node.name.endswith(DATA_SUFFIXES) or any(
            b.split(".")[-1].split("[")[0] in DATA_BASES for b in bases):
        return True
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if last_name(target) in DATA_DECORATORS:
            return True
    return any(isinstance(b, ast.Subscript) and last_name(b.value) in DATA_BASES for b in node.bases)


def role_key(name: str) -> Optional[str]:
    """A class's role and stemmed name: ``TenancyMiddleware`` and ``TenantMiddleware`` ->
    ``tenan|middleware``; None for one-word names and test doubles."""
    words: List[str] = CAMEL_RE.findall(name)
    if len(words) < 2 or name.startswith(DOUBLE_PREFIXES):
        return None
    return "".join(_stem(w) for w in words[:-1]) + "|" + words[-1].lower()


def imported_modules(summary: Dict[str, Any], exists: Callable[[str], bool]) -> List[List[Any]]:
    """Resolve a summary's imports to module names: ``from app.a import b`` is ``app.a.b`` when
    that is a module, else ``app.a``. Returns ``[module, line, col, kind, shown]`` rows."""
    rows = []
    for base, names, line, col, kind in summary["imports"]:
        if not names:
            rows.append([base, line, col, kind, base])
            continue
        for name in names:
            candidate = f"{base}.{name}" if base else name
            target = candidate if exists(candidate) else base
            rows.append([target, line, col, kind, candidate])
    return rows


def summarize(tree: ast.AST, lines: Sequence[str], location: Location, config: Config,
              fs: FileSystem, providers: bool = True) -> Dict[str, Any]:
    """The summary of one parsed module, by the same collectors the rules' walk runs.
    ``providers=False`` skips the session facts, which only matter to a module that yields."""
    ctx = FileContext(location.path or "", lines, location, config, fs)
    collectors: List[Visitor] = [ctx.imports]
    if providers:
        facts = SessionFacts(ctx)
        ctx.add_collector(facts)
        collectors.append(facts)
    summary = Summary(ctx)
    Walker(collectors + [summary], ctx).run(tree)
    return summary.data
