"""Where each route is served: routers, their prefixes, the mounts between them, and the
tables each function writes, as plain data for the truth map.

A route's full path is only known across modules: ``APIRouter(prefix="/items")`` in one,
``api_router.include_router(items.router, prefix=settings.API_V1_STR)`` in another,
``app.include_router(api_router)`` in ``main.py``. This collector records each module's
part (as text, with names it cannot resolve statically kept as ``{expr}``); the map joins
them through the import graph.
"""

from __future__ import annotations

import ast
from typing import Dict, List, NamedTuple, Optional, Set, Tuple, Union, cast

from ..core.context import Collector, FileContext
from ..core.names import dotted
from .behaviour import ROUTE_METHODS, TASK_DECORATORS
from .sessions import SessionFacts

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]

APP_KINDS = {"FastAPI": "app", "Flask": "app", "Starlette": "app", "Litestar": "app",
             "Quart": "app", "Sanic": "app", "APIRouter": "router", "Blueprint": "router",
             "Router": "router"}
PREFIX_KEYWORDS = ("prefix", "url_prefix", "path")
# mount call -> (position of the child, the keyword holding its prefix, the prefix replaces
# the child's own: Flask's ``register_blueprint(bp, url_prefix=...)`` does, FastAPI's adds)
MOUNT_CALLS = {"include_router": (0, "prefix", False),
               "register_blueprint": (0, "url_prefix", True),
               "mount": (1, "path", False)}
SCHEDULE_DECORATORS = frozenset({"scheduled_job", "periodic_task", "cron"})
WRITE_METHODS = frozenset({"add", "add_all", "merge", "bulk_save_objects", "bulk_insert_mappings"})
STATEMENTS = frozenset({"insert", "update", "delete"})  # sqlalchemy / sqlmodel statements


class Router(NamedTuple):
    kind: str     # "app" or "router"
    prefix: str   # its own prefix, as text ("" without one)
    line: int


class Route(NamedTuple):
    router: str   # the router's name as written where the route is declared (qualified)
    methods: Tuple[str, ...]
    path: str
    handler: str
    line: int
    end: int      # the handler's last line: findings between line and end are what it does


class Mount(NamedTuple):
    parent: str   # qualified name of the including app or router
    child: str    # qualified name of the router or app it includes
    prefix: str
    replaces: bool
    line: int


class Job(NamedTuple):
    name: str
    line: int
    how: str      # the decorator or call that makes it a task or a scheduled job


