"""SOI004: commit, rollback or begin on a DB session outside the transaction owners."""

from __future__ import annotations

import ast
from typing import Dict

from ...core.context import FileContext
from ...facts.methods import is_generator
from ...facts.routes import Routes
from ...facts.sessions import TRANSACTION_METHODS, SessionFacts
from ..base import Rule, RuleDoc


class TransactionOutsideOwner(Rule):
    """SOI004: commit/rollback/begin on a session outside the transaction owners."""

    doc = RuleDoc(
        code="SOI004",
        name="transaction-outside-owner",
        message="{call} controls a transaction in {module}, outside the transaction owners "
                "({owners}); receiver {receiver} — let the owning service commit or roll back",
        summary="Flags `commit()`, `rollback()`, `begin()` and `begin_nested()` on a DB session "
                "(same receiver rules as STI001) in a module outside `transaction-owners` "
                "(default: the `services` package).",
        rationale="The seed's CI signal \"transaction ownership\" was ~20% precise as a grep "
                  "because `write_service.commit()` is correct delegation. Only the services "
                  "that own an entity's writes should decide when its transaction ends.",
        seed="CI signal \"transaction ownership\"",
        bad="""# app/worker/runner.py
def finish_run(session: Session, run: Run):
    run.status = "done"
    session.commit()
""",
        good="""# app/worker/runner.py
def finish_run(runs: RunWriteService, run: Run):
    runs.mark_done(run)
""",
        options=("transaction-owners", "session-names"),
        limits=(
            "Generator dependencies that `yield` the session (the unit-of-work provider "
            "pattern) own the request's transaction and are not flagged.",
            "Test files (`tests/`, `test_*.py`, `*_test.py`, `conftest.py`) are not checked.",
            "A route handler's `commit()` of a row it changed itself is the handler's DB write, "
            "reported by STI001 instead.",
            "A function that opens its own session (`with Session(engine) as s`, "
            "`async with session_maker() as s`, `s = SessionLocal()`) owns its transaction; a "
            "`rollback()` in an `except` handler cleans up; `begin_nested()` is a savepoint: "
            "none of these is flagged.",
        ),
    )
    needs = (SessionFacts, Routes)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        loc = ctx.location
        if loc.module is None:
            return False
        relative = ".".join(loc.module.split(".")[1:])
        for owner in ctx.config.transaction_owners:
            if owner.upper().startswith("L") and owner[1:2].isdigit():
                if loc.layer == int(owner[1]):
                    return False
            elif any(m == owner or m.startswith(owner + ".") for m in (loc.module, relative)):
                return False
        return True

    def begin(self) -> None:
        self.facts = self.ctx.collector(SessionFacts)  # once per file, not per call
        self.routes = self.ctx.collector(Routes)
        self.generators: Dict[ast.AST, bool] = {}

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        scope = self.ctx.scope
        if (scope.type_checking or not isinstance(func, ast.Attribute)
                or func.attr not in TRANSACTION_METHODS or func.attr == "begin_nested"
                or (func.attr == "rollback" and scope.error_path)):
            return  # a savepoint ends nothing; a rollback in an error handler cleans up
        session = self.facts.session(func.value)
        if session is None or session.owned:
            return  # not a session, or one this function opened: it owns its transaction
        function = self.ctx.scope.function
        if function is not None:
            if function not in self.generators:
                self.generators[function] = is_generator(function)
            if self.generators[function]:
                return  # a dependency that yields the session owns the request's transaction
            if func.attr == "commit" and self.routes.persisted(function, node.lineno):
                return  # a route handler writing a row it changed: STI001's
        owners = ", ".join(self.ctx.config.transaction_owners) or "none configured"
        receiver_text = f"{ast.unparse(func.value)}.{func.attr}()"
        self.report(node, call=f"`{receiver_text}`", module=self.ctx.location.module,
                    owners=owners, receiver=session.evidence)
