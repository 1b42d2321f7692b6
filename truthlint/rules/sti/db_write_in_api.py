"""STI001: a database write made directly in an L2 (HTTP API) module."""

from __future__ import annotations

import ast

from ...core.context import FileContext
from ...facts.sessions import SessionFacts
from ..base import Rule, RuleDoc


class DbWriteInApi(Rule):
    """STI001: DB writes in L2 modules."""

    doc = RuleDoc(
        code="STI001",
        name="db-write-in-api",
        message="DB write {call} in L2 module {module} (layer from {origin}); receiver "
                "{receiver} — move the write into an L4 service and call that service instead",
        summary="Flags a database write made directly inside an L2 (HTTP API) module: "
                "`session.add/add_all/delete/merge/flush/bulk_*`, and `execute`/`exec` of "
                "`insert()/update()/delete()` statements or of raw SQL that starts with INSERT, "
                "UPDATE, DELETE, UPSERT, MERGE, REPLACE, CREATE, DROP, ALTER or TRUNCATE. The "
                "receiver must be known to be a DB session or connection: by annotation "
                "(`Session`, `AsyncSession`, `Connection`, an `Annotated[Session, ...]` alias), "
                "`Depends(get_db)`-style defaults, `with Session(engine) as s`, "
                "`async with async_session() as s`, assignment from a session factory, or one "
                "of the conventional names in `session-names`.",
        rationale="The seed's Phase 2B guarantee is \"no DB writes in L2 APIs — all writes "
                  "owned by L4 services\". A route that writes directly couples HTTP shape to "
                  "persistence and bypasses the write services that own each entity. The grep "
                  "gate the seed's team tried was ~5% precise because it flagged reads; this "
                  "rule only flags writes on receivers known to be sessions.",
        seed="STI-001, Phase 2B guarantee",
        bad="""# app/api/items.py
@router.post("/items")
def create_item(item: ItemIn, session: Session = Depends(get_session)):
    session.add(Item(**item.dict()))
    session.commit()
""",
        good="""# app/api/items.py
@router.post("/items")
def create_item(item: ItemIn, items: ItemWriteService = Depends(get_item_service)):
    return items.create(item)
""",
        options=("session-names", "layers"),
        limits=(
            "Only the receiver kinds listed above count as sessions; a session passed through "
            "an untyped helper argument with an unconventional name is not seen.",
            "Writes made by calling a project helper that writes are not followed (the project "
            "index will add this).",
            "`commit()`/`rollback()` are SOI004's, so one line never carries both codes.",
        ),
    )
    needs = (SessionFacts,)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return ctx.location.layer == 2

    def begin(self) -> None:
        self.facts = self.ctx.collector(SessionFacts)  # once per file, not per call

    def visit_Call(self, node: ast.Call) -> None:
        if self.ctx.scope.type_checking or not isinstance(node.func, ast.Attribute):
            return
        facts = self.facts
        write = facts.write(node)
        if write is None:
            return
        session = facts.session(node.func.value)
        if session is None:
            return
        loc = self.ctx.location
        self.report(node, call=write, module=loc.module, origin=loc.layer_origin,
                    receiver=session.evidence)
