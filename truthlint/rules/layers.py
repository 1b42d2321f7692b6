"""Layer rules: what a module may import (TBV002) and whether it is what it claims (STI002)."""

from __future__ import annotations

import ast
import os
from typing import Optional

from ..project.layout import module_layer
from ..core.names import dotted, resolve_relative
from .base import Rule

LAZY = " in a function (a lazy import, but it still couples the layers)"


def _layers(layers) -> str:  # type: ignore[no-untyped-def]
    return ", ".join(f"L{n}" for n in sorted(layers))


class LayerViolation(Rule):
    """TBV002: an import the importing module's layer may not make."""

    codes = ("TBV002",)

    @classmethod
    def applies(cls, ctx) -> bool:  # type: ignore[no-untyped-def]
        return ctx.location.layer is not None and ctx.location.module is not None

    def begin(self) -> None:
        loc = self.ctx.location
        self.root_package = os.path.basename(loc.root)
        self.own_package = loc.parts[0][:-3] if loc.parts[0].endswith(".py") else loc.parts[0]
        self.denied = self.ctx.config.denied_imports.get(loc.layer, ())

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        loc = self.ctx.location
        base = (resolve_relative(loc.module, loc.is_init, node.level, node.module) if node.level
                else node.module or "")
        for alias in node.names:
            name = f"{base}.{alias.name}" if alias.name != "*" else base
            self._check(node, name, base)

    def _check(self, node: ast.AST, module: str, parent: Optional[str] = None) -> None:
        if self.ctx.scope.type_checking or not module:
            return
        for prefix in self.denied:
            if module == prefix or module.startswith(prefix + "."):
                config = self.ctx.config
                why = (f"denied-imports L{self.ctx.location.layer} forbids `{prefix}` "
                       f"({config.origin('denied-imports', self.ctx.location.layer, '?')})")
                self._report(node, module, None, why)
                return
        parts = module.split(".")
        if parts[0] != self.root_package or len(parts) < 2 or parts[1] == self.own_package:
            return  # third-party, the root package itself, or the module's own package
        loc, config = self.ctx.location, self.ctx.config
        shown = module
        if parent and parent != module and self.ctx.fs.module_file(loc.root, module) is None:
            # ``from app.worker.pool import WorkerPool``: a name, not a submodule
            shown = f"{module[len(parent) + 1:]} from {parent}"
            module = parent
        found = module_layer(loc.root, module, config, self.ctx.fs)
        allowed = config.allowed_imports.get(loc.layer)
        if found is None or allowed is None or found[0] == loc.layer or found[0] in allowed:
            return
        origin = config.origin("allowed-imports", loc.layer, "the default matrix")
        may = f"may import only {_layers(allowed)}" if allowed else "may import no other layer"
        why = f"L{loc.layer} {may} (allowed-imports L{loc.layer} in {origin})"
        self._report(node, shown, found, why)

    def _report(self, node: ast.AST, module: str, target, why: str) -> None:  # type: ignore[no-untyped-def]
        loc = self.ctx.location
        imported = f"{module} (L{target[0]}: {target[1]})" if target else module
        self.ctx.report("TBV002", node, importer=loc.module, layer=loc.layer, imported=imported,
                        lazy=LAZY if self.ctx.scope.function is not None else "", why=why)


ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace",
                           "api_route", "websocket", "route"})
APP_TYPES = frozenset({"APIRouter", "FastAPI", "Blueprint", "Flask", "Starlette", "Router"})
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


class LayerClaimMismatch(Rule):
    """STI002: a module whose behaviour contradicts its claimed layer."""

    codes = ("STI002",)

    @classmethod
    def applies(cls, ctx) -> bool:  # type: ignore[no-untyped-def]
        loc = ctx.location
        return loc.layer is not None and not loc.is_init

    def begin(self) -> None:
        self.evidence: dict = {}      # layer -> (line, col, text) of the first evidence
        self.apps: set = set()        # names bound to APIRouter()/FastAPI()/...

    def _add(self, layer: int, node: ast.AST, text: str) -> None:
        self.evidence.setdefault(layer, (node.lineno, node.col_offset, text))  # type: ignore[attr-defined]

    def visit_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, ast.Call):
            name = (self.ctx.qualify(node.value.func) or "").split(".")[-1]
            if name in APP_TYPES:
                self.apps.update(t.id for t in node.targets if isinstance(t, ast.Name))

    def visit_FunctionDef(self, node: ast.AST) -> None:
        for deco in node.decorator_list:  # type: ignore[attr-defined]
            func = deco.func if isinstance(deco, ast.Call) else deco
            if not isinstance(func, ast.Attribute):
                if getattr(func, "id", None) in TASK_DECORATORS:
                    self._add(5, deco, f"@{func.id}")  # type: ignore[attr-defined]
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
        elif qual in BACKGROUND_CALLS or (isinstance(node.func, ast.Attribute)
                                          and node.func.attr == "add_job"):
            self._add(5, node, f"{name}()")
        elif qual in STORAGE_CALLS or name in ENGINE_NAMES:
            self._add(6, node, f"{name}()")
        elif qual.startswith(CLIENT_MODULES) and "." in qual:
            # Talking to an external service is normal in every layer; it only contradicts a
            # claim when a domain (L4) module decodes tokens itself, the seed's auth/ hybrid.
            claimed = self.ctx.location.layer
            if claimed == 3 or (claimed == 4 and qual.startswith(TOKEN_MODULES)):
                self._add(3, node, f"{qual}()")
            elif claimed == 6 and qual.startswith(STORAGE_CLIENTS):
                self._add(6, node, f"{qual}()")

    def end(self) -> None:
        loc = self.ctx.location
        claimed = loc.layer
        shown = set(self.evidence)
        mixed = {2, 5} <= shown
        contradicted = bool(shown) and claimed not in shown
        if not (mixed or contradicted):
            return
        others = sorted(shown - {claimed}) if not mixed else sorted(shown)
        parts = []
        for layer in others:
            line, _, text = self.evidence[layer]
            parts.append(f"{BEHAVIOUR[layer]} (L{layer}: line {line} `{text}`)")
        first = min((self.evidence[layer] for layer in others), key=lambda e: (e[0], e[1]))
        what = " and ".join(parts)
        if mixed:
            what += ", layers the map keeps apart"
        self.ctx.report("STI002", first[0], first[1], module=loc.module, layer=claimed,
                        origin=loc.layer_origin, evidence=what)
