"""TBV004: a module-level import that closes an import cycle."""

from __future__ import annotations

from typing import Set, Tuple

from ...project.graph import abridged
from ...project.view import IndexView
from ..base import ProjectRule, RuleDoc


class ImportCycle(ProjectRule):
    """TBV004: a module-level import that closes a cycle."""

    doc = RuleDoc(
        code="TBV004",
        name="import-cycle",
        severity="architecture",
        identity=("imported",),
        message="import of {imported} closes an import cycle: {cycle} — move what both need "
                "into a module they both import, or import it inside the function that uses it",
        evidence="{whole}",
        summary="Flags a module-level import that is an edge of a cycle in the project's "
                "module-level import graph, on every such import in the file; the message lists "
                "the shortest cycle through it (past four modules its first two, the count "
                "and the way back; `--verbose` shows it whole). The graph comes from the project index.",
        rationale="The seed's dependency map recorded \"circular dependencies: 0\" as a health "
                  "metric; a cycle makes import order matter, breaks partial imports and hides "
                  "layering mistakes. The metric stays true only if every new edge is checked.",
        seed="seed metric \"circular dependencies: 0\"",
        bad="""# app/services/runs.py
from app.policy.engine import evaluate
# app/policy/engine.py
from app.services.runs import Run
""",
        good="""# app/contracts/runs.py   (both import the shared type from here)
class Run: ...
""",
        limits=(
            "Imports inside functions and under `if TYPE_CHECKING:` do not run at import and "
            "are not edges.",
            "An import of `a.b.c` is an edge to that module only, not to the packages `a` and "
            "`a.b` whose `__init__` also runs.",
            "The cycle shown is the shortest one through the import when the search from the "
            "file finds it within 512 modules; in a larger tangle (hundreds of modules in one "
            "cycle) it is a true cycle through the best of the component's eight "
            "best-connected modules, not always the shortest. The finding itself does not "
            "depend on this: every import inside a cycle is flagged. (The bound keeps the "
            "search linear in the project's size.)",
        ),
    )

    def judge(self, view: IndexView) -> None:
        reported: Set[Tuple[int, str]] = set()
        for target, line, col, _, shown in view.own_edges():
            if (line, target) in reported:
                continue
            cycle = view.cycle(target)
            if cycle:
                reported.add((line, target))
                whole, short = " → ".join(cycle), " → ".join(abridged(cycle, 2))
                self.report(line, col, imported=target, cycle=short,
                            whole=whole if short != whole else "")
