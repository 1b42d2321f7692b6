"""The project index: whole-project facts for a per-file linter.

For one package root it holds every module's :mod:`summary`, built by parsing (never
importing) the source, and cached on disk by content so a warm run only re-reads what
changed. The cache is one JSON file per root, replaced atomically: parallel flake8 workers
and concurrent runs may all write it, the last complete write wins, and nobody waits. An
unreadable or corrupt cache is rebuilt without a word.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections import deque
from typing import (Any, Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Set, Tuple,
                    TypeVar, Union, cast)

from .. import __version__
from ..core.config import Config
from ..core.digest import build_id, canonical, digest as _digest, encoded, text_digest, value_digest
from ..core.files import RACY_NS, FileSystem, python_files_under, read_regular, write_cache
from ..core.source import imported_names
from .layout import project_dir
from ..core.location import module_name
from ..facts.summary import MODULE_LEVEL, empty_summary, imported_modules
from .graph import closed, shown, strongly_connected, toward

INDEX_VERSION = 38
# a summary is what this truthlint's facts floor makes of a file: another release's is stale
CACHE_VERSION = f"{INDEX_VERSION}/{__version__}"
T = TypeVar("T")


def cache_version() -> str:
    """The index format and the build that wrote it (an edited checkout is another build)."""
    return f"{CACHE_VERSION}/{build_id()}"


# modules a cycle search visits from an edge's target before it settles for the cycle through
# the component's hub: bounded work per edge, so TBV004 stays linear in the graph
CYCLE_SEARCH = 512
HUBS = 8  # and then through the best of this many hubs of the component
MAX_HOPS = 6  # aliases of aliases and re-exports followed to a session definition
ABSENT = "absent"  # a reference whose definition the index does not hold

# a hub, and each member's (next step, distance) toward it and (previous step, distance) from it
HubTrees = Tuple[str, Dict[str, Tuple[str, int]], Dict[str, Tuple[str, int]]]
# (path, content, settings, directory cache, module name) -> the module's summary
Summarizer = Callable[[str, bytes, Config, FileSystem, str], Dict[str, Any]]


class Stale(NamedTuple):
    """A module whose cached summary is missing or out of date."""

    rel: str  # path from the root's parent directory
    module: str
    path: str
    digest: str
    data: bytes


SUMMARY_KEYS = frozenset(empty_summary(""))  # what every summary holds (flags may add keys)


class Summaries:
    """Module -> summary, kept as the cache's JSON text until a rule asks for one: a warm
    single-file run decodes only the few modules it looks at. ``noted`` hears of every module
    a rule asks about (present or not): the file being checked depends on it."""

    def __init__(self, noted: Callable[[str, str], None] = lambda kind, module: None) -> None:
        self._raw: Dict[str, Union[str, Dict[str, Any]]] = {}
        self.noted = noted

    def __setitem__(self, module: str, value: Union[str, Dict[str, Any]]) -> None:
        self._raw[module] = value

    def __getitem__(self, module: str) -> Dict[str, Any]:
        self.noted("sum", module)
        value = self._raw[module]
        if isinstance(value, str):
            value = self._raw[module] = decoded(module, value)
        return value

    def __contains__(self, module: object) -> bool:
        if isinstance(module, str):
            self.noted("has", module)
        return module in self._raw

    def __len__(self) -> int:
        return len(self._raw)

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def keys(self) -> Iterable[str]:
        return self._raw.keys()

    def get(self, module: str, default: Optional[Dict[str, Any]] = None) -> Optional[Dict[str, Any]]:
        if module in self._raw:
            return self[module]
        self.noted("has", module)
        return default

    def items(self) -> Iterator[Tuple[str, Dict[str, Any]]]:
        return ((module, self[module]) for module in list(self._raw))

    def values(self) -> Iterator[Dict[str, Any]]:
        return (self[module] for module in list(self._raw))


def decoded(module: str, text: str) -> Dict[str, Any]:
    """A summary from its JSON; a damaged one reads as an empty module."""
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if isinstance(value, dict) and SUMMARY_KEYS <= value.keys():
        return value
    return empty_summary(module)


# whole-project facts stored with the cache and reused while no file changes
# (memo key -> the method that computes it)
CACHED_FACTS = {"graph": "graph", "reverse": "reverse_graph", "scc": "components",
                "importers": "importers", "tables": "tables", "roles": "roles",
                "named": "named", "import_callers": "import_callers",
                "discovering": "discovering", "unread": "unread"}
# every whole-project fact a rule can ask for, by memo key ("session:<ref>" aside)
FACTS = {**CACHED_FACTS, "members": "groups", "outside": "outside_imports"}


class ProjectIndex:
    """Every module under one package root, with the queries the rules ask."""

    def __init__(self, root: str, config: Config, fs: FileSystem, cache_dir: Optional[str],
                 summarize: Summarizer) -> None:
        self.root = root
        self.summarize = summarize  # what a module's summary is: the facts floor's business
        self.config = config
        self.fs = fs
        self.cache_dir = cache_dir
        self.modules: Summaries = Summaries(self._noted)
        self.paths: Dict[str, str] = {}
        self.digests: Dict[str, str] = {}  # path -> content digest
        # followed: facts updated by edits; kept: facts an edit left as saved (not decoded)
        self.stats = {"parsed": 0, "cached": 0, "followed": 0, "kept": 0}
        self._derived: Dict[str, Any] = {}
        self._saved_facts: Dict[str, Any] = {}
        self._racy_after: Optional[int] = None  # see RACY_NS
        self._saved_digests: Dict[str, str] = {}  # digests of the saved facts' values
        self._fact_digests: Dict[str, str] = {}
        self._files: Dict[str, Any] = {}  # rel -> [mtime_ns, size, digest, summary JSON]
        self._dirty = False  # the cache on disk must be rewritten
        self._replaced: Dict[str, Optional[str]] = {}  # rel -> its summary before this edit
        self._same_modules = False  # the same modules as the cache's (none came or went)
        self._kept: Dict[str, Tuple[str, str]] = {}  # facts edits left as saved: (text, digest)

    # --- building ---------------------------------------------------------------------------

    def _cache_file(self) -> Optional[str]:
        if not self.cache_dir:
            return None
        key = _digest(encoded(f"{self.root}|{self.config.source}"))[:16]
        return os.path.join(self.cache_dir, f"index-{key}.json")

    def _load_cache(self) -> Dict[str, Any]:
        """The cache file is JSON lines: a header (files, where each fact is), then one
        line per summary or fact, kept as text until someone asks for it."""
        path = self._cache_file()
        if path is None:
            return {}
        try:
            text = read_regular(path).decode("utf-8")
            head, _, body = text.partition("\n")
            header = json.loads(head)
            if (header.get("version") != cache_version() or header.get("root") != self.root
                    or header.get("body") != _digest(encoded(body))):
                return {}  # another version, another tree, or a damaged or truncated file
            lines = [head] + body.split("\n")
            written = header.get("written")
            self._racy_after = written - RACY_NS if isinstance(written, int) else None
            files = {}
            for rel, entry in header["files"].items():
                if _valid(entry) and 0 < entry[3] < len(lines):
                    files[rel] = entry[:3] + [lines[entry[3]]]
            facts = header.get("facts")
            digests = header.get("digests")
            if (len(files) == len(header["files"]) and isinstance(facts, dict)
                    and isinstance(digests, dict)):
                self._saved_facts = {name: lines[n] for name, n in facts.items()
                                     if name in CACHED_FACTS and isinstance(n, int)
                                     and 0 < n < len(lines) and isinstance(digests.get(name), str)}
                self._saved_digests = {name: digests[name] for name in self._saved_facts}
            return files
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return {}  # missing, unreadable or corrupt: rebuild silently

    def _save_cache(self, files: Dict[str, Any]) -> None:
        path = self._cache_file()
        directory = self.cache_dir
        if path is None or directory is None:
            return
        try:
            kept = self._kept
            facts = {key: kept[key][0] if key in kept else canonical(getattr(self, method)())
                     for key, method in CACHED_FACTS.items()}
            digests = {key: kept[key][1] if key in kept else text_digest(text)
                       for key, text in facts.items()}
            for key, found in digests.items():
                self._fact_digests.setdefault(key, found)
            body: List[str] = []
            header_files = {}
            for rel, entry in files.items():
                body.append(entry[3])
                header_files[rel] = entry[:3] + [len(body)]
            header_facts = {}
            for name, value in facts.items():
                body.append(value)
                header_facts[name] = len(body)
            text = "\n".join(body)
            header = json.dumps({"version": cache_version(), "root": self.root,
                                 "written": time.time_ns(),
                                 "body": _digest(encoded(text)),
                                 "files": header_files, "facts": header_facts,
                                 "digests": digests},
                                separators=(",", ":"))
        except (OSError, TypeError, ValueError):
            return  # (a fact that cannot be computed or written as JSON: no cache this time)
        write_cache(path, header + "\n" + text)  # readers see the old file or the new one

    def python_files(self) -> Iterable[str]:
        return python_files_under(self.root)

    def build(self) -> "ProjectIndex":
        """Load the cache, re-summarise what changed, save the cache if anything moved. (A
        cold ``truthlint check`` summarises in its own parallel walk instead: ``run.pipeline``.)"""
        return self.complete(self._summarize(self.plan()))

    def plan(self) -> List["Stale"]:
        """Load the cache and stat every file: the modules whose summary must be (re)made.
        A caller may summarise them itself (the cold command run does, while checking them)
        and hand the results to :meth:`complete`."""
        cached = self._load_cache()
        files: Dict[str, Any] = {}
        todo: List[Stale] = []
        changed = len(cached) == 0
        prefix = len(os.path.dirname(self.root)) + 1
        for path in self.python_files():
            rel = path[prefix:]
            try:
                info = os.stat(path)
            except OSError:
                continue
            entry = cached.get(rel)
            racy = self._racy_after is None or info.st_mtime_ns >= self._racy_after
            if entry and entry[0] == info.st_mtime_ns and entry[1] == info.st_size and not racy:
                self.stats["cached"] += 1
            else:
                try:
                    data = read_regular(path)
                except OSError:
                    continue  # (the check of the file itself says why)
                digest = _digest(data)
                changed = True
                if entry and entry[2] == digest:
                    entry = [info.st_mtime_ns, info.st_size, digest, entry[3]]
                else:
                    if entry:
                        self._replaced[rel] = entry[3]
                    entry = [info.st_mtime_ns, info.st_size, digest, None]
                    todo.append(Stale(rel, _module_name(rel), path, digest, data))
            files[rel] = entry
        self._files = files
        self._same_modules = files.keys() == cached.keys()
        self._dirty = changed or len(files) != len(cached)  # a file changed, came or went
        return todo

    def complete(self, summaries: Iterable[Tuple[str, str]]) -> "ProjectIndex":
        """Take the (rel, summary JSON) of every stale module, save the cache if anything
        moved; the index is then ready for queries."""
        files = self._files
        for rel, text in summaries:
            files[rel][3] = text
            self.stats["parsed"] += 1
        prefix = len(os.path.dirname(self.root)) + 1
        base = self.root[:prefix]
        for rel, entry in files.items():
            module = _module_name(rel)
            if entry[3] is None:  # a summary the caller did not deliver: the module is empty
                entry[3] = json.dumps(empty_summary(module))
            path = base + rel
            self.digests[path] = entry[2]
            self.modules[module] = entry[3]
            self.paths[module] = path
        if self._dirty:
            if self._facts_stand():  # kept as saved: not even decoded
                self._kept = {key: (self._saved_facts[key], self._saved_digests[key])
                              for key in CACHED_FACTS}
                self.stats["kept"] = len(self._kept)
            else:
                self._update_facts()
                self._saved_facts, self._saved_digests = {}, {}
            self._save_cache(files)
        return self

    def _facts_stand(self) -> bool:
        """Does every saved whole-project fact stand after this run's changes? So when no
        module came or went and each edited module's part of every fact is the same in its old
        and its new summary (an edit inside a function, a comment, a file touched), which is
        told from the two summaries alone."""
        if not (self._same_modules and set(self._saved_facts) == set(CACHED_FACTS)):
            return False
        parts = self._parts().values()
        try:
            for rel, old_text in self._replaced.items():
                module = _module_name(rel)
                old, new = decoded(module, old_text or ""), self.modules[module]
                if any(part(module, old) != part(module, new) for part in parts):
                    return False
        except (ValueError, TypeError, KeyError, AttributeError):
            return False
        return True

    def _parts(self) -> Dict[str, Callable[[str, Dict[str, Any]], Any]]:
        """A module's part of each whole-project fact, from its summary: the fact stands after
        an edit when the edited module's part of it does. (The graph's also covers reverse and
        scc, which are made from it.)"""
        return {"graph": lambda module, summary: (in_graph(summary), in_graph(summary)
                                                  and self._graph_row(module, summary)),
                "importers": lambda module, summary: self._targets(summary),
                "tables": self._table_rows, "roles": self._role_rows,
                "named": lambda module, summary: summary.get("names", ()),
                "import_callers": lambda module, summary: set(summary.get("import_calls", ())),
                "discovering": lambda module, summary: bool(summary.get("discovers")),
                "unread": lambda module, summary: bool(summary.get("unparsed"))}

    def _update_facts(self) -> None:
        """After edits to existing modules only, bring the saved whole-project facts up to date
        from the edited modules' old and new summaries, instead of reading every summary again
        (what an editor's run after each save would pay). Each fact comes out exactly as a
        computation from scratch would make it; a change the update cannot follow (a module
        that joins or leaves the import graph, a new name in a string) recomputes that fact."""
        if not (self._same_modules and self._replaced and set(self._saved_facts) == set(CACHED_FACTS)):
            return
        changes = []
        try:  # (the lifecycle completes an index unnoted: it is nobody's read)
            for rel, old_text in self._replaced.items():
                module = _module_name(rel)
                old = Summaries()
                old[module] = old_text or ""
                changes.append((module, old[module], self.modules[module]))
            saved: Dict[str, Any] = {key: json.loads(self._saved_facts[key]) for key in CACHED_FACTS}
            self._derived, self._fact_digests = {}, {}
            unchanged = self._follow_edits(changes, saved)
            self.stats["followed"] = len(self._derived)
            for key in unchanged & self._derived.keys():  # saved again as they were
                self._kept[key] = (self._saved_facts[key], self._saved_digests[key])
        except (ValueError, TypeError, KeyError, AttributeError):
            self._derived, self._fact_digests = {}, {}  # a damaged saved fact: recompute all

    def _follow_edits(self, changes: List[Tuple[str, Dict[str, Any], Dict[str, Any]]],
                      saved: Dict[str, Any]) -> Set[str]:
        """Bring each saved fact up to date; returns the facts no edit changed (each edited
        module's part of them, old and new, is the same)."""
        order = {module: n for n, module in enumerate(self.modules)}
        edited = {module for module, _, _ in changes}
        unchanged: Set[str] = set()

        def same(key: str, part: Callable[[str, Dict[str, Any]], Any]) -> None:
            if all(part(module, old) == part(module, new) for module, old, new in changes):
                unchanged.add(key)

        graph = saved["graph"]
        if all(in_graph(old) == in_graph(new) for _, old, new in changes):
            graph = dict(graph)
            for module, _, new in changes:
                if in_graph(new):
                    graph[module] = self._graph_row(module, new)
            self._derived["graph"] = graph
            if all(graph.get(module) == saved["graph"].get(module) for module in edited):
                unchanged.add("graph")
                for key in ("reverse", "scc"):
                    self._derived[key] = saved[key]
                    unchanged.add(key)
        for key, part in self._parts().items():
            if key != "graph":  # (the graph's rows are compared with the saved ones above)
                same(key, part)
        importers = {k: set(v) for k, v in saved["importers"].items()}
        for module, old, new in changes:
            for target in self._targets(old):
                importers.get(target, set()).discard(module)
            for target in self._targets(new):
                importers.setdefault(target, set()).add(module)
        self._derived["importers"] = {k: v for k, v in importers.items() if v}
        for key, rows_of in (("tables", self._table_rows), ("roles", self._role_rows)):
            table: Dict[str, List[Any]] = {
                k: [tuple(r) if key == "tables" else r for r in v if r[0] not in edited]
                for k, v in saved[key].items()}
            for module, _, new in changes:
                for name, row in rows_of(module, new):
                    table.setdefault(name, []).append(row)
            self._derived[key] = {k: sorted(v, key=lambda r: order[r[0]])
                                  for k, v in table.items() if v}
        if all(old.get("names", ()) == new.get("names", ()) for _, old, new in changes):
            self._derived["named"] = set(saved["named"])
        callers = {k: set(v) for k, v in saved["import_callers"].items()}
        for module, old, new in changes:
            for qual in old.get("import_calls", ()):
                callers.get(qual, set()).discard(module)
            for qual in new.get("import_calls", ()):
                callers.setdefault(qual, set()).add(module)
        self._derived["import_callers"] = {k: sorted(v) for k, v in callers.items() if v}
        for key, flag in (("discovering", "discovers"), ("unread", "unparsed")):
            marked = set(saved[key])
            for module, _, new in changes:
                (marked.add if new.get(flag) else marked.discard)(module)
            self._derived[key] = sorted(marked)
        return unchanged

    def _summarize(self, todo: List["Stale"]) -> List[Tuple[str, str]]:
        return [(item.rel, json.dumps(self.summarize(item.path, item.data, self.config, self.fs,
                                                     item.module)))
                for item in todo]

    # --- derived, whole-project facts (computed once per index) ---------------------------

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """A whole-project fact computed once per index (the index never changes after build),
        or read from the cache when no file changed since it was saved. The file being
        checked is noted as reading the fact (not the modules the fact was made of)."""
        if key not in self._derived:
            saved = self._saved_facts.get(key)
            with self.fs.unnoted():
                if saved is not None:
                    value = json.loads(saved)
                    self._derived[key] = ({k: set(v) for k, v in value.items()}
                                          if key == "importers" else set(value)
                                          if key == "named" else value)
                else:
                    self._derived[key] = compute()
        if self.fs.reads.wants("fact", key):
            self.fs.reads.found["fact", key] = self._noted_fact(key)
        return cast(T, self._derived[key])  # a saved fact is the JSON of what compute returns

    def _noted_fact(self, key: str) -> str:
        """How a read of a fact is recorded: its digest; for one entry of a whole fact (a
        cycle through one edge is one entry of the graph's), the whole's digest too, so a
        later run whose whole fact is unchanged need not work the entry out again."""
        whole = _whole(key)
        if whole is None:
            return self.fact_digest(key)
        return f"{self.fact_digest(whole)}|{self.fact_digest(key)}"

    def still(self, kind: str, what: str, found: str) -> bool:
        """Would a read recorded as ``found`` find the same now?"""
        if kind == "fact":
            whole = _whole(what)
            if whole is not None:
                before, _, entry = found.partition("|")
                return before == self.fact_digest(whole) or entry == self.fact_digest(what)
        return self.answer(kind, what) == found

    def fact_digest(self, key: str) -> str:
        """A digest of a whole-project fact's value, computed once (a saved fact's is saved)."""
        found = self._fact_digests.get(key)
        if found is None:
            if key not in self._derived and key in self._saved_digests:
                found = self._saved_digests[key]
            else:
                with self.fs.unnoted():
                    if key not in self._derived:
                        self._compute(key)
                    found = value_digest(self._derived.get(key, "?"))
            self._fact_digests[key] = found
        return found

    def _compute(self, key: str) -> None:
        fact, _, what = key.partition(":")
        if fact == "session":
            self.session_kind(what)
        elif fact == "cycle":
            self.cycle(*what.split(">", 1))
        elif what and fact in FACTS:
            self.entry(fact, what)
        elif key in FACTS:
            getattr(self, FACTS[key])()

    def entry(self, fact: str, key: str) -> Any:
        """One entry of a whole-project fact (a mapping: its value or None; a set: whether it
        holds ``key``). The file that asks reads that entry only, so an edit elsewhere that
        leaves the entry as it was does not touch the file's result."""
        def compute() -> Any:
            whole = getattr(self, FACTS[fact])()
            return key in whole if isinstance(whole, (set, frozenset, list)) else whole.get(key)

        return self.memo(f"{fact}:{key}", compute)

    # --- TBV004: one cycle per import edge, bounded work per module -------------------------

    def cycle(self, module: str, target: str) -> Optional[List[str]]:
        """The import cycle ``module -> target -> ... -> module`` as the index holds the graph,
        or None. Shortest when it is found within CYCLE_SEARCH modules of ``target``; else the
        cycle through the component's hub (its first module), loops cut: a true cycle, not
        always the shortest, at bounded cost."""
        return self.memo(f"cycle:{module}>{target}", lambda: shown(self._cycle(module, target)))

    def _cycle(self, module: str, target: str) -> Optional[List[str]]:
        scc = self.components()
        if scc.get(module) is None or scc.get(module) != scc.get(target):
            return None
        path = closed(self._toward(module), module, target)
        if path is not None:
            return path
        trees = self._hub_trees(scc[module])
        _, to_hub, from_hub = min(trees, key=lambda t: t[1][target][1] + t[2][module][1])
        walk = [target]
        while to_hub[walk[-1]][1]:
            walk.append(to_hub[walk[-1]][0])
        tail = [module]
        while from_hub[tail[-1]][1]:
            tail.append(from_hub[tail[-1]][0])
        walk.extend(reversed(tail[:-1]))
        simple: List[str] = []
        at: Dict[str, int] = {}
        for node in walk:  # cut loops: a node seen before continues from its first visit
            if node in at:
                for dropped in simple[at[node] + 1:]:
                    del at[dropped]
                del simple[at[node] + 1:]
            else:
                at[node] = len(simple)
                simple.append(node)
        return [module] + simple

    def _toward(self, module: str) -> Dict[str, str]:
        """One breadth-first search backwards from ``module`` inside its component, for at
        most CYCLE_SEARCH modules: for each module reached, its next step on a shortest path
        to ``module``. Importers are taken in sorted order, so the paths are deterministic; it
        stops once every module this one imports in the component is reached."""
        key = f"toward:{module}"
        if key in self._derived:
            return cast(Dict[str, str], self._derived[key])
        found = toward(self.reverse_graph(), module, set(self.graph().get(module, ())),
                       self.members(module), CYCLE_SEARCH)
        self._derived[key] = found
        return found

    def _hub_trees(self, component: int) -> List["HubTrees"]:
        """Breadth-first trees of a component around its HUBS best-connected members: for
        every member, its next step toward the hub and its previous step from it, with the
        distance. A cycle through an edge the bounded search did not close goes through the
        hub that makes it shortest."""
        key = f"hub:{component}"
        if key in self._derived:
            return cast(List[HubTrees], self._derived[key])
        members = self.groups()[component]
        graph, reverse = self.graph(), self.reverse_graph()

        def degree(m: str) -> int:
            return (sum(1 for n in graph.get(m, ()) if n in members)
                    + sum(1 for n in reverse.get(m, ()) if n in members))

        trees = []
        for hub in sorted(members, key=lambda m: (-degree(m), m))[:HUBS]:
            both = []
            for edges in (reverse, graph):
                tree = {hub: (hub, 0)}
                queue = deque([hub])
                while queue:
                    node = queue.popleft()
                    for nxt in edges.get(node, ()):
                        if nxt in members and nxt not in tree:
                            tree[nxt] = (node, tree[node][1] + 1)
                            queue.append(nxt)
                both.append(tree)
            trees.append((hub, both[0], both[1]))
        self._derived[key] = trees
        return trees

    def _noted(self, kind: str, module: str) -> None:
        if self.fs.reads.wants(kind, module):
            self.fs.reads.found[kind, module] = self.answer(kind, module)

    def answer(self, kind: str, what: str) -> str:
        """What a read noted in ``core.files.Reads`` finds in this index now: a module's path
        and content digest ("sum"), whether it exists ("has"), its path ("path"), or a
        whole-project fact's digest ("fact")."""
        if kind == "sum":
            path = self.paths.get(what)
            return f"{path}|{self.digests.get(path)}" if path else "-"
        if kind == "has":
            return str(what in self.paths)
        if kind == "path":
            return str(self.paths.get(what))
        if kind == "graphed":
            return str(self.in_graph(what))
        if kind == "fact":
            return self._noted_fact(what)
        return "?"

    def path(self, module: str) -> Optional[str]:
        """The file of a project module (None if the index has none)."""
        self._noted("path", module)
        return self.paths.get(module)

    def exists(self, module: str) -> bool:
        return module in self.modules

    def in_graph(self, module: str) -> bool:
        """A project module whose imports were read and that the app imports: migrations
        (run by their tool) and modules that did not parse stay out of the import graph."""
        with self.fs.unnoted():  # noted as this one question, not as the module's summary
            summary = self.modules.get(module)
        found = summary is not None and in_graph(summary)
        self.fs.reads.note("graphed", module, str(found))
        return found

    def edges(self, summary: Dict[str, Any]) -> List[List[Any]]:
        return imported_modules(summary, self.exists)

    def graph(self) -> Dict[str, List[str]]:
        """Module-level import edges between project modules (what runs at import)."""
        return self.memo("graph", lambda: {module: self._graph_row(module, summary)
                                           for module, summary in self.modules.items()
                                           if in_graph(summary)})

    def _graph_row(self, module: str, summary: Dict[str, Any]) -> List[str]:
        return sorted({row[0] for row in self.edges(summary)
                       if runs_at_import(row, module) and self.in_graph(row[0])})

    def _targets(self, summary: Dict[str, Any]) -> Set[str]:
        """What a module imports, at any level (with the names it imports them as)."""
        return {target for row in self.edges(summary) for target in (row[0], row[4])}

    @staticmethod
    def _table_rows(module: str, summary: Dict[str, Any]) -> List[Tuple[str, Any]]:
        if summary.get("migration"):
            return []
        return [(table, (module, cls, line, registry))
                for cls, table, line, _, registry in summary["models"]]

    @staticmethod
    def _role_rows(module: str, summary: Dict[str, Any]) -> List[Tuple[str, Any]]:
        return [(key, [module, name, line, bases])
                for name, (line, bases, abstract, key) in summary["classes"].items()
                if key and not abstract]

    def reverse_graph(self) -> Dict[str, List[str]]:
        """Module -> the modules that import it at module level."""
        def compute() -> Dict[str, List[str]]:
            reverse: Dict[str, List[str]] = {}
            for module, targets in sorted(self.graph().items()):
                for target in targets:
                    reverse.setdefault(target, []).append(module)
            return reverse

        return self.memo("reverse", compute)

    def components(self) -> Dict[str, int]:
        """Strongly connected component id of every module (iterative Tarjan)."""
        return self.memo("scc", lambda: strongly_connected(self.graph()))

    def members(self, module: str) -> Set[str]:
        """The modules in ``module``'s strongly connected component (itself included)."""
        component = self.components().get(module)
        if component is None:
            return {module}
        return self.groups().get(component, {module})

    def groups(self) -> Dict[int, Set[str]]:
        """Component id -> its modules."""
        def compute() -> Dict[int, Set[str]]:
            groups: Dict[int, Set[str]] = {}
            for name, component in self.components().items():
                groups.setdefault(component, set()).add(name)
            return groups

        return self.memo("members", compute)

    def importers(self) -> Dict[str, Set[str]]:
        """Module -> the modules that import it, at any level."""
        def compute() -> Dict[str, Set[str]]:
            importers: Dict[str, Set[str]] = {}
            for module, summary in self.modules.items():
                for target in self._targets(summary):
                    importers.setdefault(target, set()).add(module)
            return importers

        return self.memo("importers", compute)

    def function(self, qual: str, override: Optional[Tuple[str, Dict[str, Any]]] = None,
                 hops: int = 0) -> Optional[Tuple[str, str, Dict[str, Any]]]:
        """``app.planners.get_planner`` -> (module, key, record); a class maps to its
        ``__init__``; a name a package re-exports (``from .items import ItemService``) to its
        definition. ``override`` replaces one module's summary (the file being checked)."""
        parts = qual.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            summary = override[1] if override and override[0] == module else self.modules.get(module)
            if summary is None:
                continue
            key = ".".join(parts[cut:])
            for candidate in (key, f"{key}.__init__"):
                record = summary["functions"].get(candidate)
                if record is not None:
                    return module, candidate, record
            head = parts[cut]
            if hops < MAX_HOPS and head not in summary["classes"]:
                for row in summary["imports"]:
                    if head in row[1]:
                        return self.function(f"{row[0]}.{key}", override, hops + 1)
            return None
        return None

    def session_kind(self, reference: str) -> Optional[Tuple[str, str]]:
        """What a session reference (see ``facts.sessions.ref``) resolves to: (kind, the
        qualified name that says so), kind "sync", "async" or "unknown"; None when the name
        is defined and is no session; ``(ABSENT, name)`` when the index does not hold its
        definition (a module it does not have, a name made at run time). Follows aliases of
        aliases and re-exports, up to MAX_HOPS."""
        return self.memo("session:" + reference, lambda: session_kind(self.modules.get, reference))

    def roles(self) -> Dict[str, List[List[Any]]]:
        """Class role key (see ``summary.role_key``) -> [module, class, line, bases] rows."""
        def compute() -> Dict[str, List[List[Any]]]:
            roles: Dict[str, List[List[Any]]] = {}
            for module, summary in self.modules.items():
                for key, row in self._role_rows(module, summary):
                    roles.setdefault(key, []).append(row)
            return roles

        return self.memo("roles", compute)

    def named(self) -> Set[str]:
        """Project modules named in a string somewhere (loaded by name: settings, plugin
        lists, server configs), as the summaries record them, with the packages above them
        (``"app.jobs.cleanup"`` names ``app.jobs`` too: it is imported on the way)."""
        def compute() -> Set[str]:
            found: Set[str] = set()
            for summary in self.modules.values():
                for name in summary.get("names", ()):
                    parts = name.split(".")
                    found.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
            return found

        return self.memo("named", compute)

    def import_callers(self) -> Dict[str, List[str]]:
        """Project function -> the modules that call it at import time, sorted."""
        def compute() -> Dict[str, List[str]]:
            callers: Dict[str, Set[str]] = {}
            for module, summary in self.modules.items():
                for qual in summary.get("import_calls", ()):
                    callers.setdefault(qual, set()).add(module)
            return {qual: sorted(mods) for qual, mods in callers.items()}

        return self.memo("import_callers", compute)

    def discovering(self) -> List[str]:
        """Modules that load modules by name or by listing a package (``import_module(name)``,
        ``pkgutil.iter_modules``)."""
        return self.memo("discovering", lambda: sorted(
            m for m, s in self.modules.items() if s.get("discovers")))

    def unread(self) -> List[str]:
        """Modules that could not be parsed: a claim about who imports what is unknown."""
        return self.memo("unread", lambda: sorted(m for m, s in self.modules.items() if s.get("unparsed")))

    def outside_imports(self) -> Set[str]:
        """Modules of this root imported by Python files of the project outside it (tests/,
        conftest.py, scripts/, alembic/, other roots), read line by line, never executed.
        Asked only when a rule is about to say nothing imports a module."""
        def compute() -> Set[str]:
            found: Set[str] = set()
            project = project_dir(self.root)
            if project is None:  # outside any project: nothing beside the root is the project's
                return found
            root = self.root.rstrip(os.sep) + os.sep
            package = os.path.basename(self.root)
            for path in python_files_under(project):
                if path.startswith(root):
                    continue
                try:
                    if not stat.S_ISREG(os.lstat(path).st_mode):
                        continue  # only regular files: never a FIFO, device or link
                    with open(path, "rb") as fh:
                        text = fh.read(1_000_000).decode("utf-8", "replace")
                except OSError:
                    continue
                if package in text:
                    found.update(imported_names(text, package))
            return found

        return self.memo("outside", compute)

    def tables(self) -> Dict[str, List[Tuple[str, str, int, str]]]:
        """Table name -> [(module, class, line, registry)] over every non-migration module."""
        def compute() -> Dict[str, List[Tuple[str, str, int, str]]]:
            tables: Dict[str, List[Tuple[str, str, int, str]]] = {}
            for module, summary in self.modules.items():
                for table, row in self._table_rows(module, summary):
                    tables.setdefault(table, []).append(row)
            return tables

        return self.memo("tables", compute)


def session_kind(summary_of: Callable[[str], Optional[Dict[str, Any]]], reference: str,
                 hops: int = 0) -> Optional[Tuple[str, str]]:
    """:meth:`ProjectIndex.session_kind` over any source of summaries: the complete index's,
    or (:class:`Early`) those of a cold run's plan before phase one completes it."""
    role, _, qual = reference[1:].partition(":")
    if hops > MAX_HOPS or not qual:
        return None
    parts = qual.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        summary = summary_of(".".join(parts[:cut]))
        if summary is None:
            continue
        module, name = ".".join(parts[:cut]), ".".join(parts[cut:])
        entry = summary.get("sessions", {}).get(name)
        kind = None
        if isinstance(entry, list) and len(entry) == 2 and role in entry[0]:
            kind = entry[1]
        elif role == "C":
            record = summary["functions"].get(name)
            kind = record.get("yields") if isinstance(record, dict) else None
        if isinstance(kind, str):
            if kind.startswith("="):
                return session_kind(summary_of, kind, hops + 1)
            return kind, f"{module}.{name}"
        head = name.split(".")[0]
        for row in summary["imports"]:  # a re-export: ``from .deps import SessionDep``
            if head in row[1]:
                return session_kind(summary_of, f"={role}:{row[0]}.{name}", hops + 1)
        if entry is not None or head in summary["functions"] or head in summary["classes"]:
            return None  # defined here, and not as a session
        return ABSENT, qual
    return ABSENT, qual


class Early:
    """A planned index's modules while a cold run's phase one is still summarising them.

    A file's walk that meets a session reference into another module (``SessionDep`` from
    ``app.api.deps``) asks this instead of waiting for the index: the module's cached
    summary, or for a stale module its summary made here from the planned text (a few
    provider modules, not the files that use them). Phase two confirms each answer against
    the complete index and checks the file again in full when one differs, so an answer
    from here never decides a finding on its own."""

    # the run's own walk of a stale module, taken ahead of its turn: its summary, or None
    ahead: Optional[Callable[[Stale], Optional[Dict[str, Any]]]] = None

    def __init__(self, index: ProjectIndex, stale: List[Stale]) -> None:
        self._index = index
        self._stale = {item.module: item for item in stale}
        self._texts: Optional[Dict[str, str]] = None  # module -> cached summary JSON
        self._summaries: Dict[str, Optional[Dict[str, Any]]] = {}
        self._answers: Dict[str, Optional[Tuple[str, str]]] = {}

    def session_kind(self, reference: str) -> Optional[Tuple[str, str]]:
        if reference not in self._answers:
            with self._index.fs.unnoted():
                self._answers[reference] = session_kind(self._summary, reference)
        return self._answers[reference]

    def _summary(self, module: str) -> Optional[Dict[str, Any]]:
        if module not in self._summaries:
            self._summaries[module] = self._make(module)
        return self._summaries[module]

    def _make(self, module: str) -> Optional[Dict[str, Any]]:
        item = self._stale.get(module)
        index = self._index
        if item is not None:
            found = self.ahead(item) if self.ahead is not None else None
            if found is None:
                found = index.summarize(item.path, item.data, index.config, index.fs, item.module)
            return found
        if self._texts is None:
            self._texts = {_module_name(rel): entry[3] for rel, entry in index._files.items()
                           if entry[3] is not None}
        text = self._texts.get(module)
        if text is None:
            return None
        return decoded(module, text)

    def __getstate__(self) -> Dict[str, Any]:
        """A process started afresh gets no ``ahead`` (it is the starting run's) and summarises
        on its own."""
        state = dict(self.__dict__)
        state.pop("ahead", None)
        return state


def _whole(key: str) -> Optional[str]:
    """The whole fact a fact entry is part of (``cycle:a>b`` of the graph), or None."""
    fact, sep, _ = key.partition(":")
    if not sep or fact == "session":
        return None
    return "graph" if fact == "cycle" else fact


def runs_at_import(row: List[Any], module: str) -> bool:
    """An import edge (an ``imported_modules`` row) that can make import order matter: at
    module level, to another module, and not the binding of an ancestor package's module
    object (``import app.models as models`` inside ``app/models/x.py``: the package is always
    being initialised already, and nothing is read from it yet)."""
    target = row[0]
    return (row[3] == MODULE_LEVEL and target != module
            and not (row[4] == target and module.startswith(target + ".")))


def in_graph(summary: Dict[str, Any]) -> bool:
    return not summary.get("migration") and not summary.get("unparsed")


def _valid(entry: Any) -> bool:
    """A header entry as ``_save_cache`` writes it: [mtime_ns, size, digest, line]."""
    return (type(entry) is list and len(entry) == 4 and type(entry[0]) is int
            and type(entry[1]) is int and type(entry[2]) is str and type(entry[3]) is int)


def _module_name(rel: str) -> str:
    return module_name(rel.replace(os.sep, "/").split("/"))
