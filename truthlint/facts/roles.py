"""What a module, a class and a function are for: roles, from behaviour first and names second.

A rule that asks "may this code end a transaction?" needs to know whether it is a route
handler, a service, a repository, a unit of work, a worker's task, a migration or a script,
wherever the project keeps it: ``api/`` and ``services/`` packages and ``<feature>/router.py``,
``<feature>/service.py`` slices alike. Behaviour decides first (routes registered, task
decorators, tables defined, a class holding its own session); names only add roles, never
remove one. Each role carries its evidence, for messages.
"""

from __future__ import annotations

import ast
from typing import Dict, Optional, Set, Tuple

from ..core.config import ROLE_NAMES
from ..core.context import Collector, FileContext
from ..core.location import header_role, longest_key
from ..core.names import dotted
from .behaviour import TASK_DECORATORS, Behaviour
from .methods import Methods
from .routes import Routes

# package, module or file-stem words -> role (a stem's last ``_word`` counts too:
# ``order_service.py``, ``user_repo.py``, ``billing_tasks.py``)
NAMED_ROLES: Dict[str, str] = {
    **dict.fromkeys(("api", "apis", "routes", "route", "routers", "router", "endpoints",
                     "endpoint", "views", "view", "handlers", "controllers", "blueprints"),
                    "route"),
    **dict.fromkeys(("services", "service"), "service"),
    **dict.fromkeys(("crud", "cruds", "repository", "repositories", "repo", "repos", "dao",
                     "daos", "store", "stores", "persistence", "dal", "queries"), "repository"),
    **dict.fromkeys(("commands", "uow", "unit_of_work", "unitofwork", "transaction",
                     "transactions"), "unit of work"),
    **dict.fromkeys(("tasks", "task", "worker", "workers", "jobs", "job", "consumers",
                     "consumer", "scheduler", "schedulers", "cron", "celery"), "worker"),
    **dict.fromkeys(("models", "model", "entities", "orm", "tables"), "model"),
    **dict.fromkeys(("schemas", "schema", "dto", "dtos", "serializers"), "schema"),
    **dict.fromkeys(("__main__", "cli", "manage", "wsgi", "asgi"), "entrypoint"),
    **dict.fromkeys(("scripts", "bin"), "script"),
    **dict.fromkeys(("config", "configs", "settings", "conf"), "configuration"),
}
# class-name endings -> role (``AccountRepository``, ``PgvectorClient``, ``AppHTTPMiddleware``)
CLASS_ROLES: Tuple[Tuple[str, str], ...] = (
    ("Service", "service"), ("Repository", "repository"), ("Repo", "repository"),
    ("DAO", "repository"), ("Dao", "repository"), ("Store", "repository"),
    ("Storage", "repository"), ("CRUD", "repository"), ("Crud", "repository"),
    ("Manager", "repository"), ("Client", "repository"), ("Table", "repository"),
    ("Command", "unit of work"), ("UnitOfWork", "unit of work"), ("Uow", "unit of work"),
    ("UoW", "unit of work"), ("Middleware", "unit of work"),
)
# roles whose code may end the transactions it works in: they own them by design (a service or
# repository per unit of work, a task or script per run, the request per route handler)
OWNER_ROLES = frozenset({"service", "repository", "unit of work", "worker", "entrypoint",
                         "script", "route"})


