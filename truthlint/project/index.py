"""The project index: whole-project facts for a per-file linter.

For one package root it holds every module's :mod:`summary`, built by parsing (never
importing) the source, and cached on disk by content so a warm run only re-reads what
changed. The cache is one JSON file per root, replaced atomically: parallel flake8 workers
and concurrent runs may all write it, the last complete write wins, and nobody waits. An
unreadable or corrupt cache is rebuilt without a word.
"""

from __future__ import annotations

import ast
import json
import os
import warnings
from collections import deque
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Set, Tuple

from ..core.config import Config
from .layout import MIGRATION_DIRS, FileSystem, locate, module_name, split_lines
from ..facts.summary import MODULE_LEVEL, Summary, empty_summary, imported_modules
from ..core.walker import Walker

try:  # the blake2 module alone: importing hashlib loads OpenSSL, 3 ms of every flake8 start
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter without it
    from hashlib import blake2b

INDEX_VERSION = 7
SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})
MAX_CHAIN = 8


class Stale(NamedTuple):
    """A module whose cached summary is missing or out of date."""

    rel: str  # path from the root's parent directory
    module: str
    path: str
    digest: str
    data: bytes


def _digest(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


def summarize_tree(tree: ast.AST, lines: List[str], path: str, config: Config,
                   fs: FileSystem, providers: bool = True) -> Dict[str, Any]:
    """The summary of one parsed module (the same collectors the rules' walk runs).
    ``providers=False`` skips the session facts, which only matter to a module that yields."""
    from ..engine.check import FileContext  # the engine imports the index
    from ..facts.sessions import SessionFacts

    ctx = FileContext(path, lines, locate(path, lines, config, fs), config, fs)
    collectors: List[Any] = [ctx.imports]
    if providers:
        facts = SessionFacts(ctx)
        ctx.shared["SessionFacts"] = facts
        collectors.append(facts)
    summary = Summary(ctx)
    Walker(collectors + [summary], ctx).run(tree)
    return summary.data


def summarize_file(path: str, data: bytes, config: Config, fs: FileSystem,
                   module: str) -> Dict[str, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return empty_summary(module)
    text = data.decode("utf-8", errors="replace")
    try:
        return summarize_tree(tree, split_lines(text), path, config, fs, b"yield" in data)
    except RecursionError:
        return empty_summary(module)


class Summaries(dict):
    """Module -> summary, kept as the cache's JSON text until a rule asks for one: a warm
    single-file run decodes only the few modules it looks at."""

    def __getitem__(self, module: str) -> Dict[str, Any]:
        value = dict.__getitem__(self, module)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
            if not (isinstance(value, dict) and len(value) == 5):
                value = empty_summary(module)  # a damaged line: as if the module were empty
            dict.__setitem__(self, module, value)
        return value

    def get(self, module: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[module] if module in self else default

    def items(self):  # type: ignore[no-untyped-def,override]
        return ((module, self[module]) for module in self.keys())

    def values(self):  # type: ignore[no-untyped-def,override]
        return (self[module] for module in self.keys())


# whole-project facts stored with the cache and reused while no file changes
# (memo key -> the method that computes it)
CACHED_FACTS = {"graph": "graph", "reverse": "reverse_graph", "scc": "components",
                "importers": "importers", "tables": "tables", "roles": "roles"}


class ProjectIndex:
    """Every module under one package root, with the queries the rules ask."""

    def __init__(self, root: str, config: Config, fs: FileSystem,
                 cache_dir: Optional[str]) -> None:
        self.root = root
        self.config = config
        self.fs = fs
        self.cache_dir = cache_dir
        self.modules: Summaries = Summaries()
        self.paths: Dict[str, str] = {}
        self.digests: Dict[str, str] = {}  # path -> content digest
        self.stats = {"parsed": 0, "cached": 0}
        self._derived: Dict[str, Any] = {}
        self._saved_facts: Dict[str, Any] = {}
        self._files: Dict[str, Any] = {}  # rel -> [mtime_ns, size, digest, summary JSON]
        self._dirty = False  # the cache on disk must be rewritten

    # --- building ---------------------------------------------------------------------------

    def _cache_file(self) -> Optional[str]:
        if not self.cache_dir:
            return None
        key = _digest(f"{self.root}|{self.config.source}".encode())[:16]
        return os.path.join(self.cache_dir, f"index-{key}.json")

    def _load_cache(self) -> Dict[str, Any]:
        """The cache file is JSON lines: a header (files, where each fact is), then one
        line per summary or fact, kept as text until someone asks for it."""
        path = self._cache_file()
        if path is None:
            return {}
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            head, _, body = text.partition("\n")
            header = json.loads(head)
            if (header.get("version") != INDEX_VERSION or header.get("root") != self.root
                    or header.get("body") != _digest(body.encode("utf-8"))):
                return {}  # another version, another tree, or a damaged or truncated file
            lines = [head] + body.split("\n")
            files = {}
            for rel, entry in header["files"].items():
                if _valid(entry) and 0 < entry[3] < len(lines):
                    files[rel] = entry[:3] + [lines[entry[3]]]
            facts = header.get("facts")
            if len(files) == len(header["files"]) and isinstance(facts, dict):
                self._saved_facts = {name: lines[n] for name, n in facts.items()
                                     if name in CACHED_FACTS and isinstance(n, int)
                                     and 0 < n < len(lines)}
            return files
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return {}  # missing, unreadable or corrupt: rebuild silently

    def _save_cache(self, files: Dict[str, Any]) -> None:
        path = self._cache_file()
        if path is None:
            return
        try:
            facts = {key: getattr(self, method)() for key, method in CACHED_FACTS.items()}
            facts["importers"] = {k: sorted(v) for k, v in facts["importers"].items()}
            body: List[str] = []
            header_files = {}
            for rel, entry in files.items():
                body.append(entry[3])
                header_files[rel] = entry[:3] + [len(body)]
            header_facts = {}
            for name, value in facts.items():
                body.append(json.dumps(value, separators=(",", ":")))
                header_facts[name] = len(body)
            text = "\n".join(body)
            header = json.dumps({"version": INDEX_VERSION, "root": self.root,
                                 "body": _digest(text.encode("utf-8")),
                                 "files": header_files, "facts": header_facts},
                                separators=(",", ":"))
            os.makedirs(self.cache_dir, exist_ok=True)  # type: ignore[arg-type]
            ignore = os.path.join(self.cache_dir, ".gitignore")  # type: ignore[arg-type]
            if not os.path.exists(ignore):
                with open(ignore, "w", encoding="utf-8") as fh:
                    fh.write("# created by truthlint\n*\n")
            import tempfile  # only a run that writes the cache pays for importing it

            fd, tmp = tempfile.mkstemp(prefix=".index-", suffix=".tmp", dir=self.cache_dir)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(header + "\n" + text)
            os.replace(tmp, path)  # atomic: readers see the old file or the new one
        except (OSError, TypeError, ValueError):
            try:
                os.unlink(tmp)  # type: ignore[possibly-undefined]
            except (OSError, UnboundLocalError):
                pass

    def python_files(self) -> Iterable[str]:
        for dirpath, dirnames, filenames in os.walk(self.root):  # never follows symlinks
            dirnames[:] = sorted(d for d in dirnames
                                 if not d.startswith(".") and d not in SKIP_DIRS)
            for name in sorted(filenames):
                if name.endswith(".py"):
                    yield os.path.join(dirpath, name)

    def build(self) -> "ProjectIndex":
        """Load the cache, re-summarise what changed, save the cache if anything moved. (A
        cold ``truthlint check`` summarises in its own parallel walk instead: ``coldrun``.)"""
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
            if entry and entry[0] == info.st_mtime_ns and entry[1] == info.st_size:
                self.stats["cached"] += 1
            else:
                try:
                    with open(path, "rb") as fh:
                        data = fh.read()
                except OSError:
                    continue
                digest = _digest(data)
                changed = True
                if entry and entry[2] == digest:
                    entry = [info.st_mtime_ns, info.st_size, digest, entry[3]]
                else:
                    entry = [info.st_mtime_ns, info.st_size, digest, None]
                    todo.append(Stale(rel, _module_name(rel), path, digest, data))
            files[rel] = entry
        self._files = files
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
            self._saved_facts = {}
            self._save_cache(files)
        return self

    def _summarize(self, todo: List["Stale"]) -> List[Tuple[str, str]]:
        return [(item.rel, json.dumps(summarize_file(item.path, item.data, self.config, self.fs,
                                                     item.module)))
                for item in todo]

    # --- derived, whole-project facts (computed once per index) ---------------------------

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """A whole-project fact computed once per index (the index never changes after build),
        or read from the cache when no file changed since it was saved."""
        if key not in self._derived:
            saved = self._saved_facts.get(key)
            if saved is not None:
                value = json.loads(saved)
                self._derived[key] = ({k: set(v) for k, v in value.items()}
                                      if key == "importers" else value)
            else:
                self._derived[key] = compute()
        return self._derived[key]

    def exists(self, module: str) -> bool:
        return module in self.modules

    def edges(self, summary: Dict[str, Any]) -> List[List[Any]]:
        return imported_modules(summary, self.exists)

    def graph(self) -> Dict[str, List[str]]:
        """Module-level import edges between project modules (what runs at import)."""
        def compute() -> Dict[str, List[str]]:
            return {module: sorted({row[0] for row in self.edges(summary)
                                    if row[3] == MODULE_LEVEL and row[0] in self.modules
                                    and row[0] != module})
                    for module, summary in self.modules.items()}

        return self.memo("graph", compute)

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
        def compute() -> Dict[int, Set[str]]:
            groups: Dict[int, Set[str]] = {}
            for name, component in self.components().items():
                groups.setdefault(component, set()).add(name)
            return groups

        component = self.components().get(module)
        if component is None:
            return {module}
        return self.memo("members", compute).get(component, {module})

    def importers(self) -> Dict[str, Set[str]]:
        """Module -> the modules that import it, at any level."""
        def compute() -> Dict[str, Set[str]]:
            importers: Dict[str, Set[str]] = {}
            for module, summary in self.modules.items():
                for row in self.edges(summary):
                    for target in {row[0], row[4]}:
                        importers.setdefault(target, set()).add(module)
            return importers

        return self.memo("importers", compute)

    def function(self, qual: str, override: Optional[Tuple[str, Dict[str, Any]]] = None
                 ) -> Optional[Tuple[str, str, Dict[str, Any]]]:
        """``app.planners.get_planner`` -> (module, key, record); a class maps to its
        ``__init__``. ``override`` replaces one module's summary (the file being checked)."""
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
            return None
        return None

    def provider_kind(self, qual: str) -> Optional[str]:
        """What a dependency function yields: "sync", "async", "unknown", or None when it is
        not known to yield a session."""
        found = self.function(qual)
        return found[2].get("yields") if found else None

    def roles(self) -> Dict[str, List[List[Any]]]:
        """Class role key (see ``summary.role_key``) -> [module, class, line, bases] rows."""
        def compute() -> Dict[str, List[List[Any]]]:
            roles: Dict[str, List[List[Any]]] = {}
            for module, summary in self.modules.items():
                for name, (line, bases, abstract, key) in summary["classes"].items():
                    if key and not abstract:
                        roles.setdefault(key, []).append([module, name, line, bases])
            return roles

        return self.memo("roles", compute)

    def tables(self) -> Dict[str, List[Tuple[str, str, int]]]:
        """Table name -> [(module, class, line)] over every non-migration module."""
        def compute() -> Dict[str, List[Tuple[str, str, int]]]:
            tables: Dict[str, List[Tuple[str, str, int]]] = {}
            for module, summary in self.modules.items():
                if not _is_migration(self.paths.get(module, "")):
                    for cls, table, line, _ in summary["models"]:
                        tables.setdefault(table, []).append((module, cls, line))
            return tables

        return self.memo("tables", compute)


class IndexView:
    """The index as one file sees it: that file's summary comes from the text being checked
    (an editor buffer may differ from the disk), every other module from the index."""

    def __init__(self, index: ProjectIndex, module: str, summary: Dict[str, Any]) -> None:
        self.index = index
        self.module = module
        self.summary = summary
        base = index.modules.get(module)
        self.same_as_disk = base is not None and base == summary
        self._chains: Dict[str, Any] = {}

    def path_of(self, module: str) -> str:
        path = self.index.paths.get(module, module.replace(".", "/") + ".py")
        return os.path.relpath(path, os.path.dirname(self.index.root)).replace(os.sep, "/")

    # --- TBV004 -----------------------------------------------------------------------------

    def own_edges(self) -> List[List[Any]]:
        return [row for row in self.index.edges(self.summary)
                if row[3] == MODULE_LEVEL and row[0] in self.index.modules
                and row[0] != self.module]

    def cycle(self, target: str) -> Optional[List[str]]:
        """The shortest import cycle ``self.module -> target -> ... -> self.module``."""
        if self.same_as_disk:
            scc = self.index.components()
            if scc.get(self.module) is None or scc.get(self.module) != scc.get(target):
                return None
        toward = self._toward_me()
        if target != self.module and target not in toward:
            return None
        path = [self.module, target]
        while path[-1] != self.module:
            path.append(toward[path[-1]])
        return path

    def _toward_me(self) -> Dict[str, str]:
        """One breadth-first search backwards from this module over the import graph (with
        this file's own edges from the text being checked): for every module that reaches
        this one, its next step on a shortest path here. Neighbours are taken in sorted
        order, so the paths are deterministic.

        When the file is as indexed, the search keeps to this module's strongly connected
        component (only its members lie on a cycle through it) and stops once every module
        this one imports is reached; the paths it found by then are the same."""
        if "toward" not in self._chains:
            importers = self.index.reverse_graph()
            me = self.module
            mine = {row[0] for row in self.own_edges()}
            members: Optional[Set[str]] = None
            wanted = len(mine)
            if self.same_as_disk:
                members = self.index.members(me)
                wanted = len(mine & members)
            toward: Dict[str, str] = {}
            queue = deque([me])
            while queue and wanted:
                node = queue.popleft()
                for source in importers.get(node, ()):  # sorted when built
                    if source == me or source in toward or source == node:
                        continue
                    if members is not None and source not in members:
                        continue
                    toward[source] = node
                    queue.append(source)
                    if source in mine:
                        wanted -= 1
                        if not wanted:
                            break
                if node in mine and me not in toward:
                    toward[me] = node
            self._chains["toward"] = toward
        return self._chains["toward"]

    # --- SOI001 -----------------------------------------------------------------------------

    def same_table(self, table: str) -> List[Tuple[str, str, int]]:
        """Other models (module, class, line) mapping ``table``."""
        return [entry for entry in self.index.tables().get(table, ())
                if entry[0] != self.module]

    # --- STI004 -----------------------------------------------------------------------------

    def importers_of(self, module: str) -> Set[str]:
        found = set(self.index.importers().get(module, ())) - {self.module}
        for row in self.index.edges(self.summary):
            if module in (row[0], row[4]):
                found.add(self.module)
        return found

    # --- TBV001 and session providers: following calls --------------------------------------

    def effect_chain(self, qual: str, local: bool = False
                     ) -> Optional[Tuple[List[Tuple[str, int, str]], str]]:
        """From a call of ``qual`` down to the first side effect it reaches: the rows
        ``(path, line, call text)`` of each step, and the effect's description."""
        target = f"{self.module}.{qual}" if local else qual
        return self._chain(target, set(), 0)

    def _chain(self, qual: str, seen: Set[str], depth: int
               ) -> Optional[Tuple[List[Tuple[str, int, str]], str]]:
        found = self.index.function(qual, (self.module, self.summary))
        if found is None or depth > MAX_CHAIN:
            return None
        module, key, record = found
        name = f"{module}.{key}"
        if name in self._chains:
            return self._chains[name]
        if name in seen:
            return None
        seen.add(name)
        result = None
        path = self.path_of(module)
        if record["effects"]:
            effect, line, text = record["effects"][0]
            result = ([(path, line, text)], effect)
        else:
            root = module.split(".")[0]
            for callee, line in record["calls"]:
                target = callee if callee.split(".")[0] == root else f"{module}.{callee}"
                sub = self._chain(target, seen, depth + 1)
                if sub:
                    result = ([(path, line, f"{target.split('.')[-1]}()")] + sub[0], sub[1])
                    break
        self._chains[name] = result
        return result


def _valid(entry: Any) -> bool:
    """A header entry as ``_save_cache`` writes it: [mtime_ns, size, digest, line]."""
    return (type(entry) is list and len(entry) == 4 and type(entry[0]) is int
            and type(entry[1]) is int and type(entry[2]) is str and type(entry[3]) is int)


def _module_name(rel: str) -> str:
    return module_name(rel.replace(os.sep, "/").split("/"))


def _is_migration(path: str) -> bool:
    parts = path.replace(os.sep, "/").split("/")
    return any(d in parts for d in MIGRATION_DIRS)


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
        work = [(start, iter(graph.get(start, ())))]
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
