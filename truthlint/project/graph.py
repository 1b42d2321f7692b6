"""Graph algorithms over the module import graph."""

from __future__ import annotations

from collections import deque
from typing import AbstractSet, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple


def strongly_connected(graph: Dict[str, List[str]]) -> Dict[str, int]:
    """Tarjan's algorithm without recursion: module -> component id."""
    index_of: Dict[str, int] = {}
    low: Dict[str, int] = {}
    on_stack: Set[str] = set()
    stack: List[str] = []
    component: Dict[str, int] = {}
    counter = 0
    for start in sorted(graph):
        if start in index_of:
            continue
        work: List[Tuple[str, Iterator[str]]] = [(start, iter(graph.get(start, ())))]
        index_of[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in graph:
                    continue
                if child not in index_of:
                    index_of[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index_of[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index_of[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = index_of[node]
                    if member == node:
                        break
    return component


def toward(importers: Mapping[str, Sequence[str]], start: str, targets: AbstractSet[str],
           within: Optional[AbstractSet[str]] = None, limit: Optional[int] = None) -> Dict[str, str]:
    """One breadth-first search backwards from ``start`` over the import graph (``importers``:
    module -> the modules that import it, sorted): for each module reached, its next step on a
    shortest path to ``start``. It keeps to ``within`` when given, stops once every one of
    ``targets`` (inside ``within``) is reached, and after ``limit`` modules."""
    wanted = len(targets if within is None else targets & within)
    found: Dict[str, str] = {}
    queue = deque([start])
    while queue and wanted and (limit is None or len(found) < limit):
        node = queue.popleft()
        for source in importers.get(node, ()):
            if source == start or source in found or (within is not None and source not in within):
                continue
            found[source] = node
            queue.append(source)
            if source in targets:
                wanted -= 1
                if not wanted:
                    break
    return found


SHOWN = 8  # the modules a cycle lists before it says how many there are in all


def shown(cycle: Optional[List[str]]) -> Optional[List[str]]:
    """A cycle as findings list it: its first modules, then how many there are, then the way
    back (``a → b → … (10,000 modules) → a``), so messages, caches and memory stay linear in
    the project however long the cycle is."""
    return None if cycle is None else abridged(cycle, SHOWN)


def abridged(cycle: List[str], keep: int) -> List[str]:
    """A cycle, or one :func:`shown` already abridged, cut to its first ``keep`` modules, how
    many there are in all, and the way back (TBV004's message keeps two; its evidence all
    that ``shown`` keeps)."""
    if len(cycle) <= keep + 2:
        return cycle
    count = cycle[-2] if cycle[-2].startswith("… (") else f"… ({len(cycle) - 1:,} modules)"
    return cycle[:keep] + [count, cycle[-1]]


def closed(found: Mapping[str, str], start: str, target: str) -> Optional[List[str]]:
    """The cycle ``start -> target -> ... -> start`` along a :func:`toward` search's steps, or
    None when the search did not reach ``target``."""
    if target != start and target not in found:
        return None
    path = [start, target]
    while path[-1] != start:
        path.append(found[path[-1]])
    return path