class Roles(Collector):
    """A module's roles, and what makes a function own its transactions, from the shared walk
    (the methods and the functions holding each function come from Methods and Routes)."""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.returned: Dict[ast.AST, Set[str]] = {}  # function -> the names it returns
        self._roles: Optional[Dict[str, str]] = None

    def begin(self) -> None:
        self.parent = self.ctx.collector(Routes).parent  # function -> the function holding it
        self.methods = self.ctx.collector(Methods).of

    def visit_Return(self, node: ast.Return) -> None:
        function = self.ctx.scope.function
        if function is not None and isinstance(node.value, ast.Name):
            self.returned.setdefault(function, set()).add(node.value.id)

    def module_roles(self) -> Dict[str, str]:
        """Role -> its evidence, for the whole module (behaviour first, then names); complete
        once the walk is over (routes registered by a call count from then on)."""
        if self._roles is not None:
            return self._roles
        found: Dict[str, str] = {}
        loc = self.ctx.location
        if loc.migration:
            found["migration"] = "a schema migration"
        declared = self._declared()
        if declared is not None:  # the project says what the module is: nothing else counts
            found[declared[0]] = declared[1]
        else:
            self._inferred(found)
        if self.ctx.walk_done:
            self._roles = found
        return found

    def _inferred(self, found: Dict[str, str]) -> None:
        """The roles behaviour shows, then the ones names suggest, into ``found``."""
        loc = self.ctx.location
        if loc.is_test:
            found["test"] = "test code"
        routes = self.ctx.collector(Routes)
        if routes.decorated or routes.registered:
            first = next(iter(routes.decorated.values()), None) or next(iter(routes.registered.values()))
            found["route"] = f"declares routes ({first})"
        behaviour = self.ctx.collector(Behaviour)
        if behaviour.app_made is not None:  # an app factory or the ASGI/WSGI module
            line, kind = behaviour.app_made
            found["entrypoint"] = f"creates the app (`{kind}()`, line {line})"
        evidence = behaviour.evidence
        if 5 in evidence and evidence[5][2].startswith("@"):
            found.setdefault("worker", f"defines tasks (`{evidence[5][2]}`, line {evidence[5][0]})")
        if 6 in evidence and ("table=True" in evidence[6][2] or "__tablename__" in evidence[6][2]):
            found.setdefault("model", f"defines tables (`{evidence[6][2]}`, line {evidence[6][0]})")
        for part in loc.parts:
            stem = part[:-3] if part.endswith(".py") else part
            for word in (stem, stem.rsplit("_", 1)[-1]):
                named = NAMED_ROLES.get(word.lower())
                if named is not None and named not in found:
                    found[named] = f"named `{part}`"

    def _declared(self) -> Optional[Tuple[str, str]]:
        """A role the file's ``# Role:`` header or the ``roles`` table gives (the header
        wins; the table's longest matching key)."""
        header = header_role(self.ctx.lines)
        if header is not None and header[0] in ROLE_NAMES:
            return header[0], f"the '# Role: {header[0]}' header on line {header[1]}"
        table = self.ctx.config.roles
        key = longest_key(self.ctx.location.parts, table)
        if key is None:
            return None
        return table[key], f"'{key}' in {self.ctx.config.origin('roles', key, '?')}"

    def owner(self, function: Optional[ast.AST], receiver: ast.AST) -> Optional[str]:
        """Why ``function`` may end the transaction of the session ``receiver`` names (its
        role, with the evidence), or None when nothing says it owns it."""
        roles = self.module_roles()
        for role in ("migration", "test"):
            if role in roles:
                return f"{role}: {roles[role]}"
        handler = self.ctx.collector(Routes).handler(function)
        if handler is not None:
            return f"route handler `{handler[0]}` ({handler[1]}): the request's unit of work"
        inner = function
        while inner is not None:
            reason = self._function_owner(inner, receiver)
            if reason is not None:
                return reason
            inner = self.parent.get(inner)
        for role, why in roles.items():
            if role in OWNER_ROLES:
                return f"{role} module ({why})"
        return None

    def _function_owner(self, function: ast.AST, receiver: ast.AST) -> Optional[str]:
        name = getattr(function, "name", "")
        for decorator in getattr(function, "decorator_list", ()):
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            last = (dotted(target) or "").rsplit(".", 1)[-1]
            if last in TASK_DECORATORS:
                return f"task `{name}` (`@{dotted(target)}`, line {decorator.lineno})"
        outer = self.parent.get(function)
        if outer is not None and name in self.returned.get(outer, ()):
            return (f"`{getattr(outer, 'name', '?')}` wraps calls in a transaction (it returns "
                    f"`{name}`): a unit-of-work decorator")
        method = self.methods.get(function)
        if method is None:
            return None
        cls = method.cls
        for suffix, role in CLASS_ROLES:
            if cls.name.endswith(suffix):
                return f"{role} class `{cls.name}`"
        if (isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name)
                and receiver.value.id == "self"):
            return f"class `{cls.name}` holds its session (`self.{receiver.attr}`): a repository"
        return None
