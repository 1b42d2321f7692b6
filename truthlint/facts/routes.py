"""Which functions are HTTP route handlers, whatever directory their module sits in.

A handler is told by how it is registered: a route decorator (``@router.post("/items")``,
``@app.get("/")``, ``@bp.route("/x")``, Flask-AppBuilder's ``@expose("/x")``, Litestar's
``@post("/x")``) or a registration call (``router.add_api_route("/x", handler)``,
``app.add_url_rule("/x", view_func=handler)``, Starlette's ``Route("/x", handler)``). A
function nested in a handler runs as part of it.
"""

from __future__ import annotations

import ast
from typing import Dict, Optional, Tuple, Union

from ..core.context import Collector, FileContext
from ..core.names import dotted
from .behaviour import ROUTE_METHODS, Behaviour

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]

ROUTE_DECORATOR_MODULES = ("flask_appbuilder", "litestar", "starlite")  # @expose, @get(...)
REGISTRATIONS = {"add_api_route": 1, "add_route": 1, "add_url_rule": 2, "add_websocket_route": 1,
                 "Route": 1, "WebSocketRoute": 1, "APIRoute": 1}  # call -> endpoint's position
ENDPOINT_KEYWORDS = ("endpoint", "view_func", "route_handler")
# objects a handler changes that are not rows: itself, the request and the response
NOT_LOADED = frozenset({"self", "cls", "request", "response", "req", "resp", "res", "app"})


class Routes(Collector):
    """Collects route handlers while the walker goes by."""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.decorated: Dict[ast.AST, str] = {}      # handler -> its route, for messages
        self.parent: Dict[ast.AST, Optional[ast.AST]] = {}
        self.registered: Dict[str, str] = {}         # function name -> its registration
        # first change to a loaded object per function (``run.status = "done"``,
        # ``setattr(user, k, v)``): what a later ``commit()`` writes
        self.mutations: Dict[ast.AST, Tuple[int, str]] = {}

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._mutation(target, node.lineno)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._mutation(node.target, node.lineno)

    def _mutation(self, target: ast.AST, line: int, text: Optional[str] = None) -> None:
        """The first change a function makes to an object it loaded (``obj.x = ...``)."""
        function = self.ctx.scope.function
        if function is None or function in self.mutations or not isinstance(target, ast.Attribute):
            return
        root = target.value
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id not in NOT_LOADED:
            self.mutations[function] = (line, text or f"`{dotted(target) or target.attr} = ...`")

    def visit_FunctionDef(self, node: Function) -> None:
        scope = self.ctx.scope
        self.parent[node] = scope.function
        for decorator in node.decorator_list:
            route = self._route(decorator)
            if route is not None:
                self.decorated[node] = f"`{route}` (line {decorator.lineno})"
                break

    visit_AsyncFunctionDef = visit_FunctionDef

    def _route(self, decorator: ast.expr) -> Optional[str]:
        """``@router.post("/items")`` -> "@router.post("/items")"; None if no route."""
        if not isinstance(decorator, ast.Call):
            return None
        func = decorator.func
        path = decorator.args[0] if decorator.args else next(
            (k.value for k in decorator.keywords if k.arg == "path"), None)
        value = path.value if isinstance(path, ast.Constant) and isinstance(path.value, str) else None
        text = "" if path is None else f'"{value}"' if value is not None else ast.unparse(path)
        shown = f"@{dotted(func) or '?'}({text})"
        if isinstance(func, ast.Attribute) and func.attr in ROUTE_METHODS:
            receiver = dotted(func.value) or ""
            apps = self.ctx.collector(Behaviour).apps  # names bound to APIRouter()/FastAPI()/...
            if receiver in apps or (value is not None and (value.startswith("/") or not value)):
                return shown
            return None
        if (isinstance(func, ast.Name) and value is not None
                and (self.ctx.qualify(func) or "").startswith(ROUTE_DECORATOR_MODULES)):
            return shown  # Flask-AppBuilder's @expose("/x"), Litestar's @post("/x")
        return None

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func  # the name without last_name(): this runs on every call
        name = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else None
        if name == "setattr" and type(func) is ast.Name and len(node.args) > 1:
            first = node.args[0]  # setattr(run, "status", x) changes run as run.status = x does
            self._mutation(ast.Attribute(value=first, attr="?"), node.lineno,
                           f"`setattr({dotted(first) or '...'}, ...)`")
            return
        position = REGISTRATIONS.get(name or "")
        if position is None:
            return
        endpoint = node.args[position] if len(node.args) > position else next(
            (k.value for k in node.keywords if k.arg in ENDPOINT_KEYWORDS), None)
        if isinstance(endpoint, ast.Name):
            self.registered.setdefault(endpoint.id, f"`{dotted(node.func)}(...)` (line {node.lineno})")

    def persisted(self, function: Optional[ast.AST], line: int) -> Optional[Tuple[int, str]]:
        """The change a ``commit()`` on ``line`` of a route handler writes: the handler's
        first change to a loaded object before it, or None."""
        found = self.mutations.get(function) if function is not None else None
        if found is None or found[0] > line or function not in self.decorated:
            return None
        return found

    def handler(self, function: Optional[ast.AST]) -> Optional[Tuple[str, str]]:
        """(handler name, how it is registered) for a function that is a route handler or
        runs inside one; None otherwise. Registration calls count once the walk is done."""
        while function is not None:
            route = self.decorated.get(function)
            name = getattr(function, "name", "")
            if route is None and self.parent.get(function) is None:
                route = self.registered.get(name)
            if route is not None:
                return name, route
            function = self.parent.get(function)
        return None
