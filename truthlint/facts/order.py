"""Every shared fact collector, in the one order that satisfies their own dependencies: the
summary reads the session facts (which dependencies yield a session), so they run first."""

from __future__ import annotations

from typing import Dict, Iterable, List, Set, Tuple, Type

from ..core.context import Collector
from ..core.walker import Visitor
from .behaviour import Behaviour
from .methods import Methods
from .roles import Roles
from .routes import Routes
from .sessions import SessionFacts
from .summary import Summary

ORDER: Tuple[Type[Collector], ...] = (SessionFacts, Methods, Behaviour, Routes, Roles, Summary)


# what a collector reads from another one, when that one runs in the same walk
READS: Dict[Type[Collector], Tuple[Type[Collector], ...]] = {
    Summary: (SessionFacts,), Routes: (Behaviour,),  # Routes reads Behaviour's app bindings
    Roles: (Behaviour, Routes, Methods)}


def collectors_for(wanted: Iterable[Type[Visitor]]) -> List[Type[Collector]]:
    """The collectors to run for the ``wanted`` ones and what they read, in ORDER."""
    needed: Set[Type[Visitor]] = set(wanted)
    for collector in reversed(ORDER):  # what a collector reads comes before it
        if collector in needed:
            needed.update(READS.get(collector, ()))
    return [c for c in ORDER if c in needed]
