"""``truthlint init``: a ``[tool.truthlint]`` table that works, for the project it is run in.

It goes into the project's own ``pyproject.toml`` (the nearest one at or above the working
directory, which is the one holding ``[project]`` or other ``[tool.*]`` tables; a new one only
where there is none at all), as valid TOML. It declares:

- the package roots, without ``tests/`` and ``scripts/``;
- the migration folders, excluded (no rule judges a migration anyway);
- layers: the ones the code's ``# Layer:`` headers already declare; else those of an
  import-linter ``layers`` contract or a tach ``layers`` list when asked
  (``--from-import-linter``, ``--from-tach``); else a layering read off the real import graph:
  an order of the top-level packages in which no import points up today (as import-linter's
  layers contract reads; packages that import each other share a layer), each layer allowed
  to import the ones below it, so the written configuration adds no finding on day one and
  TBV002 reports each import that breaks the layering from then on. The stricter order most
  imports follow is printed with the imports that break it, for a team that wants to adopt
  it and baseline those.

What it guessed, and why, goes to stderr; the table to stdout (or into the file, ``--write``).
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from typing import Any, Callable, Counter as CounterT, Dict, Iterable, List, Optional, Sequence, Tuple

from ..core.config import ConfigFinder
from ..core.contracts import find as find_contract, order_layers
from ..core.files import PROJECT_MARKERS
from ..core.location import MIGRATION_DIRS
from ..engine.check import Engine
from ..facts.summary import FUNCTION_LEVEL, MODULE_LEVEL
from ..project.index import in_graph
from ..project.layout import module_file
from .truthmap import package_roots

MAX_LAYERS = 7  # L2 .. L8: L1 is left for what everything may import (none is guessed)

Edge = Tuple[str, str]
Edges = CounterT[Edge]  # import edges between units, counted


def project_file(start: str = ".") -> str:
    """The pyproject.toml to write into: the nearest one at or above ``start`` (never a new
    one below an existing one), else ``start/pyproject.toml``."""
    current = os.path.abspath(start)
    while True:
        candidate = os.path.join(current, "pyproject.toml")
        if any(os.path.exists(os.path.join(current, m)) for m in PROJECT_MARKERS):
            return candidate  # the project's top (with a pyproject.toml, or one to be made)
        parent = os.path.dirname(current)
        if parent == current:
            return os.path.join(os.path.abspath(start), "pyproject.toml")
        current = parent


def unit_of(module: str) -> Optional[str]:
    """``app.api.items`` -> ``api``: the first component below the root (what the layer map
    names); a module directly in the root is its own unit (``main.py``)."""
    parts = module.split(".")
    if len(parts) < 2:
        return None
    return parts[1]


def package_graph(graph: Dict[str, List[str]]) -> Edges:
    """Import edges between units, counted (an edge per importing module and target)."""
    edges: Edges = Counter()
    for module, targets in graph.items():
        source = unit_of(module)
        for target in targets:
            sink = unit_of(target)
            if source and sink and source != sink:
                edges[(source, sink)] += 1
    return edges


def order(nodes: Iterable[str], edges: Edges) -> List[str]:
    """Units top to bottom so that the imports pointing up weigh little: the greedy
    feedback-arc heuristic of Eades, Lin and Smyth (sinks to the bottom, sources to the top,
    else the unit whose imports outweigh its importers most), ties by name."""
    left = set(nodes)
    top: List[str] = []
    bottom: List[str] = []

    def weight(node: str, incoming: bool) -> int:
        return sum(n for (a, b), n in edges.items()
                   if (b if incoming else a) == node and (a if incoming else b) in left)

    while left:
        moved = True
        while moved:
            moved = False
            for node in sorted(left):
                if weight(node, incoming=False) == 0:  # imports nothing left: a sink
                    bottom.insert(0, node)
                    left.discard(node)
                    moved = True
            for node in sorted(left):
                if weight(node, incoming=True) == 0:  # imported by nothing left: a source
                    top.append(node)
                    left.discard(node)
                    moved = True
        if left:
            best = max(sorted(left), key=lambda n: weight(n, False) - weight(n, True))
            top.append(best)
            left.discard(best)
    return top + bottom


def imports_judged(index: Any) -> Dict[str, List[str]]:
    """The imports TBV002 judges, per module: module-level and inside functions (a lazy
    import couples the layers too), not those under ``if TYPE_CHECKING:``."""
    graph: Dict[str, List[str]] = {}
    for module, summary in index.modules.items():
        if in_graph(summary):
            graph[module] = sorted({row[0] for row in index.edges(summary)
                                    if row[3] in (MODULE_LEVEL, FUNCTION_LEVEL)
                                    and row[0] in index.modules and row[0] != module})
    return graph


def settle(layers: Dict[str, int], edges: Edges) -> Dict[str, int]:
    """The layering with no import pointing up: each import that does joins the layers from
    its target's down to its importer's into one (units that import each other, directly or
    through the layers between, share a layer), renumbered from 2."""
    rank = dict(layers)
    while True:
        up = sorted((a, b) for (a, b) in edges if rank[a] > rank[b])
        if not up:
            break
        low, high = rank[up[0][1]], rank[up[0][0]]
        rank = {u: low if low <= r <= high else r for u, r in rank.items()}
    numbers = sorted(set(rank.values()))
    return {u: numbers.index(r) + 2 for u, r in rank.items()}


def layering(units: Sequence[str], edges: Edges) -> Tuple[Dict[str, int], List[Edge]]:
    """Layer numbers (2 = the top) for units in ``order`` and the imports that point up.
    A unit sits one layer below the lowest unit above it that imports it, so that layers hold
    units that do not import each other; more than MAX_LAYERS are merged evenly."""
    position = {u: i for i, u in enumerate(units)}
    rank: Dict[str, int] = {}
    for unit in units:
        above = [rank[a] for (a, b) in edges if b == unit and a in rank
                 and position[a] < position[unit]]
        rank[unit] = max(above) + 1 if above else 0
    deepest = max(rank.values(), default=0)
    if deepest >= MAX_LAYERS:
        rank = {u: r * MAX_LAYERS // (deepest + 1) for u, r in rank.items()}
    layers = {u: r + 2 for u, r in rank.items()}
    upward = sorted((a, b) for (a, b) in edges if layers[a] > layers[b])
    return layers, upward


def headers(index: object, root: str, engine: Engine) -> Dict[str, CounterT[int]]:
    """The ``# Layer:`` headers already in the code, per unit."""
    found: Dict[str, CounterT[int]] = {}
    for module in getattr(index, "modules", {}):
        unit = unit_of(module)
        path = module_file(engine.fs, root, module)
        if unit is None or path is None:
            continue
        header = engine.fs.header(path)
        if header is not None:
            found.setdefault(unit, Counter())[header[0]] += 1
    return found


