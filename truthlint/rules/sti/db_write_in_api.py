"""STI001: a database write made directly in an HTTP route handler."""

from __future__ import annotations

import ast
import re
from typing import List, Optional, Set, Tuple

from ...core.context import FileContext
from ...facts.routes import Routes
from ...facts.sessions import EXECUTE_METHODS, WRITE_METHODS, Session, SessionFacts
from ..base import Rule, RuleDoc

WRITE_RE = re.compile(r"\.(?:add|add_all|delete|merge|flush|bulk_\w+|execute|exec|executemany|"
                      r"scalars?|commit|update)\(")

METHODS = WRITE_METHODS | EXECUTE_METHODS | {"update", "commit"}  # what write() can answer for


class DbWriteInApi(Rule):
    """STI001: DB writes in route handlers (and in modules declared L2)."""

    doc = RuleDoc(
        code="STI001",
        name="db-write-in-api",
        severity="architecture",
        message="DB write {call} in {where} — move the write into a service or repository "
                "and call that instead",
        evidence="{why}; receiver {receiver}",
        summary="Flags a database write made directly inside an HTTP route handler, wherever "
                "its module lives: `session.add/add_all/delete/merge/flush/bulk_*`, "
                "`session.query(...).update()/.delete()`, and `execute`/`exec` of "
                "`insert()/update()/delete()` statements or of raw SQL that starts with INSERT, "
                "UPDATE, DELETE, UPSERT, MERGE, REPLACE, CREATE, DROP, ALTER or TRUNCATE; and a "
                "`commit()` that persists a change the handler made to a loaded object "
                "(`run.status = ...` or `setattr(...)`, then `session.commit()`). A handler is "
                "a function registered as a route (`@router.post(\"/x\")`, `@app.get`, "
                "`@bp.route`, Flask-AppBuilder's `@expose`, Litestar's `@post`, "
                "`add_api_route(...)`, Starlette's `Route(...)`) or a function nested in one. In "
                "a module the project declares L2 (a `# Layer: L2` header or the `layers` "
                "table), every write is flagged. The receiver must be known to be a DB session "
                "or connection, by evidence followed across modules (see TBV003): an "
                "annotation or an alias of one (`SessionDep`), a `Depends(...)` that yields a "
                "session, `with Session(engine) as s`, a session factory, `engine.connect()`, "
                "`self.session`, Flask-SQLAlchemy's `db.session`, or one of the conventional "
                "names in `session-names`.",
        rationale="The seed's Phase 2B guarantee is \"no DB writes in L2 APIs — all writes "
                  "owned by L4 services\". A route that writes directly couples HTTP shape to "
                  "persistence and bypasses the write services that own each entity. The grep "
                  "gate the seed's team tried was ~5% precise because it flagged reads; this "
                  "rule only flags writes on receivers known to be sessions, and only in route "
                  "handlers unless the project declares a module L2.",
        seed="STI-001, Phase 2B guarantee",
        bad="""# app/api/deps.py
SessionDep = Annotated[Session, Depends(get_db)]

# app/api/routes/items.py
@router.post("/items")
def create_item(item: ItemIn, session: SessionDep):
    session.add(Item(**item.dict()))
    session.commit()
""",
        good="""# app/api/routes/items.py
@router.post("/items")
def create_item(item: ItemIn, items: ItemWriteService = Depends(get_item_service)):
    return items.create(item)
""",
        options=("session-names", "layers", "layer-preset"),
        limits=(
            "Only the receiver kinds listed above count as sessions; a session passed through "
            "an untyped helper argument with an unconventional name is not seen.",
            "A helper that only route handlers call (in the same module or another) is not a "
            "handler: its writes are not flagged, and neither are writes made by calling a "
            "project function that writes.",
            "A `commit()` after writes the handler made through other functions (a CRUD call, "
            "then commit) is transaction control, SOI004's; so is `rollback()`. One line "
            "never carries both codes.",
            "In a module the project declares L2 (in `layers`, a chosen `layer-preset` or a "
            "`# Layer: L2` header) every write is flagged, in helpers too; elsewhere only "
            "writes in route handlers are.",
        ),
    )
    needs = (SessionFacts, Routes)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return WRITE_RE.search(ctx.text) is not None

    def begin(self) -> None:
        self.facts = self.ctx.collector(SessionFacts)  # once per file, not per call
        self.routes = self.ctx.collector(Routes)
        loc = self.ctx.location
        self.declared = loc.layer == 2 and loc.declared
        # (call, write text, session, function) in walk order, judged in end()
        self.writes: List[Tuple[ast.Call, str, Session, Optional[ast.AST]]] = []

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or self.ctx.scope.type_checking or not (
                func.attr in METHODS or func.attr.startswith("bulk_")):
            return
        facts = self.facts
        found = facts.write(node)
        function = self.ctx.scope.function
        if found is None:
            if func.attr != "commit":
                return
            persisted = self.routes.persisted(function, node.lineno)
            if persisted is None:
                return
            line, change = persisted
            text = f"`{ast.unparse(func)}()` persisting {change} (line {line})"
            receiver: ast.AST = func.value
        else:
            text, receiver = found
        session = facts.session(receiver)
        if session is not None:
            self.writes.append((node, text, session, function))

    def end(self) -> None:
        written: Set[Optional[ast.AST]] = set()
        for node, text, session, function in self.writes:
            commit = isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
            if commit and function in written:
                continue  # the handler's writes are reported; the commit only completes them
            written.add(function)
            if self.declared:
                loc = self.ctx.location
                where, why = f"L2 module {loc.module}", f"layer from {loc.layer_origin}"
            else:
                handler = self.routes.handler(function)
                if handler is None:
                    continue
                where, why = f"route handler `{handler[0]}`", f"a route: {handler[1]}"
            self.report(node, call=text, where=where, why=why, receiver=session.evidence)
