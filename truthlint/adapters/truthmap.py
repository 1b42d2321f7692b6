"""``truthlint map``: the project's Structural Truth Map, generated.

In the spirit of the seed audit: per directory the claimed layer and the layers its behaviour
shows, the layer dependency matrix, when code runs, who owns state, and the findings. The
output is deterministic (sorted, no timestamps) so teams can commit it and review its diff.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections import Counter
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

from ..core.context import Finding
from ..core.names import dotted
from ..core.source import parse, read_source, split_lines
from ..core.walker import Walker
from ..engine.check import Engine
from ..facts.behaviour import BEHAVIOUR, Behaviour, Evidence
from ..facts.mounts import Mount, RouteTable
from ..facts.order import collectors_for
from ..facts.roles import Roles
from ..facts.sessions import SessionFacts
from ..project.layout import find_root, locate
from ..rules.base import SEVERITIES
from ..rules.registry import RULES
from ..run.filecheck import Located

STATE_CODES = ("SOI002", "SOI003")
# what a route handler's findings say it does, by rule (the route table's "touches")
TOUCH_CODES = ("STI001", "SOI004", "SOI005", "TBV003")
# roles a route module must not be imported by: a model, schema, repository or service that
# imports a route module points up (the role graph marks it)
BELOW_ROUTES = frozenset({"model", "schema", "repository", "service"})
# a per-process object whose name says it enforces something all workers must agree on
AGREE_WORDS = ("limit", "limiter", "quota", "budget", "throttle", "counter", "tracker",
               "breaker", "blocklist", "blacklist", "revoked", "lockout", "attempts")
# a store an object's state can live in, named in its class body or its call: a class that
# makes an engine or is handed a database URL may keep its own state in memory all the same
STORE_RE = re.compile(r"redis|valkey|memcache", re.IGNORECASE)
STORE_URLS = ("redis://", "rediss://", "valkey://", "memcached://", "redis+sentinel://")
DETAILS_AT = 15  # rows from which a table is collapsed under <details>
MAX_WAYS = 16    # full paths shown per route (a router mounted in many places)


class Walked(NamedTuple):
    """What the map learns of one module from its own walk."""

    evidence: Dict[int, Evidence]
    roles: Dict[str, str]
    table: Optional[RouteTable]
    # each module- or class-level object SOI002/SOI003 judge, with the store its call is
    # handed ("" for none) and the qualified name of the class it instantiates (None: no call)
    state: List[Tuple[Finding, str, Optional[str]]]
    aliases: Dict[str, str]  # the module's import aliases: re-exports are followed through them
    # each top-level class: (its line, the first name in its body that reaches a store, that
    # name's line), or None when none does
    classes: Dict[str, Optional[Tuple[int, str, int]]]


def _walk(engine: Engine, state_engine: Engine, path: str, source: str) -> Walked:
    """Evidence of each layer a module's behaviour shows (STI002's own collector), its roles
    with their evidence (SOI004's), its routers, routes and writes, and its module and class
    state (SOI002/SOI003's judgement, whether or not they are selected), from one parse."""
    tree, _ = parse(source, path)
    if tree is None:
        return Walked({}, {}, None, [], {}, {})
    lines = split_lines(source)
    ctx = engine.context(lines, path)
    collectors = [kind(ctx) for kind in collectors_for([Roles, SessionFacts])] + [RouteTable(ctx)]
    for collector in collectors:
        ctx.add_collector(collector)
    Walker([ctx.imports, *collectors], ctx).run(tree)
    found = state_engine.check(lines, path, tree).findings
    values: Dict[int, ast.expr] = {}
    # a lazy singleton is judged by what fills it: ``_limiter = Limiter(storage_uri=...)``
    filled = {f.line: int(m.group(1)) for f in found
              for m in [re.search(r"via `global` \(line (\d+)\)", f.message)] if m}
    if found:
        wanted = {f.line for f in found} | set(filled.values())
        for node in ast.walk(tree):
            if (isinstance(node, (ast.Assign, ast.AnnAssign)) and node.lineno in wanted
                    and node.value is not None):
                values.setdefault(node.lineno, node.value)
    state = []
    for item in found:
        value = values.get(filled.get(item.line, item.line)) or values.get(item.line)
        while isinstance(value, ast.IfExp):  # ``Limiter(...) if enabled else None``
            value = value.body
        callee = ctx.qualify(value.func) if isinstance(value, ast.Call) else None
        store = _store(value) if isinstance(value, ast.Call) else None
        state.append((item, store or "", callee))
    classes: Dict[str, Optional[Tuple[int, str, int]]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name not in classes:
            classes[node.name] = _reach(node)
    return Walked(ctx.collector(Behaviour).evidence, ctx.collector(Roles).module_roles(),
                  ctx.collector(RouteTable), state,
                  {**ctx.imports.aliases, **ctx.collector(RouteTable).factories}, classes)


def _reach(cls: ast.ClassDef) -> Optional[Tuple[int, str, int]]:
    """The first name in a class's body (not its docstring or comments) that reaches a store
    its state can live in (``self._redis``, ``get_redis_connection``), with the lines."""
    for node in ast.walk(cls):
        if isinstance(node, (ast.Name, ast.Attribute)):
            word = node.id if isinstance(node, ast.Name) else node.attr
            if STORE_RE.search(word):
                return cls.lineno, word, node.lineno
    return None


def _store(call: ast.Call) -> Optional[str]:
    """What a call is given that names a shared store, as shown evidence: a name or attribute
    among its argument values (``redis_client``, ``settings.redis``), or a store's URL
    (``"redis://..."``); keyword names and other strings say nothing (``storage_uri=
    "memory://"`` keeps the state in the process)."""
    called = dotted(call.func) or "..."
    for value in [*call.args, *(k.value for k in call.keywords)]:
        for node in ast.walk(value):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.startswith(STORE_URLS):
                    return f"`{called}(...)` is given `{node.value.split('://')[0]}://…`"
            elif isinstance(node, (ast.Name, ast.Attribute)):
                word = node.id if isinstance(node, ast.Name) else node.attr
                if STORE_RE.search(word):
                    return f"`{called}(...)` is given `{word}`"
    return None


def _state_row(item: Finding, where: str, store: str, backing: Optional[str]
               ) -> Dict[str, str]:
    """One module- or class-level object: per-process or a wrapper of shared state, and
    whether several workers may each hold their own (safe, unsafe, unknown), with the
    evidence. An object whose call or class reaches Redis or the DB wraps shared state."""
    name = item.message.split("`")[1] if "`" in item.message else "?"
    what = item.message.split(": per-process", 1)[0].split(": a per-process", 1)[0]
    backing = backing or store or None
    if backing is not None:
        return {"where": where, "name": name, "kind": "shared", "verdict": "safe",
                "why": f"wraps state kept in Redis or the DB: {backing}"}
    words = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", what + " " + name)}
    if words & set(AGREE_WORDS):
        return {"where": where, "name": name, "kind": "per-process", "verdict": "unsafe",
                "why": f"{what}; each worker enforces its own copy"}
    return {"where": where, "name": name, "kind": "per-process", "verdict": "unknown",
            "why": f"{what}; safe only if each worker may hold its own copy"}


class Backing:
    """Whether the project class an object instantiates keeps its state in a shared store
    (what ``_reach`` found in it during the walk), the class found through re-exports."""

    def __init__(self, classes: Dict[str, Dict[str, Optional[Tuple[int, str, int]]]],
                 aliases: Dict[str, Dict[str, str]], paths: Dict[str, str]) -> None:
        self.classes, self.paths = classes, paths
        self.resolver = Resolver(aliases)
        self.known = {f"{m}.{c}" for m, names in classes.items() for c in names}

    def of(self, qualified: Optional[str], module: str) -> Optional[str]:
        if not qualified:
            return None
        if "." not in qualified:
            qualified = f"{module}.{qualified}"
        found = self.resolver.resolve(qualified, self.known)
        if found is None:
            return None
        owner, _, name = found.rpartition(".")
        reach = self.classes[owner][name]
        if reach is None:
            return None
        line, word, used = reach
        return f"`{name}` ({self.paths[owner]}:{line}) uses `{word}` (line {used})"


class Resolver:
    """Qualified names through re-exports: ``app.api.items_router`` -> the router that
    ``app/api/__init__.py`` imports as ``items_router``."""

    def __init__(self, aliases: Dict[str, Dict[str, str]]) -> None:
        self.aliases = aliases  # module -> its import aliases

    def resolve(self, name: str, known: Any) -> Optional[str]:
        for _ in range(8):
            if name in known:
                return name
            module, _, attr = name.rpartition(".")
            names = self.aliases.get(module, {})
            target = names.get(attr)
            if target is None and attr.endswith("()") and attr[:-2] in names:
                target = names[attr[:-2]] + "()"  # a factory imported from elsewhere
            if not target or target == name:
                return None
            name = target
        return None


def _routes(tables: Dict[str, RouteTable], aliases: Dict[str, Dict[str, str]],
            paths: Dict[str, str], touches: Dict[str, List[Tuple[int, str]]]
            ) -> List[Dict[str, Any]]:
    """Every route with its methods and full path: each router's prefix, then each mount's
    prefix up to an app, followed through re-exports. A router no app mounts (as far as the
    index reads) keeps its own path and says so."""
    routers = {f"{m}.{n}": r for m, t in tables.items() for n, r in t.routers.items()}
    resolver = Resolver(aliases)
    parents: Dict[str, List[Tuple[str, str, bool]]] = {}
    through: Dict[str, Dict[int, List[Any]]] = {}  # function -> parameter -> its mounts

    def link(child: Optional[str], parent: Optional[str], mount: Mount) -> None:
        if child and parent and child != parent:
            parents.setdefault(child, []).append((parent, mount.prefix, mount.replaces))

    for table in tables.values():
        for mount in table.mounts:
            child = resolver.resolve(mount.child, routers)
            if "#" in mount.parent:  # onto a parameter: onto whatever each call hands it
                owner, _, place = mount.parent.partition("#")
                through.setdefault(owner, {}).setdefault(int(place), []).append((child, mount))
            else:
                link(child, resolver.resolve(mount.parent, routers), mount)
    for table in tables.values():
        for called, args in table.handed:
            taker = resolver.resolve(called, through) or ""
            for position, mounts in through.get(taker, {}).items():
                handed = args[position] if position < len(args) else None
                parent = resolver.resolve(handed, routers) if handed else None
                for child, mount in mounts:
                    link(child, parent, mount)
    for child, ups in parents.items():  # an app handed to a function is only the fallback
        known = [up for up in ups if up[0] not in routers or routers[up[0]].kind != "parameter"]
        if known:
            parents[child] = known

    def prefixes(key: str, chain: Tuple[str, ...] = ()) -> List[Tuple[str, bool]]:
        """(prefix, mounted) for each way the router is reached from an app: a router already
        on the way (routers that include each other) is not gone through again, and a route
        has at most MAX_WAYS ways."""
        own = routers[key].prefix if key in routers else ""
        ups = [up for up in parents.get(key, []) if up[0] not in chain]
        if not ups or len(chain) > 8:
            return [(own, key in routers and routers[key].kind in ("app", "parameter"))]
        found: List[Tuple[str, bool]] = []
        for parent, prefix, replaces in sorted(set(ups)):
            for head, mounted in prefixes(parent, chain + (key,)):
                found.append((head + prefix + ("" if replaces else own), mounted))
                if len(found) >= MAX_WAYS:
                    return found
        return found

    rows = []
    for module, table in tables.items():
        path = paths[module]
        for route in table.routes:
            key = resolver.resolve(route.router, routers) or route.router
            found = touches.get(path, [])
            codes = Counter(code for line, code in found if route.line <= line <= route.end)
            did = ", ".join(f"{c} ×{n}" if n > 1 else c for c, n in sorted(codes.items()))
            ways = set(prefixes(key))
            if any(mounted for _, mounted in ways):  # a router also copied into one no app
                ways = {way for way in ways if way[1]}  # mounts (an OpenAPI export) is served
            for prefix, mounted in sorted(ways):
                rows.append({"methods": ", ".join(route.methods), "path": prefix + route.path,
                             "handler": f"{path}:{route.line} `{route.handler}`",
                             "mounted": mounted, "touches": did})
    return sorted(rows, key=lambda r: (r["path"], r["methods"], r["handler"]))


def _primary(roles: Dict[str, str]) -> List[str]:
    """The roles a module's behaviour or its declaration gives it, else those its names
    suggest: ``routers/models.py`` declares routes, so it is a route module, not a model."""
    shown = [r for r, why in roles.items() if not why.startswith("named ")]
    return shown or list(roles)


def _role_graph(index: Any, module_roles: Dict[str, Dict[str, str]]) -> List[Dict[str, Any]]:
    """Imports between modules, counted by their primary roles. ``upward``: how many of them
    a model, schema, repository or service module makes, by behaviour and not by name alone
    (``utils/models.py`` is no model module), to a route module."""
    primary = {m: _primary(r) for m, r in module_roles.items()}
    edges: Counter[Tuple[str, str]] = Counter()
    upward: Counter[Tuple[str, str]] = Counter()
    for module, summary in index.modules.items():
        roles = module_roles.get(module, {})
        for role in primary.get(module, ()):
            for target in {row[0] for row in index.edges(summary)}:
                for other in primary.get(target, ()):
                    if target != module:
                        edges[(role, other)] += 1
                        if (other == "route" and role in BELOW_ROUTES
                                and not roles[role].startswith("named ")):
                            upward[(role, other)] += 1
    return [{"from": a, "to": b, "imports": n, "upward": upward[(a, b)]}
            for (a, b), n in sorted(edges.items())]


def collect(engine: Engine, root: str, findings: Sequence[Located],
            baselined: Optional[Set[int]] = None, migrations: bool = False) -> Dict[str, Any]:
    """Everything the map shows, as plain data (the JSON format is exactly this).
    ``baselined``: the positions in ``findings`` a baseline grandfathers."""
    root = os.path.abspath(root)
    config = engine.finder.for_dir(root)
    index = engine.indexes.get(root, config)
    base = os.path.dirname(root)
    state_engine = Engine(engine.finder, codes=STATE_CODES)

    def show(p: str) -> str:
        return os.path.relpath(os.path.abspath(p), base).replace(os.sep, "/")

    directories: Dict[str, Dict[str, Any]] = {}
    module_layer: Dict[str, Optional[int]] = {}
    workers: List[str] = []
    roles: Dict[str, Dict[str, str]] = {}  # module path -> role -> why
    module_roles: Dict[str, Dict[str, str]] = {}
    features: Dict[str, Dict[str, Tuple[bool, str]]] = {}  # directory -> role -> evidence
    tables: Dict[str, RouteTable] = {}
    aliases: Dict[str, Dict[str, str]] = {}
    classes: Dict[str, Dict[str, Optional[Tuple[int, str, int]]]] = {}  # module -> its classes
    paths: Dict[str, str] = {}
    pending: List[Tuple[Finding, str, str, Optional[str], str]] = []  # state, judged below
    jobs: List[Dict[str, Any]] = []
    written: Dict[str, Set[str]] = {}  # qualified model -> modules writing it
    for module, path in sorted((index.paths if index else {}).items()):
        source = read_source(path) or ""
        lines = split_lines(source)
        loc = locate(path, lines, config, engine.fs)
        if loc.migration and not migrations:
            continue  # generated schema history: not the live architecture
        module_layer[module] = loc.layer
        unit = loc.parts[0] if len(loc.parts) > 1 else "(root modules)"
        entry = directories.setdefault(unit, {"claimed": set(), "actual": set(), "modules": 0,
                                              "findings": Counter(), "roles": Counter()})
        entry["modules"] += 1
        if loc.layer is not None:
            entry["claimed"].add(loc.layer)
        walked = _walk(engine, state_engine, path, source)
        entry["roles"].update(walked.roles.keys())
        paths[module] = show(path)
        if walked.roles:
            roles[show(path)] = walked.roles
            module_roles[module] = walked.roles
            for role, why in sorted(walked.roles.items()):
                shown = features.setdefault(unit, {})
                named = why.startswith("named ")  # behaviour is better evidence than a name
                if role not in shown or (not named and shown[role][0]):
                    shown[role] = (named, f"{show(path)}: {why}")
        entry["actual"].update(walked.evidence)  # (no evidence, no layer: "—", never L4)
        if 5 in walked.evidence:
            workers.append(f"{show(path)}:{walked.evidence[5][0]} `{walked.evidence[5][2]}` "
                           "(background work)")
        for found, store, callee in walked.state:
            pending.append((found, f"{show(path)}:{found.line}", store, callee, module))
        if walked.table is not None:
            tables[module] = walked.table
            jobs += [{"where": f"{show(path)}:{j.line}", "name": j.name, "how": j.how}
                     for j in walked.table.jobs]
            for model, _line in walked.table.written():  # (a class of the module: its name)
                model = model if "." in model else f"{module}.{model}"
                written.setdefault(model, set()).add(show(path))
        aliases[module] = walked.aliases
        classes[module] = walked.classes
    backing = Backing(classes, aliases, paths)
    state = [_state_row(found, where, store, backing.of(callee, module))
             for found, where, store, callee, module in pending]
    positions: Dict[str, List[Tuple[int, str]]] = {}
    for item in findings:
        positions.setdefault(show(item.path), []).append((item.finding.line, item.finding.code))
        if os.path.abspath(item.path).startswith(root + os.sep):
            rel = os.path.relpath(os.path.abspath(item.path), root).split(os.sep)
            unit = rel[0] if len(rel) > 1 else "(root modules)"
            if unit in directories:
                directories[unit]["findings"][item.finding.code] += 1
    touches = {p: [(n, c) for n, c in rows if c in TOUCH_CODES] for p, rows in positions.items()}
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
    models = sorted([show(index.paths[m]), cls, table, line, f"{m}.{cls}"]
                    for m, s in index.modules.items() for cls, table, line, *_ in s["models"]
                    if m in module_layer) if index else []
    resolver = Resolver(aliases)
    by_model: Dict[str, Set[str]] = {}
    known = {qual for *_, qual in models}
    for model, writers in written.items():
        qual = resolver.resolve(model, known)
        if qual is not None:
            by_model.setdefault(qual, set()).update(writers)
    table_rows: Dict[str, Dict[str, Set[str]]] = {}
    for p, cls, table, line, qual in models:
        row = table_rows.setdefault(table, {"models": set(), "writers": set()})
        row["models"].add(f"{cls} ({p}:{line})")
        row["writers"].update(by_model.get(qual, ()))
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
        "features": {unit: {role: why for role, (_, why) in sorted(found.items())}
                     for unit, found in sorted(features.items())},
        "role-graph": _role_graph(index, module_roles) if index else [],
        "dependencies": matrix,
        "routes": _routes(tables, aliases, paths, touches),
        "jobs": sorted(jobs, key=_place),
        "triggers": {"import-time": finding_rows(["TBV001"]), "worker": workers},
        "state": {"models": [{"path": p, "model": c, "table": t, "line": n}
                             for p, c, t, n, _ in models],
                  "tables": [{"table": t, "models": sorted(r["models"]),
                              "writers": sorted(r["writers"])}
                             for t, r in sorted(table_rows.items())],
                  "objects": sorted(state, key=_place),
                  "owners": _owners(config, module_roles, paths)},
        "priorities": _priorities(findings, baselined or set()),
        "findings": dict(sorted(by_code.items())),
        "items": [list(row) for row in sorted({
            (show(i.path), i.finding.line, i.finding.code, i.finding.message.split(" — ")[0])
            for i in findings})],
    }


def _place(row: Dict[str, Any]) -> Tuple[str, int]:
    """A row's ``where`` (``path:line``) as a sort key: by file, then by line."""
    path, _, line = str(row["where"]).rpartition(":")
    return path, int(line) if line.isdigit() else 0


def _owners(config: Any, module_roles: Dict[str, Dict[str, str]], paths: Dict[str, str]
            ) -> Dict[str, List[str]]:
    """Who may end transactions: what ``transaction-owners`` declares, and the service,
    repository and unit-of-work modules their roles make owners (SOI004's judgement)."""
    found: Dict[str, List[str]] = {"declared": sorted(config.transaction_owners)}
    for role in ("service", "repository", "unit of work"):
        found[role] = sorted(paths[m] for m, r in module_roles.items() if role in r)
    return found


def _priorities(findings: Sequence[Located], baselined: Set[int]) -> List[Dict[str, Any]]:
    """Findings by severity (architecture, then quality, then governance), new apart from
    the debt a baseline grandfathers."""
    rows = []
    for severity in SEVERITIES:
        counts: Dict[str, List[int]] = {}
        for n, item in enumerate(findings):
            code = item.finding.code
            if code in RULES and RULES[code].severity == severity:
                counts.setdefault(code, [0, 0])[1 if n in baselined else 0] += 1
        rows.append({"severity": severity, "new": sum(c[0] for c in counts.values()),
                     "baselined": sum(c[1] for c in counts.values()),
                     "codes": {c: {"new": v[0], "baselined": v[1]} for c, v in sorted(counts.items())}})
    return rows


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a ``|`` in a path or a message would end the cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _details(summary: str, rows: List[str]) -> List[str]:
    """A table, collapsed under ``<details>`` once it is long (GitHub renders it)."""
    if len(rows) - 2 < DETAILS_AT:
        return rows
    return ["<details>", f"<summary>{summary}</summary>", ""] + rows + ["", "</details>"]


def markdown(data: Dict[str, Any]) -> str:
    out: List[str] = [f"# Structural Truth Map — {data['root']}", "",
                      "*Generated by `truthlint map`: metadata is not truth; behaviour, imports "
                      "and call graphs are.*", ""]
    out += _priority_lines(data)
    out += ["## Layer distribution", ""]
    if data["layers"]:
        out += ["| layer | directories |", "|---|---|"]
        out += [f"| {layer} | {', '.join(d if d.startswith('(') else f'{d}/' for d in dirs)} |"
                for layer, dirs in data["layers"].items()]
    else:
        out += ["No layers declared (`[tool.truthlint.layers]`, `layer-order`, `# Layer:` "
                "headers or an import-linter/tach contract): the layer rules stay silent."]
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
            "recognises: no layer is guessed)."]
    out += _role_lines(data)
    if data["dependencies"]:
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
        out += ["```"]
    out += _route_lines(data)
    out += ["", "## Runtime-trigger map", "", "### Import-time", ""]
    out += [f"- {row}" for row in data["triggers"]["import-time"]] or ["- none"]
    out += ["", "### Workers and scheduled jobs", ""]
    out += [f"- {j['where']} `{j['name']}` ({j['how']})" for j in data["jobs"]]
    out += [f"- {row}" for row in data["triggers"]["worker"]]
    if not data["jobs"] and not data["triggers"]["worker"]:
        out.append("- none")
    out += _state_lines(data)
    out += ["", "## Findings by code", "", "| code | name | severity | count |", "|---|---|---|---|"]
    out += [f"| {code} | {RULES[code].name} | {RULES[code].severity} | {n} |"
            for code, n in data["findings"].items() if code in RULES]
    return "\n".join(out) + "\n"


def _priority_lines(data: Dict[str, Any]) -> List[str]:
    out = ["## Priorities", "", "| severity | new | baselined | codes |", "|---|---|---|---|"]
    for row in data["priorities"]:
        codes = ", ".join(f"{c} ×{v['new'] + v['baselined']}" for c, v in row["codes"].items())
        out.append(f"| {row['severity']} | {row['new']} | {row['baselined']} | {codes or '—'} |")
    return out + ["", "Architecture findings break what the team declared (layers, owners, "
                  "cycles, route writes); quality findings misbehave in production; governance "
                  "findings are packaging and wording. `baselined`: debt a baseline "
                  "(`--baseline FILE`) grandfathers.", ""]


def _role_lines(data: Dict[str, Any]) -> List[str]:
    out = ["", "## Roles and features", ""]
    rows = ["| directory | role | evidence |", "|---|---|---|"]
    for unit, found in data["features"].items():
        rows += [f"| {_cell(unit)} | {role} | {_cell(why)} |" for role, why in found.items()]
    unroled = [u for u in data["directories"] if u not in data["features"]]
    out += _details(f"{len(rows) - 2} roles in {len(data['features'])} directories", rows)
    if unroled:
        out += ["", "No role evidence (—): " + ", ".join(unroled) + "."]
    out += ["", "Each module's roles and why: `truthlint map --format json` (`roles`).", "",
            "### Role graph", "", "| from | to | imports | |", "|---|---|---|---|"]
    out += [f"| {e['from']} | {e['to']} | {e['imports']} | "
            + (f"⚠ {e['upward']} point up |" if e["upward"] else "|") for e in data["role-graph"]]
    return out


def _route_lines(data: Dict[str, Any]) -> List[str]:
    routes = data["routes"]
    out = ["", "## Routes", ""]
    if not routes:
        return out + ["No routes declared."]
    touched = sum(1 for r in routes if r["touches"])
    unmounted = sum(1 for r in routes if not r["mounted"])
    out += [f"{len(routes)} routes; {touched} whose handler a rule flags (STI001 writes, SOI004 "
            f"transactions, SOI005 owned tables, TBV003 blocking calls)"
            + (f"; {unmounted} on routers no app mounts as far as truthlint reads (own path "
               "shown, marked †)" if unmounted else "") + ".", ""]
    rows = ["| method | path | handler | touches |", "|---|---|---|---|"]
    rows += [f"| {r['methods']} | `{_cell(r['path']) or '/'}`{'' if r['mounted'] else ' †'} "
             f"| {r['handler']} | {r['touches'] or '—'} |" for r in routes]
    return out + _details(f"{len(routes)} routes", rows)


def _state_lines(data: Dict[str, Any]) -> List[str]:
    state = data["state"]
    out = ["", "## State ownership map", "", "### Tables", "",
           "| table | model(s) | written by |", "|---|---|---|"]
    rows = [f"| {_cell(t['table'])} | {_cell(', '.join(t['models']))} "
            f"| {_cell(', '.join(t['writers'])) or '—'} |"
            for t in state["tables"]]
    out = out[:5] + _details(f"{len(rows)} tables", out[5:] + rows)
    objects = state["objects"]
    verdicts = Counter(o["verdict"] for o in objects)
    out += ["", "### Module and class state", "",
            f"{len(objects)} objects: {verdicts['unsafe']} unsafe with several workers, "
            f"{verdicts['unknown']} unknown, {verdicts['safe']} safe (wrapping shared state). "
            "Clients, engines and connections are not state and are not listed.", ""]
    rows = ["| object | kind | several workers | evidence |", "|---|---|---|---|"]
    rows += [f"| {o['where']} `{_cell(o['name'])}` | {o['kind']} | {o['verdict']} | {_cell(o['why'])} |"
             for o in sorted(objects, key=lambda o: ("unsafe", "unknown", "safe").index(o["verdict"]))]
    out += _details(f"{len(objects)} objects", rows) if objects else []
    owners = state["owners"]
    out += ["", "### Transaction owners", "",
            f"- declared (`transaction-owners`): {', '.join(owners['declared']) or '—'}"]
    for role in ("service", "repository", "unit of work"):
        listed = owners[role]
        more = " …" if len(listed) > 6 else ""
        out.append(f"- {role} modules: {len(listed)}"
                   + (f" ({', '.join(listed[:6])}{more})" if listed else ""))
    return out


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