def text_of(node: Optional[ast.AST], constants: Dict[str, str]) -> str:
    """A path expression as text: string constants as they are, module-level string
    constants resolved, anything else kept as ``{expr}`` (``f"{settings.API}/x"`` ->
    ``{settings.API}/x``)."""
    if node is None:
        return ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.JoinedStr):
        return "".join(text_of(v.value if isinstance(v, ast.FormattedValue) else v, constants)
                       for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return text_of(node.left, constants) + text_of(node.right, constants)
    return "{" + ast.unparse(node) + "}"


def _keyword(call: ast.Call, names: Tuple[str, ...]) -> Optional[ast.expr]:
    return next((k.value for k in call.keywords if k.arg in names), None)


def _methods(call: ast.Call, verb: str) -> Tuple[str, ...]:
    """``@r.get`` -> GET; ``@r.route(..., methods=["POST"])`` -> POST (GET without them)."""
    if verb in ("route", "api_route", "add_api_route", "add_url_rule", "add_route"):
        listed = _keyword(call, ("methods",))
        if isinstance(listed, (ast.List, ast.Tuple, ast.Set)):
            found = tuple(sorted(str(e.value).upper() for e in listed.elts
                                 if isinstance(e, ast.Constant) and isinstance(e.value, str)))
            if found:
                return found
        return ("GET",)
    return ("WS",) if verb.startswith("websocket") else (verb.upper(),)


class RouteTable(Collector):
    """Routers, routes, mounts and jobs of one module, and the models its functions write."""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.routers: Dict[str, Router] = {}      # local name -> router or app
        self.routes: List[Route] = []
        self.mounts: List[Mount] = []
        self.jobs: List[Job] = []
        self._defined: Dict[str, Tuple[int, int]] = {}  # function name -> its first, last line
        self.constants: Dict[str, str] = {}       # module-level NAME = "text"
        self.factories: Dict[str, str] = {}       # "make_router()" -> the router it returns
        self.built: Dict[str, str] = {}           # name = make_router(): name -> "pkg.make_router()"
        self.handed: List[Tuple[str, List[Optional[str]]]] = []  # f(router): f, the args
        self.listed: Dict[str, List[ast.expr]] = {}  # module-level ROUTERS = (a.router, ...)
        self.looped: Dict[str, List[ast.expr]] = {}  # ``for r in ROUTERS``: r -> the routers
        # function -> models it constructs / writes it makes (``add``) / statements it builds
        self._constructed: Dict[ast.AST, Set[Tuple[str, int]]] = {}
        self._adds: Set[ast.AST] = set()
        self.writes: Set[Tuple[str, int]] = set()  # (qualified model name, line)

    def _name(self, expr: ast.AST) -> Optional[str]:
        """The qualified name of a router expression (a local router by its module's name;
        ``create_v1_router(...)`` as ``pkg.v1.create_v1_router()``, which the map follows to
        the router the factory returns)."""
        module = self.ctx.location.module
        if isinstance(expr, ast.Call):
            called = self.ctx.qualify(expr.func)
            if called is None:
                return None
            return f"{called if '.' in called else f'{module}.{called}'}()"
        name = dotted(expr)
        if name is None:
            return None
        key = self._visible(name)
        if key is not None:
            return f"{module}.{key}"
        function = self.ctx.scope.function
        for scoped in (self._scoped(name, function), name):
            if scoped in self.built:  # ``api_app = create_api_app()``: what the factory made
                return self.built[scoped]
        return self.ctx.qualify(expr)

    @staticmethod
    def _scoped(name: str, function: Optional[ast.AST]) -> str:
        """A router's key: its name, inside a function its function's too (two factories
        may each build a local ``router``)."""
        return name if function is None else f"{getattr(function, 'name', '?')}.<locals>.{name}"

    def _visible(self, name: str) -> Optional[str]:
        """The router ``name`` means where the walk is: the function's own, else the
        module's; None for no router built or handed in here."""
        function = self.ctx.scope.function
        if function is not None and self._scoped(name, function) in self.routers:
            return self._scoped(name, function)
        return name if name in self.routers else None

    def visit_Return(self, node: ast.Return) -> None:
        """A function that returns a router it built is a router factory."""
        function = self.ctx.scope.function
        key = self._visible(node.value.id) if isinstance(node.value, ast.Name) else None
        if function is not None and key is not None:
            self.factories.setdefault(f"{getattr(function, 'name', '?')}()",
                                      f"{self.ctx.location.module}.{key}")

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:  # ``router: APIRouter = APIRouter(prefix="/flows")``
            self.visit_Assign(ast.Assign(targets=[node.target], value=node.value,
                                         lineno=node.lineno, col_offset=node.col_offset))

    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        if (self.ctx.scope.function is None and isinstance(value, ast.Constant)
                and isinstance(value.value, str)):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.constants.setdefault(target.id, value.value)
            return
        if isinstance(value, (ast.List, ast.Tuple)) and self.ctx.scope.function is None:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.listed[target.id] = list(value.elts)
            return
        if not isinstance(value, ast.Call):
            return
        called = (self.ctx.qualify(value.func) or "").rsplit(".", 1)[-1]
        kind = APP_KINDS.get(called) or (  # a subclass: ``AirflowRouter(prefix=...)``
            "router" if called.endswith(("Router", "Blueprint")) else None)
        if kind is None:
            made = self._name(value) if isinstance(value.func, (ast.Name, ast.Attribute)) else None
            for target in node.targets if made else ():
                if isinstance(target, ast.Name):
                    self.built.setdefault(self._scoped(target.id, self.ctx.scope.function),
                                          cast(str, made))
            return
        prefix = text_of(_keyword(value, PREFIX_KEYWORDS), self.constants)
        for target in node.targets:
            name = dotted(target)
            key = self._scoped(name, self.ctx.scope.function) if name is not None else None
            if key is not None and (key not in self.routers
                                    or self.routers[key].kind == "parameter"):
                self.routers[key] = Router(kind, prefix, node.lineno)  # (what a function
                # builds beats what it is handed under the same name)

    def visit_For(self, node: ast.For) -> None:
        if (isinstance(node.target, ast.Name) and isinstance(node.iter, ast.Name)
                and node.iter.id in self.listed):
            self.looped[node.target.id] = self.listed[node.iter.id]

    def visit_FunctionDef(self, node: Function) -> None:
        for arg in node.args.args + node.args.kwonlyargs:  # ``def init_views(app: FastAPI)``
            kind = APP_KINDS.get((self.ctx.qualify(arg.annotation) or "").rsplit(".", 1)[-1]) \
                if arg.annotation is not None else None
            if kind is not None:  # an app or router handed in: where it is mounted is the
                # caller's business (the map follows calls that hand one over)
                self.routers.setdefault(self._scoped(arg.arg, node),
                                        Router("parameter", "", node.lineno))
        self._defined.setdefault(node.name, (node.lineno, node.end_lineno or node.lineno))
        routed = False  # each route decorator is a route: ``@r.get("")`` and ``@r.get("/")``
        job: Optional[str] = None
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Name):
                job = job or (f"`@{target.id}`" if target.id in TASK_DECORATORS else None)
                continue
            if not isinstance(target, ast.Attribute):
                continue
            verb = target.attr
            if isinstance(decorator, ast.Call) and verb in ROUTE_METHODS:
                receiver = self._name(target.value)
                path = decorator.args[0] if decorator.args else _keyword(decorator, ("path", "rule"))
                if receiver is not None and (self._visible(dotted(target.value) or "") is not None
                                             or isinstance(path, ast.Constant)):
                    self.routes.append(Route(receiver, _methods(decorator, verb),
                                             text_of(path, self.constants), node.name,
                                             node.lineno, node.end_lineno or node.lineno))
                    routed = True
            elif verb in TASK_DECORATORS or verb in SCHEDULE_DECORATORS:
                job = job or f"`@{dotted(target)}`"
        if job is not None and not routed:
            self.jobs.append(Job(node.name, node.lineno, job))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        function = self.ctx.scope.function
        if isinstance(func, ast.Attribute):
            self._call(node, func, function)
        self._handed(node)
        if function is None:
            return
        callee = self.ctx.qualify(func) or ""
        last = callee.rsplit(".", 1)[-1]
        if last in STATEMENTS and callee.startswith(("sqlalchemy", "sqlmodel")) and node.args:
            model = self.ctx.qualify(node.args[0])
            if model:
                self.writes.add((model, node.lineno))
        elif last[:1].isupper() and callee:
            self._constructed.setdefault(function, set()).add((callee, node.lineno))

    def _call(self, node: ast.Call, func: ast.Attribute, function: Optional[ast.AST]) -> None:
        verb = func.attr
        if verb in WRITE_METHODS and function is not None and self._session(func.value):
            self._adds.add(function)
        mount = MOUNT_CALLS.get(verb)
        if mount is not None:
            position, keyword, replaces = mount
            child_expr = node.args[position] if len(node.args) > position else _keyword(
                node, ("router", "blueprint", "app"))
            prefix_expr = _keyword(node, (keyword,))
            if verb == "mount" and node.args:
                prefix_expr = node.args[0]
            parent = self._name(func.value)
            handed = self._parameter(func.value, function)
            parents = [parent] if parent and not handed else []
            if handed is not None:  # ``def include(target): target.include_router(r)``
                parents.append(f"{handed[0]}#{handed[1]}")
                if parent and self._visible(cast(ast.Name, func.value).id) is not None:
                    parents.append(parent)  # an annotated app: the map's fallback root
            children: List[ast.expr] = [] if child_expr is None else (
                self.looped[child_expr.id] if isinstance(child_expr, ast.Name)
                and child_expr.id in self.looped else [child_expr])
            for each in children:
                child = self._name(each)
                if child is None:
                    continue
                for onto in parents:
                    self.mounts.append(Mount(onto, child, text_of(prefix_expr, self.constants),
                                             replaces and prefix_expr is not None, node.lineno))
        elif verb in ("add_api_route", "add_url_rule", "add_route") and node.args:
            parent = self._name(func.value)
            endpoint = node.args[1] if len(node.args) > 1 else _keyword(
                node, ("endpoint", "view_func"))
            if verb == "add_url_rule" and len(node.args) > 2:
                endpoint = node.args[2]
            name = dotted(endpoint) if endpoint is not None else None
            if parent and name:
                self.routes.append(Route(parent, _methods(node, verb),
                                         text_of(node.args[0], self.constants), name,
                                         node.lineno, node.lineno))
        elif verb == "add_job" and node.args and function is None:
            name = dotted(node.args[0])
            if name:
                self.jobs.append(Job(name, node.lineno, f"`{dotted(func) or verb}(...)`"))

    def _session(self, receiver: ast.AST) -> bool:
        """``receiver`` is a DB session (``seen.add(x)`` on a set writes no table)."""
        if self.ctx.has_collector(SessionFacts):
            return self.ctx.collector(SessionFacts).session(receiver) is not None
        return (dotted(receiver) or "").rsplit(".", 1)[-1] in self.ctx.config.session_names

    def _parameter(self, expr: ast.AST, function: Optional[ast.AST]
                   ) -> Optional[Tuple[str, int]]:
        """(the function's qualified name, the position) when ``expr`` is a positional
        parameter of the function it is used in, and not itself a router built here."""
        if function is None or not isinstance(expr, ast.Name) or not isinstance(
                function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        key = self._visible(expr.id)
        if key is not None and self.routers[key].kind != "parameter":
            return None
        names = [a.arg for a in function.args.posonlyargs + function.args.args]
        if expr.id not in names:
            return None
        return f"{self.ctx.location.module}.{function.name}", names.index(expr.id)

    def _handed(self, node: ast.Call) -> None:
        """A call that hands routers to a function (``include_extra(router_v1)``): the map
        mounts what that function includes into its parameter on what it was handed."""
        if not node.args or not isinstance(node.func, (ast.Name, ast.Attribute)):
            return
        args = [self._name(a) if isinstance(a, (ast.Name, ast.Attribute)) else None
                for a in node.args]
        if any(a for a in args):
            called = self._name(node.func)
            if called:
                module = self.ctx.location.module
                self.handed.append((called if "." in called else f"{module}.{called}", args))

    def end(self) -> None:
        """A handler registered by a call (``add_api_route("/x", ping)``) is shown where it is
        defined, so what rules find inside it is what the route touches."""
        for n, route in enumerate(self.routes):
            if route.line == route.end and route.handler in self._defined:
                first, last = self._defined[route.handler]
                self.routes[n] = route._replace(line=first, end=last)

    def written(self) -> List[Tuple[str, int]]:
        """(qualified model name, line) for each model a function writes: an ``insert`` /
        ``update`` / ``delete`` statement on it, or an instance it builds in a function that
        adds to a session. The map keeps the names that are the project's models."""
        found = set(self.writes)
        for function in self._adds:
            found.update(self._constructed.get(function, ()))
        return sorted(found)