def migration_dirs(root: str) -> List[str]:
    out = []
    for dirpath, dirnames, _ in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
        for name in dirnames:
            if name in MIGRATION_DIRS:
                out.append(os.path.join(dirpath, name))
                dirnames.remove(name)
    return sorted(out)


def render(roots: List[str], project: str, layers: Dict[str, int],
           excluded: List[str], ordered: bool) -> str:
    """The table: an order (``layer-order``, top first) for a layering read off the imports
    or a contract; the ``layers`` table for layers the code's headers declare (their numbers
    carry truthlint's meanings)."""
    lines = ["[tool.truthlint]",
             "roots = [" + ", ".join(f'"{_rel(r, project)}"' for r in roots) + "]"]
    if excluded:
        lines.append("extend-exclude = [" + ", ".join(f'"{_rel(d, project)}"' for d in excluded)
                     + "]  # migrations: no rule judges them")
    if layers and ordered:
        groups: Dict[int, List[str]] = {}
        for name, number in layers.items():
            groups.setdefault(number, []).append(name)
        lines.append("layer-order = [  # top first: each layer may import only those below it")
        lines += [f'    "{" | ".join(sorted(groups[n]))}",' for n in sorted(groups)]
        lines.append("]")
    elif layers:
        lines += ["", "[tool.truthlint.layers]  # as the code's `# Layer:` headers say"]
        ranked = sorted(layers.items(), key=lambda x: (x[1], x[0]))
        lines += [f'"{name}" = "L{number}"' for name, number in ranked]
    return "\n".join(lines) + "\n"


def _key(root: str, unit: str) -> str:
    """A unit as the layer map names it: a package by its directory, a module by its file."""
    return unit if os.path.isdir(os.path.join(root, unit)) else f"{unit}.py"


def _rel(path: str, base: str) -> str:
    return os.path.relpath(path, base).replace(os.sep, "/")


