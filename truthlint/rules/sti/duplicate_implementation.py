"""STI014 (opt-in): two classes of one role in different modules whose names normalise to the same word."""

from __future__ import annotations

from typing import List

from ...project.view import IndexView
from ..base import ProjectRule, RuleDoc

ABSTRACT_BASES = frozenset({"Protocol", "ABC", "ABCMeta", "typing.Protocol", "abc.ABC"})


class DuplicateImplementation(ProjectRule):
    """STI014 (opt-in): two classes of one role whose names normalise to the same word."""

    doc = RuleDoc(
        code="STI014",
        name="duplicate-implementation",
        severity="quality",
        message="class {cls} duplicates the role of {others} — finish the migration to one "
                "implementation and delete the other",
        summary="Flags two classes of the same role (the last word of the name: `Middleware`, "
                "`Engine`, `Service` …) in different modules whose names normalise to the same "
                "word (`TenancyMiddleware` / `TenantMiddleware`): the legacy/new debt pair. "
                "Opt-in: enable it with `--extend-select STI014`.",
        rationale="The seed's middleware/ kept an old and a new TenancyMiddleware, and two RBAC "
                  "implementations enforced different rules (STI-014, PEI-001).",
        seed="STI-014, PEI-001",
        bad="""# app/middleware/tenancy.py
class TenancyMiddleware: ...
# app/middleware/tenant.py
class TenantMiddleware: ...
""",
        good="""# app/middleware/tenant.py
class TenantMiddleware: ...   # the one implementation
""",
        limits=(
            "Protocols, ABCs, abstract bases and classes that inherit from each other are not "
            "duplicates; test doubles (`Fake*`, `Mock*`, `Stub*`, `Dummy*`) are ignored.",
            "Name normalisation is a light stemmer: it pairs `Tenancy`/`Tenant`, not synonyms.",
        ),
        opt_in=True,
    )

    def judge(self, view: IndexView) -> None:
        for name, (line, bases, abstract, key) in sorted(view.summary["classes"].items()):
            if key is None or abstract or ABSTRACT_BASES & set(bases):
                continue
            others = [(m, c, n) for m, c, n, b in view.index.entry("roles", key) or ()
                      if m != view.module and c != name and not ABSTRACT_BASES & set(b)
                      and name not in {x.split(".")[-1] for x in b} and not self._related(c, bases)]
            if others:
                shown = ", ".join(f"`{c}` ({view.path_of(m)}:{n})" for m, c, n in sorted(others))
                self.report(line, 0, cls=f"`{name}`", others=shown)

    @staticmethod
    def _related(other: str, bases: List[str]) -> bool:
        return other in {b.split(".")[-1] for b in bases}
