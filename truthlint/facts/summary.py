"""What one module tells the rest of the project: the per-module record of the project index.

The :class:`Summary` collector runs in the same walk as the rules (for the file being checked)
and on every other module when the index is built, so both see one definition of "what a
module imports, defines and does". A summary is plain JSON data, so it can be cached.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from ..core.config import Config
from ..core.context import Collector, FileContext
from ..core.files import FileSystem
from ..core.location import Location
from ..core.names import dotted, last_name, resolve_relative
from ..core.walker import Visitor, Walker, is_main_guard
from .blocking import BLOCKING_CALLS, SESSION_IO, blocking_library_call, session_io
from .catalogue import (APP_FACTORIES, BY_NAME, DATA_BASES, DATA_DECORATORS, DATA_SUFFIXES,
                        EXECUTORS, FILE, RESOURCE_CALLS, SIDE_EFFECTS, THREAD, THREAD_TYPES, is_thread_start,
                        reads_own_data, side_effect)
from .methods import parameters
from .sessions import Session, SessionFacts, is_ref

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
        if not self.root_prefix or not _string_start(self.root_prefix, ctx.text):
            # no string literal starts with a project module's name: no Constant to look at
            # (a name split by implicit concatenation, ``"app." "tasks"``, is not seen)
            self.skipped = frozenset({"visit_Constant"})
        self.keys: Dict[ast.AST, str] = {}   # function node -> its key ("f", "Cls.m")
        # receivers of a known project class: (function, name) or (class, "self.attr") ->
        # the class, qualified; so ``repo.list()`` names ``app.repos.ItemRepo.list``
        self.types: Dict[Tuple[Any, str], str] = {}
        self.starters: Dict[Tuple[Any, str], str] = {}  # threads, schedulers, executors bound
        self.callees: Dict[int, str] = {}    # id(call) -> the project function it calls
        self.records: Dict[ast.AST, Dict[str, Any]] = {}  # function node -> its record
        # the session facts of this walk (they run before the summary; see facts.order)
        self.sessions: Optional[SessionFacts] = None

    def begin(self) -> None:
        if self.ctx.has_collector(SessionFacts):
            self.sessions = self.ctx.collector(SessionFacts)

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
        record: Dict[str, Any] = {"effects": [], "calls": [], "yields": None}
        if isinstance(node, ast.AsyncFunctionDef):
            record["async"] = True  # calling it blocks nothing: awaiting runs it on the loop
        elif node.decorator_list and any(last_name(d) not in TRANSPARENT for d in node.decorator_list):
            record["opaque"] = True  # a decorator may run it elsewhere (a thread, a task, a cache)
        self.data["functions"][key] = record
        self.records[node] = record
        self._typed_parameters(node)

    def _typed_parameters(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> None:
        """``service: ItemService`` or ``= Depends(ItemService)``: an instance of a project class."""
        for arg, default in parameters(node):
            cls = self._project_class(arg.annotation)
            if cls is None and isinstance(default, ast.Call) and last_name(default.func) == "Depends":
                cls = self._project_class(default.args[0]) if default.args else None
            if cls is not None:
                self.types[(node, arg.arg)] = cls

    def _project_class(self, expr: Optional[ast.AST]) -> Optional[str]:
        """The qualified project class an expression names (an annotation, a call's func)."""
        if expr is None:
            return None
        if isinstance(expr, ast.Subscript) and last_name(expr.value) == "Annotated":
            inner = expr.slice
            expr = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
        if isinstance(expr, ast.Name) and expr.id in self.data["classes"] \
                and expr.id not in self.ctx.imports.aliases:
            return f"{self.ctx.location.module}.{expr.id}"
        name = dotted(expr)
        if name is None or name.split(".")[0] not in self.ctx.imports.aliases:
            return None
        qual = self.ctx.qualify(expr) or ""
        last = qual.split(".")[-1]
        return qual if qual.startswith(self.root_prefix) and last[:1].isupper() else None

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

    def _receiver_key(self, target: ast.AST) -> Optional[Tuple[Any, str]]:
        """Where a binding lives: a name in its function, ``self.x`` in its class."""
        function = self.ctx.scope.function
        if isinstance(target, ast.Name):
            return (function, target.id)
        if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                and target.value.id == "self" and function in self.keys):
            return (self.keys[function].split(".")[0], f"self.{target.attr}")
        return None

    def visit_Assign(self, node: ast.Assign) -> None:
        """``items = Table("items", metadata, ...)`` is a model too."""
        value = node.value
        if len(node.targets) == 1 and isinstance(value, ast.Call):
            key = self._receiver_key(node.targets[0])
            if key is not None:
                cls = self._project_class(value.func)
                if cls is not None:
                    self.types[key] = cls
                qual = self.ctx.qualify(value.func) or ""
                if qual in THREAD_TYPES or qual in EXECUTORS or qual.startswith(SCHEDULERS):
                    self.starters[key] = qual
        elif len(node.targets) == 1 and isinstance(value, ast.Name):
            key = self._receiver_key(node.targets[0])
            known = self.types.get((self.ctx.scope.function, value.id))
            if key is not None and known is not None:
                self.types[key] = known  # ``self.repo = repo``
        if self.ctx.scope.function is None:
            names = {t.id for t in node.targets if isinstance(t, ast.Name)}
            if "__all__" in names:
                self.data["public"] = True  # declares its API
            if names & {"app", "application"} and self.ctx.scope.import_time:
                self.app = True  # ``app = get_application()``: what the server imports
        if (self.ctx.scope.import_time and isinstance(value, ast.Call)
                and (self.ctx.qualify(value.func) or "").startswith(("sqlalchemy.", "sqlmodel."))
                and last_name(value.func) == "Table" and value.args
                and isinstance(value.args[0], ast.Constant) and isinstance(value.args[0].value, str)
                and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            registry = self._registry(value.args[1]) if len(value.args) > 1 else ""
            self.data["models"].append([node.targets[0].id, value.args[0].value, node.lineno,
                                        node.col_offset, registry])

    # --- behaviour --------------------------------------------------------------------------

    def _import_call(self, func: ast.AST) -> None:
        """A project function called at import time, named as TBV001 follows it: one
        effect reached from many modules is one root cause."""
        called = project_call(self.ctx, func)
        local = isinstance(func, ast.Name) and func.id not in self.ctx.imports.aliases
        name = getattr(func, "id", "")
        if called is None or (local and name not in self.data["functions"]
                              and name not in self.data["classes"]):
            return  # not a project function or class, or a local name that is none (``print()``)
        self.data.setdefault("import_calls", []).append(called)

    def _own_data(self, function: Optional[ast.AST]) -> bool:
        if function is None:
            return False
        if function not in self.own_data:
            # the function's text first: without ``__file__`` or a resource call's name in
            # it, no walk of its tree can find one
            first = min([getattr(function, "lineno", 1)] + [d.lineno for d in getattr(
                function, "decorator_list", ())])  # (its decorators are walked too)
            text = "".join(self.ctx.lines[first - 1:getattr(function, "end_lineno", None)])
            self.own_data[function] = ("__file__" in text or any(
                name in text for name in RESOURCE_CALLS)) and reads_own_data(function)
        return self.own_data[function]

    def visit_If(self, node: ast.If) -> None:
        scope = self.ctx.scope
        if scope.function is None and scope.cls is None and is_main_guard(node.test):
            self.data["script"] = True  # runs as a program too (see end: not if it is the app)

    def visit_Call(self, node: ast.Call) -> None:
        # (this runs on every call of every file: each test below is inlined from the helper
        # it guards, so a call that none of them can concern costs no further function call)
        ctx = self.ctx
        scope = ctx.scope
        function = scope.function
        record = self.records.get(function) if function is not None else None
        func: Any = node.func
        attribute = type(func) is ast.Attribute
        name = func.attr if attribute else func.id if type(func) is ast.Name else None
        if name in DISCOVERY and not (node.args and isinstance(node.args[0], ast.Constant)):
            self.data["discovers"] = True  # loads modules it finds or is told by name
        if record is None:
            if scope.import_time:
                if name in APP_FACTORIES:
                    self.app = True
                self._import_call(func)
            return
        if scope.dev_only:
            return  # development only: neither its effects nor its calls are the app's
        qual = ctx.imports.qualify(func)
        guarded = scope.error_path or scope.on_state  # not what every call does
        if not guarded and "async" not in record and (
                qual in BLOCKING_CALLS or (attribute and name in SESSION_IO)):
            self._blocks(node, qual, record)
        extra = ctx.config.side_effect_calls
        effect = side_effect(node, qual, extra) if (
            qual in SIDE_EFFECTS or name in BY_NAME or name == "create_all" or extra) else None
        if effect is None and attribute and name in STARTS and (
                is_thread_start(node, ctx.qualify) or self._starts(node)):
            effect = THREAD
        if effect == FILE and self._own_data(function):
            effect = None  # the package's own data
        if effect:
            text = dotted(func) or name or "call"
            record["effects"].append([effect, node.lineno, f"{text}()"])
            return
        callee = self._callee(func, qual) if attribute else qual or None
        if callee is not None:  # a third element marks a guarded call (``except``, ``if self.x:``)
            record["calls"].append([callee, node.lineno, 1] if guarded else [callee, node.lineno])
            self.callees[id(node)] = callee

    def _callee(self, func: ast.AST, qual: Optional[str]) -> Optional[str]:
        """What a call names, as the summary records it: qualified, or ``Cls.method`` for
        a method of this module's classes."""
        if isinstance(func, ast.Attribute):
            key = self._receiver_key(func.value) if self.types else None
            cls = self.types.get(key) if key is not None else None
            if cls is None and isinstance(func.value, ast.Call):  # ``Service(s).list_for()``
                cls = self._project_class(func.value.func)
            if cls is not None:
                local = f"{self.ctx.location.module}."
                return f"{cls[len(local):] if cls.startswith(local) else cls}.{func.attr}"
            if (isinstance(func.value, ast.Name) and func.value.id in ("self", "cls")
                    and self.ctx.scope.function in self.keys):
                return f"{self.keys[self.ctx.scope.function].split('.')[0]}.{func.attr}"
        return qual or None

    def _starts(self, node: ast.Call) -> bool:
        """``self._thread.start()``, ``scheduler.start()``, ``pool.submit(...)`` on a thread,
        scheduler or executor this function or its class built."""
        func = node.func
        if not self.starters or type(func) is not ast.Attribute or func.attr not in STARTS:
            return False
        key = self._receiver_key(func.value)
        kind = self.starters.get(key, "") if key is not None else ""
        return bool(kind) and ((func.attr == "start") != (kind in EXECUTORS))

    def _blocks(self, node: ast.Call, qual: Optional[str], record: Dict[str, Any]) -> None:
        """What in a sync function blocks its caller: ``[text, line, kind]``, kind "" for a
        library call, "sync" or a reference for I/O on a DB session (resolved by the index)."""
        blocks = record.setdefault("blocks", [])
        if len(blocks) >= MAX_BLOCKS:
            return
        found = blocking_library_call(qual) if qual else None
        if found is not None:
            blocks.append([found[0].strip("`"), node.lineno, ""])
            return
        receiver = session_io(node)
        if receiver is None or self.sessions is None:
            return
        session = self.sessions.raw(receiver)
        if isinstance(session, Session) and (session.kind == "sync" or is_ref(session.kind)):
            blocks.append([f"{dotted(node.func) or 'session'}()", node.lineno, session.kind])

    def end(self) -> None:
        if self.app:
            self.data.pop("script", None)
            self.data["app"] = True
        if "names" in self.data:
            self.data["names"] = sorted(set(self.data["names"]))
        if self.sessions is not None:
            for name, kind in self.sessions.providers.items():
                if name in self.data["functions"]:
                    self.data["functions"][name]["yields"] = kind or "unknown"
            exports = self.sessions.exports()
            if exports:
                self.data["sessions"] = exports
        # keep only calls that can name a project function: qualified into the project, or a
        # bare name defined in this module
        root = (self.ctx.location.module or "").split(".")[0]
        local = self.data["functions"]
        for record in local.values():
            record["calls"] = [c for c in record["calls"]
                               if c[0].split(".")[0] == root or c[0] in local
                               or c[0].split(".")[0] in self.data["classes"]]
            if not record.get("blocks", True):
                del record["blocks"]
        # a function that does nothing the index follows needs no record (smaller cache)
        self.data["functions"] = {k: r for k, r in local.items()
                                  if r["effects"] or r["calls"] or r["yields"] or r.get("blocks")}


MAX_BLOCKS = 3  # blocking calls kept per function: the first that resolves is the evidence
# decorators that leave a function running where it is called
TRANSPARENT = frozenset({"staticmethod", "classmethod", "property", "wraps", "overload",
                         "override", "abstractmethod", "cached_property"})
SCHEDULERS = ("apscheduler.schedulers.",)
STARTS = frozenset({"start", "submit", "map"})

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


def _string_start(prefix: str, text: str) -> bool:
    """Some string literal starts with ``prefix`` (after an optional ``python:``): four
    substring scans, a quarter of what the regex ``['"](?:python:)?prefix`` cost."""
    return any(quote + start + prefix in text for quote in "'\"" for start in ("", "python:"))


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
    if len(name) > 200:
        return None  # no real class is named so; CAMEL_RE would be quadratic on the length
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
              fs: FileSystem) -> Dict[str, Any]:
    """The summary of one parsed module, by the same collectors the rules' walk runs."""
    ctx = FileContext(location.path or "", lines, location, config, fs)
    facts = SessionFacts(ctx)
    ctx.add_collector(facts)
    collectors: List[Visitor] = [ctx.imports, facts]
    summary = Summary(ctx)
    Walker(collectors + [summary], ctx).run(tree)
    return summary.data