def propose(start: str, source: str = "graph") -> Tuple[str, str, List[str]]:
    """(the file to write into, the table, what was guessed and why: lines for stderr)."""
    target = project_file(start)
    project = os.path.dirname(target)
    engine = Engine(ConfigFinder(explicit=None))
    roots = package_roots(engine, project)
    notes = [f"truthlint: writing into {_rel(target, os.getcwd())}"
             + (" (there is none yet: it will be created)" if not os.path.exists(target) else "")]
    if not roots:
        return target, "", notes + ["truthlint: no package root found (a directory with an "
                                    "__init__.py directly below the project or src/)"]
    layers: Dict[str, int] = {}
    excluded: List[str] = []
    ordered = True  # False when the layers are the headers' (numbers with meanings)
    for root in roots:
        notes.append(f"truthlint: package root {_rel(root, project)}")
        excluded += migration_dirs(root)
        index = engine.indexes.get(root, engine.finder.for_dir(root))
        if index is None:
            continue
        declared = headers(index, root, engine)
        contract = find_contract(project) if source != "graph" else None
        if contract is not None and source in contract.label:  # the tool asked for
            layers.update(order_layers(contract.order))
            notes.append(f"truthlint: layers from {contract.label}: {len(contract.order)} layers")
            continue
        if source != "graph":
            notes.append(f"truthlint: no layers contract found for --from-{source}")
            continue
        if declared:
            ordered = False
            for unit, counts in sorted(declared.items()):
                layer, n = counts.most_common(1)[0]
                layers[_key(root, unit)] = layer
                notes.append(f"  {unit:<24} L{layer}  ({n} `# Layer:` header(s) say so)")
            continue
        skipped = {os.path.basename(d) for d in excluded if os.path.dirname(d) == root}
        edges = package_graph(imports_judged(index))
        edges = Counter({e: n for e, n in edges.items() if not skipped & set(e)})
        units = sorted({u for u in map(unit_of, index.modules) if u is not None} - skipped)
        strict, upward = layering(order(units, edges), edges)
        ranked = settle(strict, edges)
        notes += _proposal(strict, upward, ranked, edges, functools.partial(_key, root))
        if len(set(ranked.values())) > 1:  # one layer says nothing: then none is written
            layers.update((_key(root, unit), layer) for unit, layer in ranked.items())
    for directory in excluded:
        notes.append(f"truthlint: {_rel(directory, project)} holds migrations: excluded")
    return target, render(roots, project, layers, excluded, ordered), notes


def _proposal(strict: Dict[str, int], upward: List[Edge], ranked: Dict[str, int],
              edges: Edges, key: Callable[[str], str]) -> List[str]:
    """What init tells of the layering it writes (no import points up in it today, so it
    adds no finding on day one) and of the stricter order the imports almost follow, with
    the imports that break that one: a team that wants it adopts it and baselines those."""
    notes = []
    for unit in sorted(ranked, key=lambda u: (ranked[u], u)):
        notes.append(f"  {unit:<24} layer {ranked[unit] - 1}  (imports {_out(unit, edges)}; "
                     f"imported by {_in(unit, edges)})")
    count = len(set(ranked.values()))
    if count > 1:
        notes.append(f"truthlint: {count} layers in which no import points up today (packages "
                     "that import each other, or the layers between them, share a layer): "
                     "TBV002 reports an import that breaks it from now on")
    elif not edges:
        notes.append("truthlint: no layering written: no package imports another")
    else:
        notes.append("truthlint: no layering written: the packages import each other across "
                     "every order (each would share one layer)")
    if upward:
        total = sum(edges.values())
        against = sum(edges[e] for e in upward)
        order_text = ", ".join('"' + " | ".join(sorted(key(u) for u in strict if strict[u] == n))
                               + '"' for n in sorted(set(strict.values())))
        these = "this one points" if against == 1 else f"these {against} point"
        notes.append(f"truthlint: a stricter order, if the team wants it: layer-order = "
                     f"[{order_text}] — {total - against} of {total} imports between packages "
                     f"point down in it; {these} up (adopt it and baseline them with "
                     "truthlint check --select TBV002 --write-baseline FILE):")
        notes += [f"    {a} -> {b} ({edges[(a, b)]} module(s))" for a, b in upward]
    return notes


def _out(unit: str, edges: Edges) -> str:
    names = sorted(b for (a, b) in edges if a == unit)
    return ", ".join(names) or "nothing"


def _in(unit: str, edges: Edges) -> str:
    names = sorted(a for (a, b) in edges if b == unit)
    return ", ".join(names) or "nothing"


__all__ = ["propose", "project_file", "order", "layering", "settle"]
