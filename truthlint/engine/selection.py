"""Which codes a run reports and which rules it therefore runs: the one place code selection
is decided (the command's ``--select``/``--ignore``, the defaults, the rules behind a code).

flake8 decides its own selection; its adapter turns flake8's answer into the codes to run.
"""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Type

from ..core.context import FileContext, Phase
from ..rules import ALL_RULES
from ..rules.base import Rule
from ..rules.registry import RULES

CODE_RE = re.compile(r"^[A-Z]{1,3}[0-9]{0,3}$")


class SelectionError(ValueError):
    """A ``--select``/``--ignore`` entry that names no code."""


def opt_in_unnamed(named: Iterable[str]) -> FrozenSet[str]:
    """The opt-in codes that ``named`` (a select list) does not name exactly."""
    chosen = set(named)
    return frozenset(c for c, r in RULES.items() if r.off_by_default and c not in chosen)


def default_codes() -> FrozenSet[str]:
    """Every code but the opt-in ones (they run only when selected by code)."""
    return frozenset(c for c, r in RULES.items() if not r.off_by_default)


def parse_codes(select: Sequence[str], ignore: Sequence[str]) -> List[str]:
    """flake8's rules, except that an opt-in code runs only when ``select`` names it exactly:
    ``--select STI`` means the default STI rules, not every experiment in the family.
    Codes come back in registry order."""
    for prefix in list(select) + list(ignore):
        if not CODE_RE.match(prefix) or not any(c.startswith(prefix) for c in RULES):
            raise SelectionError(f"unknown code or prefix {prefix!r} (`truthlint rules` lists them)")
    unnamed = opt_in_unnamed(select)
    return [c for c in RULES
            if (not select or c.startswith(tuple(select))) and c not in unnamed
            and not (ignore and c.startswith(tuple(ignore)))]


class Selection(NamedTuple):
    codes: FrozenSet[str]              # what the run reports
    rules: Tuple[Type[Rule], ...]      # the rules that can emit one of them


_SELECTIONS: Dict[FrozenSet[str], Selection] = {}  # noqa: SOI002 (a memo per set of codes)


def selection(codes: Optional[Iterable[str]] = None) -> Selection:
    """The selection for ``codes`` (default: :func:`default_codes`), computed once."""
    wanted = frozenset(codes) if codes is not None else default_codes()
    found = _SELECTIONS.get(wanted)
    if found is None:
        found = _SELECTIONS[wanted] = Selection(
            wanted, tuple(r for r in ALL_RULES if wanted & set(r.codes)))
    return found


def rules_for(chosen: Selection, ctx: FileContext) -> List[Rule]:
    """The selected rules that apply to this file in its phase. Test code gets none: it is not
    deployed, so no rule judges it; nor a schema migration, which its tool runs."""
    if ctx.location.is_test or ctx.location.migration:
        return []
    phase = ctx.phase
    return [rule(ctx) for rule in chosen.rules
            if (phase is Phase.WHOLE or rule.from_index == (phase is Phase.INDEX))
            and rule.applies(ctx)]
