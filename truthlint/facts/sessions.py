"""Which expressions are DB sessions, and which calls on them write.

Shared by STI001 (writes in route handlers), SOI004 (transaction control), TBV003 (blocking
I/O) and the module summary. A receiver is a session only on evidence (annotation, dependency,
factory, engine, ``with`` binding, an attribute set from one, or a configured conventional
name), never because a method happens to be called ``add``.

Evidence defined in another project module (``SessionDep`` imported from ``app.api.deps``,
``Depends(get_db)``, ``SessionLocal()``, ``engine.connect()``, Flask-SQLAlchemy's ``db.session``)
is kept as a *reference* (``"=T:app.api.deps.SessionDep"``) that the project index resolves
when a rule asks. The module summary stores the references as they are, so what one module
tells the index never depends on another module.
"""

from __future__ import annotations

import ast
import re
from typing import Dict, List, NamedTuple, Optional, Tuple, Union

from ..core.context import Collector, FileContext
from ..core.names import dotted, last_name, root_call
from .methods import parameters


SESSION_TYPES = frozenset({"Session", "AsyncSession", "Connection", "AsyncConnection",
                           "scoped_session", "async_scoped_session"})
ASYNC_SESSION_TYPES = frozenset({"AsyncSession", "AsyncConnection", "async_scoped_session"})
NON_DB_MODULES = ("requests", "httpx", "aiohttp", "urllib3", "boto3", "botocore", "flask",
                  "starlette", "werkzeug", "fastapi", "tls_client", "curl_cffi")
FACTORY_NAMES = frozenset({"sessionmaker", "async_sessionmaker"})
ENGINE_FACTORIES = {"create_engine": "sync", "create_async_engine": "async"}
# return types that hand out what their argument is (a provider's annotation)
GENERATORS = frozenset({"Generator", "AsyncGenerator", "Iterator", "AsyncIterator", "Iterable",
                        "AsyncIterable", "ContextManager", "AsyncContextManager",
                        "AbstractContextManager", "AbstractAsyncContextManager"})
DB_MODULES = ("sqlalchemy", "sqlmodel")
# Flask-SQLAlchemy's extension object: ``db.session`` is a (sync) scoped session
HOLDER_CLASSES = frozenset({"flask_sqlalchemy.SQLAlchemy", "flask_sqlalchemy.extension.SQLAlchemy",
                            "flask_appbuilder.SQLA", "flask_appbuilder.models.sqla.SQLA"})
HOLDER_CLASS_GETTERS = frozenset({"flask_appbuilder.utils.legacy.get_sqla_class"})

# What a reference asks of the module that defines its name:
TYPE, CALL, ENGINE, HOLDER, ATTRIBUTE, INSTANCE = "T", "C", "E", "H", "A", "S"
#   T: the name is a session type (an alias);  C: calling it gives a session (a factory, a
#   provider);  E: it is an engine, ``.connect()`` gives a connection;  H: its ``.session`` is
#   a session;  A: ``Class.attr`` holds a session;  S: the name is a session (a module-level
#   ``scoped_session``).
UNKNOWN = "unknown"  # a session whose sync/async kind the evidence does not say
ABSENT = "absent"    # the index's answer for a reference whose definition it does not hold
DEPENDENCY_RE = re.compile(r"(?:^|_)(?:db|database|session|conn|connection)$", re.IGNORECASE)
DEPENDENCY_ENDINGS = ("db", "database", "session", "conn", "connection")  # (a cheaper test first)
SQL_WRITE_RE = re.compile(
    r"^\s*(?:--[^\n]*\n\s*)*(INSERT|UPDATE|DELETE|UPSERT|MERGE|REPLACE|CREATE|DROP|ALTER|TRUNCATE)\b",
    re.IGNORECASE)

WRITE_METHODS = frozenset({"add", "add_all", "delete", "merge", "flush"})
EXECUTE_METHODS = frozenset({"execute", "exec", "executemany", "scalar", "scalars"})
TRANSACTION_METHODS = frozenset({"commit", "rollback", "begin", "begin_nested"})
STATEMENT_WRITES = frozenset({"insert", "update", "delete"})

# builtin and typing names an annotation most often is (when nothing rebinds them): no session
PLAIN_TYPES = frozenset({"str", "int", "float", "bool", "bytes", "dict", "list", "set", "tuple",
                         "object", "Any", "None", "type"})

