"""SOI004: commit, rollback or begin on a DB session outside the transaction owners."""

from __future__ import annotations

import ast
import re
from typing import Dict, List, Optional, Tuple, cast

from ...core.context import FileContext
from ...facts.methods import is_generator, parameters
from ...facts.roles import Roles
from ...facts.routes import Routes
from ...facts.sessions import SessionFacts
from ..base import Rule, RuleDoc

TRANSACTION_RE = re.compile(r"\.(?:commit|rollback)\(")
ENDS = frozenset({"commit", "rollback"})  # (``begin()`` on a session already in a transaction
#                                           raises: it starts one, it ends no one's)


class TransactionOutsideOwner(Rule):
    """SOI004: commit/rollback/begin on a session outside the transaction owners."""

    doc = RuleDoc(
        code="SOI004",
        name="transaction-outside-owner",
        severity="architecture",
        message="{call} in {where} ends a transaction it did not open; {module} {roles} — "
                "flush instead: commit and rollback belong to the code that opened the session",
        evidence="receiver {receiver}{why}",
        summary="Flags `commit()` and `rollback()` on a DB session the function was handed — a "
                "parameter or a dependency, not one it opened — in a model, schema or "
                "configuration module, or, once the project names its `transaction-owners`, "
                "in any module outside them that no role makes an owner: a helper ending its "
                "caller's transaction. "
                "Owners are told by behaviour first and names second: route handlers (the "
                "request's unit of work), services, repositories / CRUD / DAOs / stores and "
                "classes that hold their own session, units of work (commands, transaction "
                "decorators, middleware), workers' tasks, scripts and entrypoints, migrations, "
                "and whatever `transaction-owners` names.",
        rationale="A commit in a helper ends whatever its caller had pending: the caller's "
                  "other writes are committed half-done, or a rollback throws them away. The "
                  "seed's CI signal \"transaction ownership\" was ~20% precise as a grep, and "
                  "this rule at 16% while it judged by directory (`services` only); on real "
                  "backends the owners are route handlers, CRUD modules, commands and "
                  "repositories as often as services.",
        seed="CI signal \"transaction ownership\"",
        bad="""# app/models/tags.py
def get_or_create_tag(session: Session, name: str) -> Tag:
    tag = session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        tag = Tag(name=name)
        session.add(tag)
        session.commit()   # ends the caller's transaction
    return tag
""",
        good="""# app/models/tags.py
def get_or_create_tag(session: Session, name: str) -> Tag:
    tag = session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        tag = Tag(name=name)
        session.add(tag)
        session.flush()    # the caller that opened the session commits
    return tag
""",
        options=("transaction-owners", "roles", "session-names"),
        limits=(
            "A function that opens its own session (`with Session(engine) as s`, "
            "`async with session_maker() as s`, `s = SessionLocal()`) owns its transaction; a "
            "generator dependency that yields the session owns the request's; a `rollback()` "
            "in an `except` handler cleans up; `begin_nested()` is a savepoint: none of these "
            "is flagged.",
            "Route handlers and the modules that declare routes are the request's unit of "
            "work, as FastAPI's documentation writes them: their commits are not flagged, and "
            "a handler's own writes are STI001's. So a project whose convention puts every "
            "commit in commands or repositories is not told when a handler commits itself.",
            "A `# Role: service` header in a file's first lines, or a `roles` table entry "
            "for its directory, says what a module is over anything truthlint infers.",
            "Roles by name are generous (`services/`, `crud.py`, `*_repository.py`, "
            "`tasks/`, a class named `…Service`, `…Repository`, `…Client`, `…Command` …): a "
            "helper in such a module is an owner. Precision first: a missed commit is cheaper "
            "than a wrong one.",
            "Whether a caller handed the helper a session it opened just for it is not "
            "followed: such a helper is flagged although it ends no one else's work.",
            "Test files (`tests/`, `test_*.py`, `*_test.py`, `conftest.py`) and migrations are "
            "not checked.",
            "Only a session the function was handed (a parameter, a dependency) is borrowed; a "
            "module's shared session (Flask-SQLAlchemy's `db.session`, a module-level "
            "`scoped_session`) is handed in by no one, and whose transaction a commit on it "
            "ends is unknown: not flagged.",
            "A module no role places (neither an owner nor a model, schema or configuration "
            "module) is judged only once the project names its `transaction-owners`: on six "
            "real backends every such finding (8 of 8) was a helper its callers open a "
            "session for — a deliberate unit of work — and telling that from a helper that "
            "ends its caller's work needs the callers' arguments followed, which the rule "
            "does not do. Without declared owners it speaks where the role is clear: a "
            "model, schema or configuration module owns no transaction (2 of 2 true on the "
            "corpus, docs/precision.md; few findings, by design).",
        ),
    )
    needs = (SessionFacts, Routes, Roles)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return (ctx.location.module is not None and TRANSACTION_RE.search(ctx.text) is not None
                and not configured_owner(ctx))

    def begin(self) -> None:
        self.facts = self.ctx.collector(SessionFacts)  # once per file, not per call
        self.generators: Dict[ast.AST, bool] = {}
        # (call, receiver's evidence, function) in walk order, judged once roles are known
        self.calls: List[Tuple[ast.Call, str, ast.AST]] = []

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        scope = self.ctx.scope
        if (scope.type_checking or not isinstance(func, ast.Attribute) or func.attr not in ENDS
                or (func.attr == "rollback" and scope.error_path)):
            return  # a rollback in an error handler cleans up
        function = scope.function
        if function is None or not self._parameter(function, func.value):
            return  # only a session handed in is borrowed; a shared global one is unknown
        session = self.facts.session(func.value)
        if session is None or session.owned:
            return  # not a session, or one this function opened: it owns its transaction
        if function not in self.generators:
            self.generators[function] = is_generator(function)
        if self.generators[function]:
            return  # a dependency that yields the session owns the request's transaction
        self.calls.append((node, session.evidence, function))

    def _parameter(self, function: ast.AST, receiver: ast.AST) -> bool:
        """``receiver`` is a parameter of ``function`` or of a function holding it."""
        if not isinstance(receiver, ast.Name):
            return False
        parents = self.ctx.collector(Routes).parent
        inner: Optional[ast.AST] = function
        while inner is not None:
            if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                    arg.arg == receiver.id for arg, _ in parameters(inner)):
                return True
            inner = parents.get(inner)
        return False

    def end(self) -> None:
        roles = self.ctx.collector(Roles)
        shown = roles.module_roles()
        if not shown and not self.ctx.config.transaction_owners:
            return  # a module no role places, in a project that names no owners: whether its
            # callers open a session just for it is unknown, so nothing is said
        for node, evidence, function in self.calls:
            func = cast(ast.Attribute, node.func)
            if roles.owner(function, func.value) is not None:
                continue
            where = getattr(function, "name", "lambda")  # (a function: module level is never judged)
            owners = ", ".join(self.ctx.config.transaction_owners)
            role = ("is " + " and ".join(f"a {r} module" for r in shown)
                    + ", which owns no transactions" if shown
                    else f"is outside the declared transaction owners ({owners})")
            why = "".join(f"; {r} module: {because}" for r, because in shown.items())
            self.report(node, call=f"`{ast.unparse(func.value)}.{func.attr}()`",
                        where=f"`{where}`", module=self.ctx.location.module, roles=role,
                        receiver=evidence, why=why)


def configured_owner(ctx: FileContext) -> bool:
    """The module is inside a package or layer that ``transaction-owners`` names."""
    loc = ctx.location
    module = cast(str, loc.module)
    relative = ".".join(module.split(".")[1:])
    for owner in ctx.config.transaction_owners:
        if owner.upper().startswith("L") and owner[1:2].isdigit():
            if loc.layer == int(owner[1]):
                return True
        elif any(m == owner or m.startswith(owner + ".") for m in (module, relative)):
            return True
    return False
