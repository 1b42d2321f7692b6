"""The index as one file sees it: that file's summary comes from the text being checked (an
editor buffer may differ from the disk), every other module from the index."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Set, Tuple

from ..core.context import FileContext
from ..facts.summary import Summary
from .graph import closed, shown, toward
from .index import ProjectIndex, runs_at_import

MAX_CHAIN = 8  # calls followed from an import-time call to the effect it reaches
# calls followed below a coroutine's call to a blocking one: each step is a branch the
# blocking call may not be on, and a chain longer than this no longer reads as one cause
MAX_BLOCKING_CHAIN = 3
EFFECT, BLOCK = "effect", "block"

Chain = Tuple[List[Tuple[str, int, str]], str]


def index_of(ctx: FileContext) -> Optional[ProjectIndex]:
    """The project index of the file's root, if the run has one for it (and the phase
    allows asking)."""
    found = ctx.index()
    return found if isinstance(found, ProjectIndex) else None


def view_of(ctx: FileContext) -> Optional["IndexView"]:
    """The index with this file's own summary from the text being checked. Ask it only
    once the walk is done (in ``end``), when the summary is complete."""
    if "view" not in ctx.memo:
        index = index_of(ctx)
        module = ctx.location.module
        view = None
        if index is not None and module is not None and ctx.has_collector(Summary):
            view = IndexView(index, module, ctx.collector(Summary).data)
        ctx.memo["view"] = view
    found = ctx.memo["view"]
    return found if isinstance(found, IndexView) else None


class IndexView:
    """The queries the whole-project rules ask, from one file's side."""

    def __init__(self, index: ProjectIndex, module: str, summary: Dict[str, Any]) -> None:
        self.index = index
        self.module = module
        self.summary = summary
        base = index.modules.get(module)
        self.same_as_disk = base is not None and base == summary
        self._chains: Dict[str, Optional[Chain]] = {}
        self._toward: Optional[Dict[str, str]] = None

    def path_of(self, module: str) -> str:
        path = self.index.path(module) or module.replace(".", "/") + ".py"
        return os.path.relpath(path, os.path.dirname(self.index.root)).replace(os.sep, "/")

    # --- TBV004 -----------------------------------------------------------------------------

    def own_edges(self) -> List[List[Any]]:
        return [row for row in self.index.edges(self.summary)
                if runs_at_import(row, self.module) and self.index.in_graph(row[0])]

    def cycle(self, target: str) -> Optional[List[str]]:
        """The shortest import cycle ``self.module -> target -> ... -> self.module`` (from
        the index when the file is as indexed: see ``ProjectIndex.cycle``)."""
        if self.same_as_disk:
            return self.index.cycle(self.module, target)
        return shown(closed(self._toward_me(), self.module, target))

    def _toward_me(self) -> Dict[str, str]:
        """One breadth-first search backwards from this module over the import graph (with
        this file's own edges from the text being checked): for every module that reaches
        this one, its next step on a shortest path here. Neighbours are taken in sorted
        order, so the paths are deterministic.

        Only for a file that differs from the index (an editor buffer): the search stops once
        every module this one imports is reached."""
        if self._toward is None:
            self._toward = toward(self.index.reverse_graph(), self.module,
                                  {row[0] for row in self.own_edges()})
        return self._toward

    # --- SOI001 -----------------------------------------------------------------------------

    def same_table(self, table: str, registry: str) -> List[Tuple[str, str, int]]:
        """Other models (module, class, line) mapping ``table`` in the same declarative base
        or metadata (``registry``, see the summary)."""
        return [(module, cls, line) for module, cls, line, other in self.index.entry("tables", table) or ()
                if module != self.module and other == registry]

    # --- STI004 -----------------------------------------------------------------------------

    def importers_of(self, module: str) -> Set[str]:
        found = set(self.index.entry("importers", module) or ()) - {self.module}
        for row in self.index.edges(self.summary):
            if module in (row[0], row[4]):
                found.add(self.module)
        return found

    def reachable(self, module: str) -> bool:
        """Imported by some module (even deeply, even inside a function), named in a string
        (loaded by name), or an entry in its own right: a script, a serverless handler, an
        app a server or worker loads (FastAPI, Flask, Celery …), or a module that declares its
        API (``__all__``, a star re-export) for whoever imports it."""
        if self.importers_of(module):
            return True
        if self.index.entry("named", module):
            return True
        summary = self.index.modules.get(module)
        return summary is not None and any(
            summary.get(k) for k in ("script", "handler", "public", "app"))

    def discovered(self, package: str) -> bool:
        """Some module of ``package`` loads modules it finds or is given by name
        (``pkgutil.iter_modules``, ``importlib.import_module(name)``)."""
        prefix = package + "."
        return any(m == package or m.startswith(prefix) for m in self.index.discovering())

    # --- TBV001 and session providers: following calls --------------------------------------

    def import_start(self, module: Optional[str] = None) -> Optional[str]:
        """Why a module's import-time work (this one's by default) does not run when the app
        is imported, or None. A serverless handler's import is its cold start; a module
        every project module imports inside a function is loaded lazily, by the command or
        handler that needs it; a script (a ``__main__`` guard) no module imports is a program
        of its own. Never for an app module, a package, a module named in a string (a server
        loads ``"app.main:app"``), or one an unread module imports (who knows how)."""
        module = module or self.module
        summary = self.summary if module == self.module else self.index.modules.get(module)
        if summary is None or summary.get("migration"):
            return "a migration" if summary else None
        if summary.get("handler"):
            return "a serverless handler"
        if summary.get("app") or (self.index.path(module) or "").endswith("__init__.py") \
                or self.index.entry("named", module):
            return None
        importers = self.importers_of(module)
        if any(self.index.modules[m].get("unparsed") for m in importers if m in self.index.modules):
            return None
        if importers and not self.index.entry("reverse", module):
            return "imported only inside functions"
        if not importers and summary.get("script"):
            return "a script no module imports"
        return None

    def effect_chain(self, qual: str) -> Optional[Chain]:
        """From a call of the project function ``qual`` down to the first side effect it
        reaches: the rows ``(path, line, call text)`` of each step, and the effect."""
        return self._chain(qual, EFFECT, set(), 0)

    def blocking_chain(self, callee: str) -> Optional[Chain]:
        """From a call (as this module's summary records it) of a sync project function
        down to the first call that blocks: a blocking library call or I/O on a sync DB
        session. None for async functions and for what a decorator may run elsewhere."""
        return self._chain(_target(self.module, callee), BLOCK, set(), 0)

    def _chain(self, qual: str, want: str, seen: Set[str], depth: int) -> Optional[Chain]:
        found = self.index.function(qual, (self.module, self.summary))
        if found is None or depth > (MAX_CHAIN if want == EFFECT else MAX_BLOCKING_CHAIN):
            return None
        module, key, record = found
        name = f"{want}:{module}.{key}"
        if name in self._chains:
            return self._chains[name]
        if name in seen:
            return None
        seen.add(name)
        result = None
        path = self.path_of(module)
        here = self._effect(record) if want == EFFECT else self._block(record)
        if here is not None:
            line, text, what = here
            result = ([(path, line, text)], what)
        elif want == EFFECT or not (record.get("async") or record.get("opaque")):
            for callee, line, *guarded in record["calls"]:
                if guarded and want == BLOCK:
                    continue  # cleanup after a failure, a branch on the object's state: not
                    # what every call of the function does
                target = _target(module, callee)
                sub = self._chain(target, want, seen, depth + 1)
                if sub:
                    result = ([(path, line, f"{target.split('.')[-1]}()")] + sub[0], sub[1])
                    break
        self._chains[name] = result
        return result

    @staticmethod
    def _effect(record: Dict[str, Any]) -> Optional[Tuple[int, str, str]]:
        if not record["effects"]:
            return None
        effect, line, text = record["effects"][0]
        return line, text, effect

    def _block(self, record: Dict[str, Any]) -> Optional[Tuple[int, str, str]]:
        """The first blocking call of a sync function: (line, text, what it is)."""
        if record.get("async") or record.get("opaque"):
            return None
        for text, line, kind in record.get("blocks", ()):
            if kind == "":
                return line, text, "blocks"
            if kind.startswith("="):
                resolved = self.index.session_kind(kind)
                kind = resolved[0] if resolved else ""
            if kind == "sync":
                return line, text, "does I/O on a sync DB session"
        return None


def _target(module: str, callee: str) -> str:
    """A callee as a summary records it (``helper``, ``Repo.list``, or qualified into the
    project), qualified."""
    root = module.split(".")[0]
    return callee if callee.split(".")[0] == root else f"{module}.{callee}"
