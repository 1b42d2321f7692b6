"""``truthlint map``: the project's Structural Truth Map, generated.

In the spirit of the seed audit: per directory the claimed layer and the layers its behaviour
shows, the layer dependency matrix, when code runs, who owns state, and the findings. The
output is deterministic (sorted, no timestamps) so teams can commit it and review its diff.
"""

from __future__ import annotations

import ast
import json
import os
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from ..core.source import PARSE_ERRORS, read_source, split_lines
from ..core.walker import Walker
from ..engine.check import Engine
from ..facts.behaviour import BEHAVIOUR, Behaviour, Evidence
from ..facts.order import collectors_for
from ..facts.roles import Roles
from ..project.layout import find_root, locate
from ..rules.registry import RULES
from ..run.filecheck import Located

STATE_CODES = ("SOI002", "SOI003")


def _behaviour(engine: Engine, path: str, source: str
               ) -> Tuple[Dict[int, Evidence], Dict[str, str]]:
    """Evidence of each layer a module's behaviour shows (STI002's own collector), and the
    module's roles with their evidence (SOI004's), from one walk."""
    try:
        tree = ast.parse(source)
    except PARSE_ERRORS:
        return {}, {}
    ctx = engine.context(split_lines(source), path)
    collectors = [kind(ctx) for kind in collectors_for([Roles])]
    for collector in collectors:
        ctx.add_collector(collector)
    Walker([ctx.imports, *collectors], ctx).run(tree)
    return ctx.collector(Behaviour).evidence, ctx.collector(Roles).module_roles()


def collect(engine: Engine, root: str, findings: Sequence[Located]) -> Dict[str, Any]:
    """Everything the map shows, as plain data (the JSON format is exactly this)."""
    root = os.path.abspath(root)
    config = engine.finder.for_dir(root)
    index = engine.indexes.get(root, config)
    base = os.path.dirname(root)

    def show(p: str) -> str:
        return os.path.relpath(os.path.abspath(p), base).replace(os.sep, "/")

    directories: Dict[str, Dict[str, Any]] = {}
    module_layer: Dict[str, Optional[int]] = {}
    routes: List[str] = []
    workers: List[str] = []
    roles: Dict[str, Dict[str, str]] = {}  # module path -> role -> why
    for module, path in sorted((index.paths if index else {}).items()):
        source = read_source(path) or ""
        loc = locate(path, split_lines(source), config, engine.fs)
        module_layer[module] = loc.layer
        unit = loc.parts[0] if len(loc.parts) > 1 else "(root modules)"
        entry = directories.setdefault(unit, {"claimed": set(), "actual": set(), "modules": 0,
                                              "findings": Counter(), "roles": Counter()})
        entry["modules"] += 1
        if loc.layer is not None:
            entry["claimed"].add(loc.layer)
        evidence, found_roles = _behaviour(engine, path, source)
        entry["roles"].update(found_roles.keys())
        if found_roles:
            roles[show(path)] = found_roles
        entry["actual"].update(evidence)  # (no evidence, no layer: "—", never a guessed L4)
        if 2 in evidence:
            routes.append(f"{show(path)}:{evidence[2][0]} `{evidence[2][2]}`")
        if 5 in evidence:
            workers.append(f"{show(path)}:{evidence[5][0]} `{evidence[5][2]}`")
    for item in findings:
        if os.path.abspath(item.path).startswith(root + os.sep):
            rel = os.path.relpath(os.path.abspath(item.path), root).split(os.sep)
            unit = rel[0] if len(rel) > 1 else "(root modules)"
            if unit in directories:
                directories[unit]["findings"][item.finding.code] += 1
    edges: Counter[Tuple[int, int]] = Counter()
    if index is not None:
        for module, summary in index.modules.items():
            for target, *_ in index.edges(summary):
                src, dst = module_layer.get(module), module_layer.get(target)
                if src is not None and dst is not None and target in index.modules:
                    edges[(src, dst)] += 1
    matrix = [{"from": f"L{a}", "to": f"L{b}", "imports": n,
               "violation": a != b and b not in config.allowed_imports.get(a, {b})}
              for (a, b), n in sorted(edges.items())]
    models = sorted([show(index.paths[m]), cls, table, line]
                    for m, s in index.modules.items() for cls, table, line, *_ in s["models"]
                    ) if index else []
    by_code = Counter(i.finding.code for i in findings)

    def finding_rows(codes: Sequence[str]) -> List[str]:
        return [f"{show(i.path)}:{i.finding.line} {i.finding.code} {i.finding.message.split(' — ')[0]}"
                for i in findings if i.finding.code in codes]

    return {
        "root": show(root),
        "layers": {f"L{layer}": sorted(d for d, e in directories.items() if layer in e["claimed"])
                   for layer in sorted({lay for e in directories.values() for lay in e["claimed"]})},
        "directories": {name: {"claimed": [f"L{n}" for n in sorted(e["claimed"])],
                               "actual": [f"L{n}" for n in sorted(e["actual"])],
                               "modules": e["modules"],
                               "roles": dict(sorted(e["roles"].items())),
                               "findings": dict(sorted(e["findings"].items()))}
                        for name, e in sorted(directories.items())},
        "roles": roles,
        "dependencies": matrix,
        "triggers": {"import-time": finding_rows(["TBV001"]), "request-time": routes,
                     "worker": workers},
        "state": {"models": [{"path": p, "model": c, "table": t, "line": n}
                             for p, c, t, n in models],
                  "module-state": finding_rows(STATE_CODES)},
        "findings": dict(sorted(by_code.items())),
    }


