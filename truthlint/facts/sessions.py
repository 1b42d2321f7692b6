"""Which expressions are DB sessions, and which calls on them write.

Shared by STI001 (writes in L2), SOI004 (transaction control) and later rules. A receiver is a
session only on evidence (annotation, dependency, factory, ``with`` binding or a configured
conventional name), never because a method happens to be called ``add``.
"""

from __future__ import annotations

import ast
import re
from typing import Dict, NamedTuple, Optional, Union

from ..core.context import Collector, FileContext
from ..core.names import dotted, last_name, root_call


SESSION_TYPES = frozenset({"Session", "AsyncSession", "Connection", "AsyncConnection",
                           "scoped_session", "async_scoped_session"})
ASYNC_SESSION_TYPES = frozenset({"AsyncSession", "AsyncConnection", "async_scoped_session"})
NON_DB_MODULES = ("requests", "httpx", "aiohttp", "urllib3", "boto3", "botocore", "flask",
                  "starlette", "werkzeug", "fastapi", "tls_client", "curl_cffi")
FACTORY_NAMES = frozenset({"sessionmaker", "async_sessionmaker"})
DEPENDENCY_RE = re.compile(r"(?:^|_)(?:db|database|session|conn|connection)$", re.IGNORECASE)
SQL_WRITE_RE = re.compile(
    r"^\s*(?:--[^\n]*\n\s*)*(INSERT|UPDATE|DELETE|UPSERT|MERGE|REPLACE|CREATE|DROP|ALTER|TRUNCATE)\b",
    re.IGNORECASE)

WRITE_METHODS = frozenset({"add", "add_all", "delete", "merge", "flush"})
EXECUTE_METHODS = frozenset({"execute", "exec", "executemany", "scalar", "scalars"})
TRANSACTION_METHODS = frozenset({"commit", "rollback", "begin", "begin_nested"})
STATEMENT_WRITES = frozenset({"insert", "update", "delete"})

NOT_A_SESSION = ""  # a binding known to be something else (an HTTP session, a typed non-session)


class Session(NamedTuple):
    evidence: str        # how we know, for messages: "parameter `db: Session` (line 12)"
    kind: Optional[str]  # "sync", "async", or None when the evidence does not say


def _type_name(expr: ast.AST) -> Optional[str]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value.strip().split(".")[-1].split("[")[0]
    return last_name(expr)


