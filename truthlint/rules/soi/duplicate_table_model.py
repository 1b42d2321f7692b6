"""SOI001: two ORM models that map to one table."""

from __future__ import annotations

from ...project.view import IndexView
from ..base import ProjectRule, RuleDoc


class DuplicateTableModel(ProjectRule):
    """SOI001: two ORM models for one table."""

    doc = RuleDoc(
        code="SOI001",
        name="duplicate-table-model",
        severity="architecture",
        message="model {model} maps table '{table}', as does {others} — keep one model per "
                "table and import it everywhere",
        summary="Flags two ORM models in the project that map to the same table — by explicit "
                "`__tablename__`, SQLModel's default name (`table=True`: the lower-cased class "
                "name) or `Table(\"name\", ...)` — on both classes, each naming the other.",
        rationale="The seed's `db.py` and `models/costsim_cb.py` defined sync and async twins of "
                  "the circuit-breaker tables: two schemas for one table drift apart silently "
                  "until a migration or a write breaks.",
        seed="SOI-001, STI-008",
        bad="""# app/db.py
class CostSimCBState(SQLModel, table=True):
    __tablename__ = "costsim_cb_state"
# app/models/costsim_cb.py
class CostSimCBStateModel(SQLModel, table=True):
    __tablename__ = "costsim_cb_state"
""",
        good="""# app/models/costsim_cb.py   (the one model)
class CostSimCBState(SQLModel, table=True):
    __tablename__ = "costsim_cb_state"
# app/db.py
from app.models.costsim_cb import CostSimCBState
""",
        limits=(
            "Abstract bases (`__abstract__ = True`, SQLModel classes without `table=True`) and "
            "schema migrations are not models: Alembic revisions and `env.py`, Django migrations "
            "(told by their content, wherever they live) and files under `alembic/` or "
            "`migrations/`; a re-export is the same model.",
            "Two models of one table under different declarative bases or `MetaData` objects "
            "are not compared: they may live in different databases (one storage backend or "
            "another, each with its own `Base`). A base re-exported under another module path "
            "counts as a different base, so such a duplicate is missed.",
            "SQLAlchemy declarative classes without an explicit `__tablename__` (names made by a "
            "`declared_attr` on a base) are not seen.",
        ),
    )

    def judge(self, view: IndexView) -> None:
        models = view.summary["models"]
        for cls, table, line, col, registry in models:
            others = [f"`{c}` ({view.path_of(m)}:{n})" for m, c, n in view.same_table(table, registry)]
            others += [f"`{c}` (line {n})" for c, t, n, _, r in models
                       if t == table and c != cls and r == registry]
            if others:
                self.report(line, col, model=f"`{cls}`", table=table,
                            others=", ".join(sorted(others)))
