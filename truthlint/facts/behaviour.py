"""Behaviour evidence: what a module does that places it in a layer, whatever it claims
(declares routes, wraps a protocol client, runs background work, defines tables or engines).
STI002 judges it against the claim; the truth map shows it."""

from __future__ import annotations

import ast
from typing import Dict, Optional, Set, Tuple, Union

from ..core.context import Collector, FileContext
from ..core.names import dotted

ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace",
                           "api_route", "websocket", "route"})
APP_TYPES = frozenset({"APIRouter", "FastAPI", "Blueprint", "Flask", "Starlette", "Router"})
APPLICATIONS = frozenset({"FastAPI", "Flask", "Starlette", "Litestar", "Quart", "Sanic"})
ROUTE_TYPES = frozenset({"starlette.routing.Route", "starlette.routing.Mount",
                         "starlette.routing.WebSocketRoute"})
CLIENT_MODULES = ("httpx", "requests", "jwt", "jose", "redis", "nats", "boto3", "botocore",
                  "anthropic", "openai", "aiohttp", "grpc", "hvac", "stripe", "pika", "kafka",
                  "elasticsearch", "google.cloud", "authlib", "itsdangerous")
TOKEN_MODULES = ("jwt", "jose", "authlib", "itsdangerous")
STORAGE_CLIENTS = ("redis", "boto3", "botocore", "elasticsearch", "hvac", "google.cloud")
BACKGROUND_CALLS = frozenset({
    "concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ProcessPoolExecutor",
    "apscheduler.schedulers.background.BackgroundScheduler",
    "apscheduler.schedulers.asyncio.AsyncIOScheduler",
    "apscheduler.schedulers.blocking.BlockingScheduler", "rq.Queue", "rq.Worker",
    "arq.create_pool", "celery.Celery",
})
TASK_DECORATORS = frozenset({"task", "shared_task", "actor", "periodic_task", "cron"})
SLEEPS = frozenset({"time.sleep", "asyncio.sleep", "anyio.sleep", "trio.sleep"})
STORAGE_CALLS = frozenset({"sqlalchemy.Table", "sqlalchemy.orm.sessionmaker",
                           "sqlalchemy.ext.asyncio.async_sessionmaker"})
ENGINE_NAMES = frozenset({"create_engine", "create_async_engine", "sessionmaker",
                          "async_sessionmaker"})
BEHAVIOUR = {2: "declares HTTP routes", 3: "wraps an external protocol or SDK client",
             5: "runs background work", 6: "defines ORM tables, engines or session factories"}


Evidence = Tuple[int, int, str]  # (line, col, text) of the first evidence of a layer


class Behaviour(Collector):
    """Collects the first evidence of each layer a module's behaviour shows."""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.evidence: Dict[int, Evidence] = {}
        self.apps: Set[str] = set()        # names bound to APIRouter()/FastAPI()/...
        self.app_made: Optional[Tuple[int, str]] = None  # (line, class) of the first app made

    def _add(self, layer: int, node: Union[ast.expr, ast.stmt], text: str) -> None:
        self.evidence.setdefault(layer, (node.lineno, node.col_offset, text))

    def visit_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, ast.Call):
            name = (self.ctx.qualify(node.value.func) or "").split(".")[-1]
            if name in APP_TYPES:
                self.apps.update(t.id for t in node.targets if isinstance(t, ast.Name))
            if name in APPLICATIONS and self.app_made is None:
                self.app_made = (node.lineno, name)

    def visit_FunctionDef(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> None:
        for deco in node.decorator_list:
            func = deco.func if isinstance(deco, ast.Call) else deco
            if not isinstance(func, ast.Attribute):
                if isinstance(func, ast.Name) and func.id in TASK_DECORATORS:
                    self._add(5, deco, f"@{func.id}")
                continue
            receiver = getattr(func.value, "id", "")
            if func.attr in ROUTE_METHODS and (receiver in self.apps or receiver == "router"
                                               or receiver.endswith("_router")):
                self._add(2, deco, f"@{receiver}.{func.attr}")
            elif func.attr in TASK_DECORATORS and receiver:
                self._add(5, deco, f"@{receiver}.{func.attr}")

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if any(k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value is True
               for k in node.keywords):
            self._add(6, node, f"class {node.name}(..., table=True)")
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "__tablename__" for t in stmt.targets):
                self._add(6, stmt, f"{node.name}.__tablename__")

    def visit_While(self, node: ast.While) -> None:
        if not (isinstance(node.test, ast.Constant) and node.test.value is True):
            return
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call) and self.ctx.qualify(inner.func) in SLEEPS:
                self._add(5, node, f"while True: ... {dotted(inner.func)}()")
                return

    def visit_Call(self, node: ast.Call) -> None:
        qual = self.ctx.qualify(node.func) or ""
        name = qual.split(".")[-1]
        if name in APP_TYPES or qual in ROUTE_TYPES:
            self._add(2, node, f"{name}()")
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "add_job":
            self._add(5, node, f"{name}()")  # scheduling a job, wherever it is done
        elif qual.startswith(CLIENT_MODULES) and "." in qual:
            # Talking to an external service is normal in every layer; it only contradicts a
            # claim when a domain (L4) module decodes tokens itself, the seed's auth/ hybrid.
            claimed = self.ctx.location.layer
            if claimed == 3 or (claimed == 4 and qual.startswith(TOKEN_MODULES)):
                self._add(3, node, f"{qual}()")
            elif claimed == 6 and qual.startswith(STORAGE_CLIENTS):
                self._add(6, node, f"{qual}()")
        elif self.ctx.scope.function is not None:
            return  # a pool or an engine that one call makes and drops is not what the module is
        elif qual in BACKGROUND_CALLS:
            self._add(5, node, f"{name}()")
        elif qual in STORAGE_CALLS or name in ENGINE_NAMES:
            self._add(6, node, f"{name}()")