class SessionFacts(Collector):
    """Collects session bindings per function while the walker goes by."""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.aliases: Dict[str, Session] = {}
        self.bound: Dict[Optional[ast.AST], Dict[str, object]] = {}
        self.statements: Dict[Optional[ast.AST], Dict[str, str]] = {}
        self.factories: Dict[str, str] = {}              # SessionLocal -> "sync"
        self.providers: Dict[str, Optional[str]] = {}    # get_session -> kind it yields

    # --- what an annotation, a default or a call says -------------------------------------

    def from_annotation(self, ann: Optional[ast.AST]) -> Optional[Session]:
        """Session, NOT_A_SESSION-style None for other types; the caller decides."""
        if ann is None:
            return None
        if isinstance(ann, ast.BinOp):  # Session | None
            return self.from_annotation(ann.left) or self.from_annotation(ann.right)
        if isinstance(ann, ast.Subscript):
            head = last_name(ann.value)
            inner = ann.slice
            elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            if head == "Annotated" and elts:
                found = self.from_annotation(elts[0])
                if found:
                    return found
                for meta in elts[1:]:
                    dep = self.from_default(meta)
                    if dep:
                        return dep
                return None
            if head in ("Optional", "Union"):
                for elt in elts:
                    found = self.from_annotation(elt)
                    if found:
                        return found
            return None
        name = _type_name(ann)
        qual = self.ctx.qualify(ann) or ""
        if qual.split(".")[0] in NON_DB_MODULES:
            return None
        if name in SESSION_TYPES:
            return Session(f"`{dotted(ann) or name}`",
                           "async" if name in ASYNC_SESSION_TYPES else "sync")
        if name in self.aliases:
            return self.aliases[name]
        return None

    def from_default(self, default: Optional[ast.AST]) -> Optional[Session]:
        """``Depends(get_db)`` where the dependency's name says it provides a session."""
        if (isinstance(default, ast.Call) and last_name(default.func) == "Depends"
                and default.args):
            dep = last_name(default.args[0])
            if dep in self.providers:
                return Session(f"`Depends({dep})`", self.providers[dep])
            provided = self._provided_elsewhere(default.args[0])
            if provided is not None:
                return Session(f"`Depends({dep})`", None if provided == "unknown" else provided)
            if dep and DEPENDENCY_RE.search(dep):
                return Session(f"`Depends({dep})`", "async" if "async" in dep.lower() else None)
        return None

    def _provided_elsewhere(self, dependency: ast.AST) -> Optional[str]:
        """What a dependency imported from another project module yields, by the index."""
        qual = self.ctx.qualify(dependency)
        package = (self.ctx.location.module or "").split(".")[0]
        if not qual or qual.split(".")[0] != package:
            return None  # the index holds this package's modules only
        index = self.ctx.index()
        return index.provider_kind(qual) if index is not None else None

    def from_call(self, call: ast.AST) -> object:
        """Session for a session-producing call, NOT_A_SESSION for HTTP sessions, else None."""
        if not isinstance(call, ast.Call):
            return None
        func = call.func
        if isinstance(func, ast.Call) and last_name(func.func) in FACTORY_NAMES:
            return Session("`sessionmaker(...)()`", _factory_kind(func))
        qual = self.ctx.qualify(func) or ""
        if qual.split(".")[0] in NON_DB_MODULES:
            return NOT_A_SESSION
        name = last_name(func)
        if name is None or name in FACTORY_NAMES:
            return None
        if isinstance(func, ast.Attribute) and name in ("connect", "begin"):
            receiver = (dotted(func.value) or "").lower()
            if "engine" in receiver:
                return Session(f"`{dotted(func)}()`", "async" if "async" in receiver else None)
            return None
        lower = name.lower()
        if name in self.factories:
            return Session(f"`{name}()`", self.factories[name])
        if "session" in lower or DEPENDENCY_RE.search(name):
            if name in SESSION_TYPES and qual.startswith(("sqlmodel", "sqlalchemy")):
                kind: Optional[str] = "async" if name in ASYNC_SESSION_TYPES else "sync"
            else:
                kind = self.factories.get(name) or ("async" if "async" in lower else None)
            return Session(f"`{name}()`", kind)
        return None

    # --- collection -------------------------------------------------------------------------

    def _bind(self, name: str, value: object, line: int) -> None:
        table = self.bound.setdefault(self.ctx.scope.function, {})
        if isinstance(value, Session):
            value = Session(f"{value.evidence} (line {line})", value.kind)
        table[name] = value

    def visit_FunctionDef(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> None:
        args = node.args
        positional = list(args.posonlyargs) + list(args.args)
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        pairs = list(zip(positional, defaults)) + list(zip(args.kwonlyargs, args.kw_defaults))
        table = self.bound.setdefault(node, {})
        for arg, default in pairs:
            found = self.from_annotation(arg.annotation) or self.from_default(default)
            if found:
                table[arg.arg] = Session(f"parameter `{arg.arg}`: {found.evidence} "
                                         f"(line {arg.lineno})", found.kind)
            elif arg.annotation is not None:
                table[arg.arg] = NOT_A_SESSION

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            return
        name = node.targets[0].id
        value = node.value
        if self.ctx.scope.function is None and isinstance(value, ast.Subscript):
            alias = self.from_annotation(value)
            if alias:
                self.aliases[name] = Session(f"alias `{name}` = {alias.evidence}", alias.kind)
                return
        if (self.ctx.scope.function is None and isinstance(value, ast.Call)
                and last_name(value.func) in FACTORY_NAMES):
            self.factories[name] = _factory_kind(value)
        statement = self.write_statement(value)
        if statement:
            self.statements.setdefault(self.ctx.scope.function, {})[name] = statement
        self._bind(name, self.from_call(value), node.lineno)

    def visit_Yield(self, node: ast.Yield) -> None:
        """A module-level function that yields a session is a dependency provider."""
        func = self.ctx.scope.function
        if isinstance(node.value, ast.Name) and isinstance(func, (ast.FunctionDef,
                                                                  ast.AsyncFunctionDef)):
            found = self.bound.get(func, {}).get(node.value.id)
            if isinstance(found, Session):
                self.providers[func.name] = found.kind

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name):
            found = self.from_annotation(node.annotation) or (
                self.from_call(node.value) if node.value is not None else None)
            self._bind(node.target.id, found if found is not None else NOT_A_SESSION, node.lineno)

    def visit_withitem(self, node: ast.withitem) -> None:
        if isinstance(node.optional_vars, ast.Name):
            found = self.from_call(node.context_expr)
            if found is not None:
                self._bind(node.optional_vars.id, found, node.context_expr.lineno)

    # --- queries ----------------------------------------------------------------------------

    def session(self, receiver: ast.AST) -> Optional[Session]:
        """The evidence that ``receiver`` is a DB session, or None."""
        if isinstance(receiver, ast.Name):
            name = receiver.id
            for scope in (self.ctx.scope.function, None):
                value = self.bound.get(scope, {}).get(name)
                if isinstance(value, Session):
                    return value
                if value == NOT_A_SESSION:
                    return None
                if name in self.bound.get(scope, {}):
                    break  # bound to something unknown here: only the name can tell
            if name in self.ctx.config.session_names:
                return Session(f"`{name}` (a name in session-names)", None)
            return None
        if (isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name)
                and receiver.value.id == "self" and receiver.attr in self.ctx.config.session_names):
            return Session(f"`self.{receiver.attr}` (a name in session-names)", None)
        return None

    def write_statement(self, expr: Optional[ast.AST]) -> Optional[str]:
        """``insert(T)...``, ``text("UPDATE ...")``, a raw SQL string, or a name bound to one."""
        if expr is None:
            return None
        if isinstance(expr, ast.Name):
            for scope in (self.ctx.scope.function, None):
                found = self.statements.get(scope, {}).get(expr.id)
                if found:
                    return found
            return None
        sql = sql_prefix(expr)
        if sql is not None:
            match = SQL_WRITE_RE.match(sql)
            return f"raw SQL {match.group(1).upper()}" if match else None
        call = root_call(expr)
        if call is None:
            return None
        qual = self.ctx.qualify(call.func) or ""
        name = qual.split(".")[-1] if qual else last_name(call.func)
        if name == "text" and call.args:
            sql = sql_prefix(call.args[0])
            match = SQL_WRITE_RE.match(sql or "")
            return f"text(\"{match.group(1).upper()} ...\")" if match else None
        if name in STATEMENT_WRITES:
            if qual.startswith(("sqlalchemy", "sqlmodel")):
                return f"{name}()"
            if isinstance(call.func, ast.Attribute) and not call.args:
                return f"{dotted(call.func) or name}()"
        return None

    def write(self, call: ast.Call) -> Optional[str]:
        """``session.add(x)`` -> "`session.add()`"; None if the call is not a write."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return None
        method = func.attr
        receiver = dotted(func.value) or "<session>"
        if method in WRITE_METHODS or method.startswith("bulk_"):
            return f"`{receiver}.{method}()`"
        if method in EXECUTE_METHODS and call.args:
            statement = self.write_statement(call.args[0])
            if statement:
                return f"`{receiver}.{method}({statement})`"
        return None


def sql_prefix(expr: ast.AST) -> Optional[str]:
    """The literal start of a string expression (plain or f-string), else None."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.JoinedStr) and expr.values:
        first = expr.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def _factory_kind(call: ast.Call) -> str:
    """``sessionmaker(...)`` -> "sync"; ``async_sessionmaker`` or ``class_=AsyncSession`` -> "async"."""
    if last_name(call.func) == "async_sessionmaker":
        return "async"
    for keyword in call.keywords:
        if keyword.arg == "class_" and last_name(keyword.value) in ASYNC_SESSION_TYPES:
            return "async"
    return "sync"
