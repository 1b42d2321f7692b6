"""Rules that need the whole project: import cycles, one table per model, duplicate classes."""

from __future__ import annotations

from typing import List, Set, Tuple

from ..project.view import IndexView
from ..project.layout import MIGRATION_DIRS
from ..facts.summary import Summary
from ..core.context import FileContext
from ..project.view import view_of
from .base import Rule


class ProjectRule(Rule):
    """A rule judged once the walk is done, against the project index."""

    needs = (Summary,)
    from_index = True

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return ctx.location.module is not None

    def end(self) -> None:
        view = view_of(self.ctx)
        if view is not None:
            self.judge(view)

    def judge(self, view: IndexView) -> None:
        raise NotImplementedError


class ImportCycle(ProjectRule):
    """TBV004: a module-level import that closes a cycle."""

    codes = ("TBV004",)

    def judge(self, view: IndexView) -> None:
        reported: Set[Tuple[int, str]] = set()
        for target, line, col, _, shown in view.own_edges():
            if (line, target) in reported:
                continue
            cycle = view.cycle(target)
            if cycle:
                reported.add((line, target))
                self.report("TBV004", line, col, imported=target,
                                cycle=" → ".join(cycle))


class DuplicateTableModel(ProjectRule):
    """SOI001: two ORM models for one table."""

    codes = ("SOI001",)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return super().applies(ctx) and not set(ctx.location.parts[:-1]) & set(MIGRATION_DIRS)

    def judge(self, view: IndexView) -> None:
        models = view.summary["models"]
        for cls, table, line, col in models:
            others = [f"`{c}` ({view.path_of(m)}:{n})" for m, c, n in view.same_table(table)]
            others += [f"`{c}` (line {n})" for c, t, n, _ in models if t == table and c != cls]
            if others:
                self.report("SOI001", line, col, model=f"`{cls}`", table=table,
                                others=", ".join(sorted(others)))


ABSTRACT_BASES = frozenset({"Protocol", "ABC", "ABCMeta", "typing.Protocol", "abc.ABC"})


class DuplicateImplementation(ProjectRule):
    """STI014 (opt-in): two classes of one role whose names normalise to the same word."""

    codes = ("STI014",)

    def judge(self, view: IndexView) -> None:
        by_key = view.index.roles()
        for name, (line, bases, abstract, key) in sorted(view.summary["classes"].items()):
            if key is None or abstract or ABSTRACT_BASES & set(bases):
                continue
            others = [(m, c, n) for m, c, n, b in by_key.get(key, ())
                      if m != view.module and c != name and not ABSTRACT_BASES & set(b)
                      and name not in {x.split(".")[-1] for x in b} and not self._related(c, bases)]
            if others:
                shown = ", ".join(f"`{c}` ({view.path_of(m)}:{n})" for m, c, n in sorted(others))
                self.report("STI014", line, 0, cls=f"`{name}`", others=shown)

    @staticmethod
    def _related(other: str, bases: List[str]) -> bool:
        return other in {b.split(".")[-1] for b in bases}
