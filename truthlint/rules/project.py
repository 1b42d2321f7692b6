"""Rules that need the whole project: import cycles, one table per model, duplicate classes."""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Set, Tuple

from ..summary import Summary
from .base import Rule

MIGRATION_DIRS = ("alembic", "migrations")


class ImportCycle(Rule):
    """TBV004: a module-level import that closes a cycle."""

    codes = ("TBV004",)
    needs = (Summary,)

    @classmethod
    def applies(cls, ctx) -> bool:  # type: ignore[no-untyped-def]
        return ctx.location.module is not None

    def end(self) -> None:
        view = self.ctx.view()
        if view is None:
            return
        reported: Set[Tuple[int, str]] = set()
        for target, line, col, _, shown in view.own_edges():
            if (line, target) in reported:
                continue
            cycle = view.cycle(target)
            if cycle:
                reported.add((line, target))
                self.ctx.report("TBV004", line, col, imported=target,
                                cycle=" → ".join(cycle))


class DuplicateTableModel(Rule):
    """SOI001: two ORM models for one table."""

    codes = ("SOI001",)
    needs = (Summary,)

    @classmethod
    def applies(cls, ctx) -> bool:  # type: ignore[no-untyped-def]
        loc = ctx.location
        return loc.module is not None and not set(loc.parts[:-1]) & set(MIGRATION_DIRS)

    def end(self) -> None:
        view = self.ctx.view()
        if view is None:
            return
        models = view.summary["models"]
        for cls, table, line, col in models:
            others = [f"`{c}` ({view.path_of(m)}:{n})" for m, c, n in view.same_table(table)]
            others += [f"`{c}` (line {n})" for c, t, n, _ in models if t == table and c != cls]
            if others:
                self.ctx.report("SOI001", line, col, model=f"`{cls}`", table=table,
                                others=", ".join(sorted(others)))


CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|\d+")
STEM_SUFFIXES = ("ancy", "ency", "ance", "ence", "ant", "ent", "ing", "ies", "es", "s", "y")
ABSTRACT_BASES = frozenset({"Protocol", "ABC", "ABCMeta", "typing.Protocol", "abc.ABC"})
DOUBLE_PREFIXES = ("Fake", "Mock", "Stub", "Dummy", "Test")


def _stem(word: str) -> str:
    word = word.lower()
    for suffix in STEM_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def role_key(name: str) -> Optional[str]:
    """``TenancyMiddleware`` and ``TenantMiddleware`` -> ``tenan|middleware``."""
    words = CAMEL_RE.findall(name)
    if len(words) < 2 or name.startswith(DOUBLE_PREFIXES):
        return None
    return "".join(_stem(w) for w in words[:-1]) + "|" + words[-1].lower()


class DuplicateImplementation(Rule):
    """STI014 (opt-in): two classes of one role whose names normalise to the same word."""

    codes = ("STI014",)
    needs = (Summary,)

    @classmethod
    def applies(cls, ctx) -> bool:  # type: ignore[no-untyped-def]
        return ctx.location.module is not None

    def end(self) -> None:
        view = self.ctx.view()
        if view is None:
            return
        by_key = self._classes_by_key(view)
        for name, (line, bases, abstract) in sorted(view.summary["classes"].items()):
            key = role_key(name)
            if key is None or abstract or ABSTRACT_BASES & set(bases):
                continue
            others = [(m, c, n) for m, c, n, b in by_key.get(key, ())
                      if m != view.module and c != name
                      and name not in {x.split(".")[-1] for x in b} and not self._related(c, bases)]
            if others:
                shown = ", ".join(f"`{c}` ({view.path_of(m)}:{n})" for m, c, n in sorted(others))
                self.ctx.report("STI014", line, 0, cls=f"`{name}`", others=shown)

    @staticmethod
    def _related(other: str, bases: List[str]) -> bool:
        return other in {b.split(".")[-1] for b in bases}

    @staticmethod
    def _classes_by_key(view):  # type: ignore[no-untyped-def]
        def compute() -> Dict[str, List[Tuple[str, str, int, List[str]]]]:
            roles: Dict[str, List[Tuple[str, str, int, List[str]]]] = {}
            for module, summary in view.index.modules.items():
                for name, (line, bases, abstract) in summary["classes"].items():
                    key = role_key(name)
                    if key and not abstract and not ABSTRACT_BASES & set(bases):
                        roles.setdefault(key, []).append((module, name, line, bases))
            return roles

        return view.index.memo("roles", compute)