def markdown(data: Dict[str, Any]) -> str:
    out: List[str] = [f"# Structural Truth Map — {data['root']}", "",
                      "*Generated by `truthlint map`: metadata is not truth; behaviour, imports "
                      "and call graphs are.*", "", "## Layer distribution", "",
                      "| layer | directories |", "|---|---|"]
    out += [f"| {layer} | {', '.join(d if d.startswith('(') else f'{d}/' for d in dirs)} |"
            for layer, dirs in data["layers"].items()]
    out += ["", "## Directory truth map", "",
            "| directory | claimed | behaviour shows | roles | modules | findings |",
            "|---|---|---|---|---|---|"]
    for name, e in data["directories"].items():
        found = ", ".join(f"{c} ×{n}" for c, n in e["findings"].items()) or "—"
        roles = ", ".join(f"{r} ×{n}" for r, n in e["roles"].items()) or "—"
        out.append(f"| {name} | {', '.join(e['claimed']) or '—'} | {', '.join(e['actual']) or '—'} "
                   f"| {roles} | {e['modules']} | {found} |")
    out += ["", "Behaviour layers: " + "; ".join(f"L{n} {text}" for n, text in BEHAVIOUR.items())
            + "; — where no module shows any of these (domain code, or behaviour no rule "
            "recognises: no layer is guessed). Roles: what the modules are for, behaviour first (routes "
            "declared, tasks, tables) and names second; each module's roles and why are in "
            "`truthlint map --format json` (`roles`)."]
    out += ["", "## Layer dependencies", "",
            "| from | to | imports | allowed |", "|---|---|---|---|"]
    out += [f"| {row['from']} | {row['to']} | {row['imports']} | "
            f"{'✗ violation' if row['violation'] else '✓'} |" for row in data["dependencies"]]
    out += ["", "```mermaid", "graph TD"]
    for row in data["dependencies"]:
        if row["from"] != row["to"]:
            arrow = "-.->" if row["violation"] else "-->"
            label = f"{row['imports']} ✗" if row["violation"] else str(row["imports"])
            out.append(f"  {row['from']} {arrow}|{label}| {row['to']}")
    out += ["```", "", "## Runtime-trigger map", ""]
    for title, key in (("Import-time", "import-time"), ("Request-time (routes)", "request-time"),
                       ("Worker entry points", "worker")):
        out += [f"### {title}", ""] + [f"- {row}" for row in data["triggers"][key]] + \
            (["- none"] if not data["triggers"][key] else []) + [""]
    out += ["## State ownership map", "", "| model | table | defined at |", "|---|---|---|"]
    out += [f"| {m['model']} | {m['table']} | {m['path']}:{m['line']} |"
            for m in data["state"]["models"]]
    out += ["", "Module-level state (per process):", ""]
    out += [f"- {row}" for row in data["state"]["module-state"]] or ["- none"]
    out += ["", "## Findings by code", "", "| code | name | count |", "|---|---|---|"]
    out += [f"| {code} | {RULES[code].name} | {n} |" for code, n in data["findings"].items()]
    return "\n".join(out) + "\n"


def render(data: Dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2, sort_keys=True) + "\n"
    return markdown(data)


LEAVE_OUT = ("tests", "test", "scripts", "docs", "examples")  # roots that are not the app


def package_roots(engine: Engine, project: str) -> List[str]:
    """The package roots below the project (or below ``src/``) that make up the app: tests,
    scripts, docs and examples left out (a map of them would repeat every section empty),
    unless the project named is one of them."""
    asked = os.path.abspath(project)
    return [root for root in roots_under(engine, project)
            if root == asked or os.path.basename(root) not in LEAVE_OUT]


def roots_under(engine: Engine, path: str) -> List[str]:
    """Package roots for ``truthlint map PATH``: PATH itself if it is one, else those below."""
    path = os.path.abspath(path)
    config = engine.finder.for_dir(path)
    if os.path.isfile(os.path.join(path, "__init__.py")) or config.roots:
        root = find_root(engine.fs, path, config) if not config.roots else None
        return [root or path] if not config.roots else list(config.roots)
    found: Set[str] = set()
    for name in sorted(os.listdir(path)):
        sub = os.path.join(path, name)
        if os.path.isfile(os.path.join(sub, "__init__.py")):
            found.add(sub)
        elif os.path.isdir(sub) and not name.startswith(".") and name == "src":
            found.update(os.path.join(sub, n) for n in os.listdir(sub)
                         if os.path.isfile(os.path.join(sub, n, "__init__.py")))
    return sorted(found)