NOT_A_SESSION = ""  # a binding known to be something else (an HTTP session, a typed non-session)


class Session(NamedTuple):
    evidence: str        # how we know, for messages: "parameter `db: Session` (line 12)"
    kind: Optional[str]  # "sync", "async", None when the evidence does not say, or a
    #                      reference into another module (see ``ref``) not yet resolved
    typed: bool = False  # from an annotation: a reference that resolves to nothing is some
    #                      other type, not a session the name could still suggest
    guess: Optional[str] = None  # the kind a name suggests ("unknown", "async") when the
    #                              index does not hold the reference's definition
    owned: bool = False  # opened here (``with Session(engine) as s``, ``s = SessionLocal()``):
    #                      the function owns its transaction


def ref(role: str, qual: str) -> str:
    """A reference to what ``qual`` (a name in another project module) says, for ``role``."""
    return f"={role}:{qual}"


def is_ref(kind: Optional[str]) -> bool:
    return bool(kind) and kind.startswith("=")  # type: ignore[union-attr]


def stored(kind: Optional[str]) -> str:
    """A kind as the summary stores it (None is ``unknown``)."""
    return kind or UNKNOWN


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
        self.factories: Dict[str, Optional[str]] = {}    # SessionLocal -> "sync"
        self.engines: Dict[str, Optional[str]] = {}      # engine -> "sync"
        self.holders: Dict[str, str] = {}                # db (Flask-SQLAlchemy) -> "sync"
        self.scoped: Dict[str, str] = {}                 # db_session = scoped_session(...)
        self.providers: Dict[str, Optional[str]] = {}    # get_session -> kind it yields or returns
        self.attributes: Dict[str, Dict[str, Session]] = {}  # class -> attribute -> session
        self.method_of: Dict[ast.AST, ast.ClassDef] = {}
        self._resolved: Dict[str, Optional[Tuple[str, str]]] = {}
        module = ctx.location.module
        self.package = module.split(".")[0] + "." if module else ""

    # --- what a name defined in another project module is -----------------------------------

    def _project(self, expr: ast.AST) -> Optional[str]:
        """The qualified name of an imported project name (``SessionDep`` -> its definition),
        None for anything else (a local name, a library)."""
        if not self.package:
            return None
        head: ast.AST = expr
        while isinstance(head, ast.Attribute):
            head = head.value
        if not isinstance(head, ast.Name) or head.id not in self.ctx.imports.aliases:
            return None  # (not a dotted name, or not one imported)
        qual = self.ctx.qualify(expr) or ""
        return qual if qual.startswith(self.package) else None

    def _local(self, expr: ast.AST) -> Optional[str]:
        """A name of this module not defined yet where it is used (``Depends(get_db)`` above
        ``def get_db``): the index knows what it became."""
        module = self.ctx.location.module
        if (module and isinstance(expr, ast.Name)
                and expr.id not in self.ctx.imports.aliases):
            return f"{module}.{expr.id}"
        return None

    def resolve(self, found: Optional[Session]) -> Optional[Session]:
        """A session whose evidence is a reference, resolved through the project index: None
        when the index says the name is no session, or cannot be asked (no index)."""
        if found is None or not is_ref(found.kind):
            return found
        key = found.kind or ""
        if key not in self._resolved:
            index = self.ctx.session_lookup()  # without one, only the name can tell (ABSENT)
            self._resolved[key] = index.session_kind(key) if index is not None else (ABSENT, key)
        answer = self._resolved[key]
        if answer is None:
            return None
        kind, where = answer
        if kind == ABSENT:  # the index cannot tell: what the name suggests, if anything
            guess = found.guess
            return None if guess is None else found._replace(
                kind=None if guess == UNKNOWN else guess)
        return found._replace(evidence=f"{found.evidence}, from {where}",
                              kind=None if kind == UNKNOWN else kind)

    # --- what an annotation, a default or a call says -------------------------------------

    def from_annotation(self, ann: Optional[ast.AST]) -> Optional[Session]:
        """The session an annotation says, or None for other types; the caller decides."""
        if ann is None:
            return None
        if type(ann) is ast.Name and ann.id in PLAIN_TYPES and ann.id not in self.aliases \
                and ann.id not in self.ctx.imports.aliases:
            return None  # ``str``, ``int``, ``dict``: most annotations, told apart at once
        if isinstance(ann, ast.BinOp):  # Session | None
            return self.from_annotation(ann.left) or self.from_annotation(ann.right)
        if isinstance(ann, ast.Subscript):
            head = last_name(ann.value)
            inner = ann.slice
            elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            if head == "Annotated" and elts:
                found = self.from_annotation(elts[0])
                if found and not is_ref(found.kind):
                    return found
                for meta in elts[1:]:
                    dep = self.from_default(meta)
                    if dep:
                        return dep
                return found
            if head in ("Optional", "Union"):
                for elt in elts:
                    found = self.from_annotation(elt)
                    if found:
                        return found
            return None
        name = _type_name(ann)
        qual = self.ctx.qualify(ann) or ""
        if qual.partition(".")[0] in NON_DB_MODULES:
            return None
        if name in SESSION_TYPES:
            return Session(f"`{dotted(ann) or name}`",
                           "async" if name in ASYNC_SESSION_TYPES else "sync", True)
        if name in self.aliases:
            return self.aliases[name]._replace(typed=True)
        project = self._project(ann)
        if project is not None:
            return Session(f"`{dotted(ann)}`", ref(TYPE, project), True)
        return None

    def from_default(self, default: Optional[ast.AST]) -> Optional[Session]:
        """``Depends(get_db)``: what the dependency yields or returns, by its definition (here
        or, through the index, in another module) or, failing that, by its name."""
        if (isinstance(default, ast.Call) and last_name(default.func) == "Depends"
                and default.args):
            target = default.args[0]
            dep = last_name(target)
            if dep in self.providers:
                return Session(f"`Depends({dep})`", self.providers[dep])
            if dep in self.factories:
                return Session(f"`Depends({dep})`", self.factories[dep])
            guess = stored("async" if "async" in dep.lower() else None) if dep and \
                DEPENDENCY_RE.search(dep) else None
            project = self._project(target) or self._local(target)
            if project is not None:
                return Session(f"`Depends({dep})`", ref(CALL, project), guess=guess)
            if guess is not None:
                return Session(f"`Depends({dep})`", None if guess == UNKNOWN else guess)
        return None

    def from_call(self, call: ast.AST) -> object:
        """Session for a session-producing call, NOT_A_SESSION for HTTP sessions, else None."""
        if not isinstance(call, ast.Call):
            return None
        func = call.func
        if isinstance(func, ast.Call) and last_name(func.func) in FACTORY_NAMES:
            return Session("`sessionmaker(...)()`", _factory_kind(func))
        qual = self.ctx.qualify(func) or ""
        if qual.partition(".")[0] in NON_DB_MODULES:
            return NOT_A_SESSION
        name = last_name(func)
        if name is None or name in FACTORY_NAMES:
            return None
        if isinstance(func, ast.Attribute) and name in ("connect", "begin"):
            return self._connection(func)
        if name in self.factories:
            return Session(f"`{name}()`", self.factories[name])
        if isinstance(func, ast.Name) and name in self.providers:
            return Session(f"`{name}()`", self.providers[name])
        if name in SESSION_TYPES and qual.startswith(DB_MODULES):
            return Session(f"`{name}()`", "async" if name in ASYNC_SESSION_TYPES else "sync")
        lower = name.lower()
        guess = stored("async" if "async" in lower else None) if (
            "session" in lower or (lower.endswith(DEPENDENCY_ENDINGS)
                                   and DEPENDENCY_RE.search(name))) else None
        project = self._project(func)
        if project is not None:
            return Session(f"`{dotted(func)}()`", ref(CALL, project), guess=guess)
        if guess is not None:
            return Session(f"`{name}()`", None if guess == UNKNOWN else guess)
        return None

    def _connection(self, func: ast.Attribute) -> Optional[Session]:
        """``engine.connect()`` / ``engine.begin()``: a connection of the engine's kind."""
        receiver = func.value
        text = f"`{dotted(func)}()`"
        if isinstance(receiver, ast.Name) and receiver.id in self.engines:
            return Session(text, self.engines[receiver.id])
        lowered = (dotted(receiver) or "").lower()
        guess = stored("async" if "async" in lowered else None) if "engine" in lowered else None
        project = self._project(receiver)
        if project is not None:
            return Session(text, ref(ENGINE, project), guess=guess)
        if guess is not None:
            return Session(text, None if guess == UNKNOWN else guess)
        return None

    # --- collection -------------------------------------------------------------------------

    def _bind(self, name: str, value: object, line: int, owned: bool = False) -> None:
        """``owned``: the binding opens the session here (``session = SessionLocal()``)."""
        table = self.bound.setdefault(self.ctx.scope.function, {})
        if isinstance(value, Session):  # (one tuple made, not two ``_replace`` copies)
            value = Session(f"{value.evidence} (line {line})", value.kind, value.typed,
                            value.guess, owned or value.owned)
        table[name] = value

    def visit_FunctionDef(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> None:
        cls = self.ctx.scope.cls
        if cls is not None:
            self.method_of[node] = cls
        returned = self._returned(node.returns)
        if returned is not None:  # ``def get_db() -> Iterator[Session]``: a provider by its type
            self.providers.setdefault(node.name, returned.kind)
        table = self.bound.setdefault(node, {})
        for arg, default in parameters(node):
            annotation = arg.annotation
            found = (self.from_annotation(annotation) if annotation is not None else None) or (
                self.from_default(default) if default is not None else None)
            if found:
                table[arg.arg] = Session(
                    f"parameter `{arg.arg}`: {found.evidence} (line {arg.lineno})", found.kind,
                    annotation is not None, found.guess, found.owned)
            elif annotation is not None:
                table[arg.arg] = NOT_A_SESSION

    visit_AsyncFunctionDef = visit_FunctionDef

    def _returned(self, returns: Optional[ast.AST]) -> Optional[Session]:
        """The session a return annotation promises: ``Session``, ``Iterator[Session]``,
        ``AsyncGenerator[AsyncSession, None]``, ``AsyncContextManager[AsyncSession]``."""
        if isinstance(returns, ast.Subscript) and last_name(returns.value) in GENERATORS:
            inner = returns.slice
            returns = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
        return self.from_annotation(returns)

    def _module_level(self, name: str, value: ast.AST) -> bool:
        """A module-level definition another module may import: an alias, a factory, an
        engine, a Flask-SQLAlchemy object. True when ``value`` was one."""
        if isinstance(value, (ast.Subscript, ast.Name, ast.Attribute, ast.BinOp)):
            alias = self.from_annotation(value)
            if alias and (isinstance(value, ast.Subscript) or not is_ref(alias.kind)):
                self.aliases[name] = Session(f"alias `{name}` = {alias.evidence}", alias.kind)
                return True
            return False
        if not isinstance(value, ast.Call):
            return False
        func = value.func
        callee = last_name(func)
        qual = self.ctx.qualify(func) or ""
        if callee in FACTORY_NAMES:
            self.factories[name] = _factory_kind(value)
        elif callee in ("scoped_session", "async_scoped_session") and qual.startswith(DB_MODULES):
            kind = "async" if callee.startswith("async") else "sync"
            self.factories[name] = self.scoped[name] = kind  # callable, and a session proxy
        elif callee in ENGINE_FACTORIES and qual.startswith(DB_MODULES):
            self.engines[name] = ENGINE_FACTORIES[callee]
        elif qual in HOLDER_CLASSES or (isinstance(func, ast.Call)
                                        and self.ctx.qualify(func.func) in HOLDER_CLASS_GETTERS):
            self.holders[name] = "sync"
        else:
            return False
        return True

    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        if len(node.targets) != 1:
            return
        target = node.targets[0]
        if isinstance(target, ast.Attribute):
            if self._on_self(target):
                self._attribute(target, self.session_or_call(value), node.lineno)
            return
        if not isinstance(target, ast.Name):
            return
        name = target.id
        if self.ctx.scope.function is None and self.ctx.scope.cls is None \
                and self._module_level(name, value) and not isinstance(value, ast.Call):
            return  # an alias: a type, not a bound session
        statement = self.write_statement(value)
        if statement:
            self.statements.setdefault(self.ctx.scope.function, {})[name] = statement
        bound = self.session_or_call(value)
        # ``session = SessionLocal()`` in a function: opened here
        self._bind(name, bound, node.lineno, isinstance(value, ast.Call)
                   and self.ctx.scope.function is not None)

    def session_or_call(self, value: ast.AST) -> object:
        """What binding ``value`` to a name makes of it: a session, NOT_A_SESSION, or None."""
        if isinstance(value, (ast.Name, ast.Attribute)):
            return self.raw(value)
        return self.from_call(value)

    def _on_self(self, target: ast.Attribute) -> bool:
        """``self.x = ...`` in a method: worth asking what the value is."""
        function = self.ctx.scope.function
        return (isinstance(target.value, ast.Name) and target.value.id == "self"
                and function is not None and function in self.method_of)

    def _attribute(self, target: ast.Attribute, value: object, line: int) -> None:
        """``self.session = session`` in a method: the class holds a session."""
        function = self.ctx.scope.function
        cls = self.method_of.get(function) if function is not None else None
        if (cls is not None and isinstance(value, Session) and isinstance(target.value, ast.Name)
                and target.value.id == "self"):
            self._hold(cls.name, target.attr, value, "=")

    def _hold(self, cls: str, attr: str, found: Session, how: str) -> None:
        """The class's first word on what ``self.<attr>`` is (``=`` set, ``:`` declared)."""
        self.attributes.setdefault(cls, {}).setdefault(
            attr, found._replace(evidence=f"`self.{attr}`{' ' if how == '=' else ''}{how} {found.evidence}"))

    def visit_TypeAlias(self, node: ast.AST) -> None:
        """``type SessionDep = Annotated[Session, Depends(get_db)]`` (Python 3.12)."""
        name = getattr(node, "name", None)
        if isinstance(name, ast.Name) and self.ctx.scope.function is None:
            self._module_level(name.id, getattr(node, "value"))

    def visit_Yield(self, node: ast.Yield) -> None:
        """A function that yields a session is a dependency provider."""
        self._provides(node.value)

    def visit_Return(self, node: ast.Return) -> None:
        """... and so is one that returns a session."""
        self._provides(node.value)

    def _provides(self, value: Optional[ast.AST]) -> None:
        func = self.ctx.scope.function
        if value is None or not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        found = self.session_or_call(value)
        if isinstance(found, Session):
            self.providers.setdefault(func.name, found.kind)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        target, scope = node.target, self.ctx.scope
        if not isinstance(target, ast.Name):
            if isinstance(target, ast.Attribute):
                found = self.from_annotation(node.annotation)
                self._attribute(target, found or (self.session_or_call(node.value)
                                                  if node.value is not None else None),
                                node.lineno)
            return
        if scope.cls is not None and scope.function is None:  # ``session: Session`` field
            found = self.from_annotation(node.annotation)
            if found:
                self._hold(scope.cls.name, target.id, found, ":")
            return
        if (scope.function is None and node.value is not None
                and last_name(node.annotation) == "TypeAlias"):
            self._module_level(target.id, node.value)
            return
        bound: object = self.from_annotation(node.annotation) or (
            self.from_call(node.value) if node.value is not None else None)
        self._bind(target.id, bound if bound is not None else NOT_A_SESSION, node.lineno)

    def visit_withitem(self, node: ast.withitem) -> None:
        if isinstance(node.optional_vars, ast.Name):
            found = self.from_call(node.context_expr)
            if found is not None:
                self._bind(node.optional_vars.id, found, node.context_expr.lineno,
                           self.ctx.scope.function is not None)

    def exports(self) -> Dict[str, List[str]]:
        """What this module tells other modules, as the summary stores it: name ->
        [role, kind or reference] (see ``TYPE`` ...; providers are the functions' ``yields``)."""
        out: Dict[str, List[str]] = {}
        for name, found in self.aliases.items():
            out[name] = [TYPE, stored(found.kind)]
        for role, table in ((CALL, self.factories), (ENGINE, self.engines),
                            (HOLDER, self.holders)):
            for name, kind in table.items():
                out[name] = [role, stored(kind)]
        for name in self.scoped:
            out[name][0] = CALL + INSTANCE  # a scoped_session: call it, or use it as one
        for cls, attrs in self.attributes.items():
            for attr, found in attrs.items():
                out[f"{cls}.{attr}"] = [ATTRIBUTE, stored(found.kind)]
        return out

    # --- queries ----------------------------------------------------------------------------

    def raw(self, receiver: ast.AST) -> object:
        """What the file itself says ``receiver`` is: a Session (perhaps with an unresolved
        reference), NOT_A_SESSION, or None. The module summary stores this; rules ask
        ``session``."""
        if isinstance(receiver, ast.Name):
            name = receiver.id
            for scope in (self.ctx.scope.function, None):
                table = self.bound.get(scope, {})
                if name in table:
                    return table[name]
            if name in self.scoped:
                return Session(f"`{name}` (a scoped_session)", self.scoped[name])
            if (name in self.ctx.imports.aliases
                    and (self.ctx.qualify(receiver) or "").split(".")[0] in NON_DB_MODULES):
                return NOT_A_SESSION  # ``from flask import session``: the HTTP session
            project = self._project(receiver)
            if project is not None:
                return Session(f"`{name}`", ref(INSTANCE, project))
            return None
        if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name):
            owner, attr = receiver.value.id, receiver.attr
            if owner == "self":
                return self._self_attribute(attr)
            if attr == "session":
                if owner in self.holders:
                    return Session(f"`{owner}.session` (Flask-SQLAlchemy)", self.holders[owner])
                project = self._project(receiver.value)
                if project is not None:
                    return Session(f"`{owner}.session`", ref(HOLDER, project))
        return None

    def _self_attribute(self, attr: str) -> Optional[Session]:
        function = self.ctx.scope.function
        cls = self.method_of.get(function) if function is not None else None
        if cls is None:
            return None
        found = self.attributes.get(cls.name, {}).get(attr)
        if found is not None:
            return found
        for base in cls.bases:  # a repository base class that holds the session
            name = last_name(base)
            if name in self.attributes and attr in self.attributes[name]:
                return self.attributes[name][attr]
            project = self._project(base)
            if project is not None:
                return Session(f"`self.{attr}` (set in {dotted(base)})",
                               ref(ATTRIBUTE, f"{project}.{attr}"))
        return None

    def session(self, receiver: ast.AST) -> Optional[Session]:
        """The evidence that ``receiver`` is a DB session, or None."""
        found = self.raw(receiver)
        if found == NOT_A_SESSION:
            return None
        if isinstance(found, Session):
            resolved = self.resolve(found)
            if resolved is not None or found.typed:
                return resolved  # typed as a project type that is no session: not one
        if isinstance(receiver, ast.Name) and receiver.id in self.ctx.config.session_names:
            return Session(f"`{receiver.id}` (a name in session-names)", None)
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
        func = call.func  # its last name, when no import can rename it: most calls end here
        last = func.attr if isinstance(func, ast.Attribute) else func.id if (
            isinstance(func, ast.Name) and func.id not in self.ctx.imports.aliases) else None
        if last is not None and last != "text" and last not in STATEMENT_WRITES:
            return None
        qual = self.ctx.qualify(call.func) or ""
        name = qual.split(".")[-1] if qual else last_name(call.func)
        if name == "text" and call.args:
            sql = sql_prefix(call.args[0])
            match = SQL_WRITE_RE.match(sql or "")
            return f"text(\"{match.group(1).upper()} ...\")" if match else None
        if name in STATEMENT_WRITES:
            if qual.startswith(DB_MODULES):
                return f"{name}()"
            if isinstance(call.func, ast.Attribute) and not call.args:
                return f"{dotted(call.func) or name}()"
        return None

    def write(self, call: ast.Call) -> Optional[Tuple[str, ast.AST]]:
        """``session.add(x)`` -> ("`session.add()`", the receiver); None if not a write.
        ``session.query(T).filter(...).delete()`` is a write on ``session``."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return None
        method = func.attr
        if method in ("update", "delete") and isinstance(func.value, ast.Call):
            query = root_call(func.value)
            if (query is not None and isinstance(query.func, ast.Attribute)
                    and query.func.attr == "query"):
                shown = dotted(query.func.value) or "<session>"
                return f"`{shown}.query(...).{method}()`", query.func.value
            return None
        receiver = dotted(func.value) or "<session>"
        if method in WRITE_METHODS or method.startswith("bulk_"):
            return f"`{receiver}.{method}()`", func.value
        if method in EXECUTE_METHODS and call.args:
            statement = self.write_statement(call.args[0])
            if statement:
                return f"`{receiver}.{method}({statement})`", func.value
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
