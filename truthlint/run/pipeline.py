"""A whole run of the ``truthlint`` command: files in, findings out, each file parsed once.

When every index is up to date the files are checked once each (or the results cache
answers). When some index is stale, the run goes in two phases, so a file is parsed once,
not once for the index and once for the rules. Phase one (``Phase.LOCAL``) parses and walks
every file whose summary the index lacks, with every rule that can be judged without the
index, and returns the file's summary; the summaries complete the index. Phase two judges
the rules that need only the index (``Phase.INDEX``: cycles, duplicate tables …) for those
files, with no parse, and checks in full (``Phase.WHOLE``) the files phase one did not see
(their summaries were cached). A walk in phase one that must know what a session reference
into another module is (``SessionDep`` from ``app.api.deps``) asks the planned index, which
takes that module's turn ahead (:class:`PhaseOne`); phase two confirms the answer against the
complete index, and checks the file again in full only if it differs. Findings are exactly
those of a run whose index existed from the start: tests compare the two on every fixture tree.

A file whose text did not change is answered from the per-file store (``run.filestore``) while
everything its last check read is unchanged, in either case; every file checked is stored.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import Any, Dict, List, NamedTuple, Optional, Tuple, Union

from ..core.context import Finding, Phase
from ..core.files import Read
from ..core.source import decode, parse, read_source, split_lines
from ..engine.check import Engine
from ..project.index import Stale, decoded
from ..project.summaries import summary_text
from ..facts.summary import empty_summary
from .filecheck import Located, Outcome, Record, check_recorded, locate_findings
from .filestore import FileStore, content_digest
from .noqa import noqa_file, statement_starts
from .pool import run_tasks, size_of
from .results import ResultsCache


def run(engine: Engine, files: List[str], jobs: int = 0,
        progress: bool = False) -> Tuple[List[Located], List[str]]:
    """Check ``files``; returns the findings (sorted by path and position) and diagnostics.
    When nothing a finding can depend on changed since the last run over the same files,
    the last run's answer is returned without checking anything again."""
    jobs = jobs or os.cpu_count() or 1
    bar = Bar(len(files)) if progress else None
    cache = ResultsCache(engine, files)
    cache.begin()
    store = FileStore(engine)
    try:
        results = _two_phases(engine, files, jobs, store, bar)
        if results is None:
            cached = cache.load()
            if cached is not None:
                return cached
            results = _stored_or_checked(engine, files, jobs, store, bar)
    finally:
        if bar:
            bar.close()
    for outcome in results:
        if outcome.record is not None:
            record = outcome.record
            store.save(record.path, record.content, record.findings, record.reads,
                       [(x.finding, x.source_line) for x in outcome.located], bundle=True,
                       asked=record.asked)
    store.flush()
    located = [item for outcome in results for item in outcome.located]
    located.sort(key=lambda x: (x.path, x.finding.line, x.finding.col, x.finding.code))
    diagnostics = [o.diagnostic for o in results if o.diagnostic]
    cache.save(located, diagnostics)
    return located, diagnostics


def _stored(store: FileStore, path: str) -> Optional[Outcome]:
    """A file's findings from the per-file store, if its entry is still true."""
    source = read_source(path)
    if source is None:
        return None
    entry = store.load(path, content_digest(source))
    if entry is None or entry.located is None:  # (the plugin's entries carry no ``noqa``)
        return None
    return Outcome([Located(path, finding, shown) for finding, shown in entry.located], None)


def _stored_or_checked(engine: Engine, files: List[str], jobs: int, store: FileStore,
                       progress: Optional["Bar"]) -> List[Outcome]:
    results: List[Outcome] = []
    todo: List[str] = []
    for path in files:
        found = _stored(store, path)
        if found is None:
            todo.append(path)
        else:
            results.append(found)
    if progress:
        progress.advance(len(results))
    return results + run_tasks(engine, check_recorded, todo, jobs, size_of(todo), progress)


class Bar:
    """A one-line progress display on stderr (only used when stderr is a terminal), saying
    what it counts: ``indexing modules`` (phase one of a cold run), then ``checking files``
    (the files asked for, those answered from the store counted as done)."""

    def __init__(self, total: int, what: str = "checking files") -> None:
        self.stage(what, total)

    def stage(self, what: str, total: int, done: int = 0) -> None:
        self.what, self.total, self.done = what, max(total, 1), 0
        self.advance(done)

    def advance(self, n: int) -> None:
        self.done += n
        width = 30
        filled = width * min(self.done, self.total) // self.total
        sys.stderr.write(f"\rtruthlint: {self.what} [{'#' * filled}{'.' * (width - filled)}] "
                         f"{self.done}/{self.total}")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\r" + " " * 100 + "\r")
        sys.stderr.flush()


class FirstPass(NamedTuple):
    path: str                 # as the user named it
    source: str               # the absolute path the index knows it by
    summary: str              # JSON, for the index
    findings: List[Finding]   # before ``noqa``
    starts: List[int]         # see ``noqa.statement_starts``
    diagnostic: Optional[str]
    then: Optional[Phase]     # INDEX: judge the index rules next; WHOLE: check again; None: done
    content: str = ""         # digest of the text checked
    reads: Dict[Read, str] = {}
    parked: Dict[str, Any] = {}  # what the parking rules left for phase two
    speculated: Dict[str, Any] = {}  # session answers for phase two to confirm
    lines: List[str] = []     # the text's lines, for phase two (not split again)


class Judge(NamedTuple):
    """Phase two of a file phase one checked: only the rules judged from the index."""

    path: str
    findings: List[Finding]
    starts: List[int]
    lines: List[str]
    content: str
    reads: Dict[Read, str]
    parked: Dict[str, Any]
    speculated: Dict[str, Any]


def _first_pass(engine: Engine, work: Tuple[str, Stale]) -> FirstPass:
    path, item = work
    source, encoding = decode(item.data)
    tree, problem = parse(source, path)
    if tree is None:
        return FirstPass(path, item.path, _summary_of(engine, item), [], [], problem, None)
    lines = split_lines(source)
    local = engine.check(lines, path, tree, Phase.LOCAL)
    then = Phase.WHOLE if local.wanted_index else Phase.INDEX
    summary = local.summary or empty_summary("")
    if encoding != "utf-8" or summary.get("module") != item.module:
        # the index reads such files (a BOM, a coding cookie …) slightly differently from the
        # rules: take its own summary, and check the file again against it
        text, then = _summary_of(engine, item), Phase.WHOLE
    else:
        text = json.dumps(summary)
    if noqa_file(source):
        return FirstPass(path, item.path, text, [], [], None, None)
    return FirstPass(path, item.path, text, local.findings, statement_starts(tree), None, then,
                     content_digest(source), local.reads, local.parked, local.speculated,
                     lines if then is Phase.INDEX else [])


def _summary_of(engine: Engine, item: Stale) -> str:
    return summary_text(item, engine.finder.for_file(item.path), engine.fs)


def _phase_one(engine: Engine, work: Union[Tuple[str, Stale], Stale]
               ) -> Union[FirstPass, Tuple[str, str]]:
    """A file to check (``(path, stale module)``): its first pass. A stale module nobody asked
    to check: only its summary, ``(absolute path, summary JSON)``, for the index."""
    if isinstance(work, Stale):
        return work.path, _summary_of(engine, work)
    return _first_pass(engine, work)


MAX_AHEAD = 8  # walks taken ahead inside one another; deeper, a module is summarised apart


class PhaseOne:
    """Phase one's task, able to take a module's turn ahead of time. When a file's walk asks
    what a session reference into another stale module resolves to (``project.index.Early``),
    that module is walked then — checked and summarised, as its turn would — and its turn
    returns that result: each module is still parsed once, and the file need not be walked
    again once the index is complete."""

    def __init__(self, work: List[Union[Tuple[str, Stale], Stale]]) -> None:
        self.work = {_stale_of(w).path: w for w in work}
        self.done: Dict[str, Union[FirstPass, Tuple[str, str]]] = {}  # taken ahead, turn to come
        self.summaries: Dict[str, str] = {}  # path -> summary JSON, of every module walked
        self.busy: List[str] = []  # the walks under way, outermost first

    def __call__(self, engine: Engine, work: Union[Tuple[str, Stale], Stale]
                 ) -> Union[FirstPass, Tuple[str, str]]:
        path = _stale_of(work).path
        found = self.done.pop(path, None)
        return found if found is not None else self._walk(engine, path, work)

    def _walk(self, engine: Engine, path: str, work: Union[Tuple[str, Stale], Stale]
              ) -> Union[FirstPass, Tuple[str, str]]:
        self.busy.append(path)
        try:
            result = _phase_one(engine, work)
        finally:
            self.busy.pop()
        self.summaries[path] = result.summary if isinstance(result, FirstPass) else result[1]
        return result

    def summary(self, engine: Engine, item: Stale) -> Optional[Dict[str, Any]]:
        """The summary of a stale module another file's walk needs now, from this run's walk
        of it (taken now if its turn is still to come); None when it cannot be (it is being
        walked, or walks are nested too deep): the caller then summarises it apart."""
        path = item.path
        if path not in self.summaries:
            work = self.work.get(path)
            if work is None or path in self.busy or len(self.busy) >= MAX_AHEAD:
                return None
            outer = engine.fs.reads  # the asking file's reads, which the walk below replaces
            try:
                self.done[path] = self._walk(engine, path, work)
            finally:
                engine.fs.reads = outer
        return decoded(item.module, self.summaries[path])

    def __getstate__(self) -> Dict[str, Any]:
        """A worker started afresh (no fork) begins with nothing taken ahead."""
        return {"work": self.work, "done": {}, "summaries": {}, "busy": []}


def _stale_of(work: Union[Tuple[str, Stale], Stale]) -> Stale:
    return work if isinstance(work, Stale) else work[1]


def _second_pass(engine: Engine, work: Union[str, Judge]) -> Outcome:
    if isinstance(work, str):
        return check_recorded(engine, work)
    lines = work.lines
    judged = engine.check(lines, work.path, phase=Phase.INDEX, parked=work.parked,
                          speculated=work.speculated)
    if judged.wanted_index:  # phase one took a session answer the index does not confirm
        return check_recorded(engine, work.path)
    findings = sorted(set(work.findings + judged.findings))
    return Outcome(locate_findings(work.path, lines, findings, work.starts), None,
                   Record(work.path, work.content, findings, {**work.reads, **judged.reads}))


def _two_phases(engine: Engine, files: List[str], jobs: int, store: FileStore,
                progress: Optional[Bar] = None) -> Optional[List[Outcome]]:
    """Check ``files`` in two phases when some index is stale; None when every index is
    up to date (the caller then checks each file once, as usual)."""
    plans = engine.indexes.plan(engine.finder, files)
    stale: Dict[str, Stale] = {item.path: item for plan in plans for item in plan.stale}
    if not stale:
        for plan in plans:
            engine.indexes.complete(plan, ())
        return None
    mine = [(path, stale[os.path.abspath(path)]) for path in files
            if os.path.abspath(path) in stale]
    seen = {item.path for _, item in mine}
    others = [item for item in stale.values() if item.path not in seen]
    if progress:
        progress.stage("indexing modules", len(mine) + len(others))
    # one pool for phase one: the files to check and the other stale modules of their roots
    work: List[Union[Tuple[str, Stale], Stale]] = [*mine, *others]
    size = sum(len(item.data) for _, item in mine) + sum(len(item.data) for item in others)
    phase = PhaseOne(work)
    for plan in plans:
        engine.indexes.walk_ahead(plan, functools.partial(phase.summary, engine))
    outcomes = run_tasks(engine, phase, work, jobs, size, progress)
    firsts = [o for o in outcomes if isinstance(o, FirstPass)]
    summaries = {f.source: f.summary for f in firsts}
    summaries.update(o for o in outcomes if not isinstance(o, FirstPass))
    for plan in plans:
        engine.indexes.complete(plan, ((item.rel, summaries[item.path]) for item in plan.stale))
    size_of_file = {path: len(item.data) for path, item in mine}
    done = {f.path: f for f in firsts}
    second: List[Union[str, Judge]] = []
    results: List[Outcome] = []
    for path in files:
        first = done.get(path)
        stored = _stored(store, path) if first is None else None
        if stored is not None:
            results.append(stored)
        elif first is None or first.then is Phase.WHOLE:
            second.append(path)
        elif first.then is Phase.INDEX:
            second.append(Judge(path, first.findings, first.starts, first.lines, first.content,
                                first.reads, first.parked, first.speculated))
        else:
            results.append(Outcome([], first.diagnostic))
    if progress:
        progress.stage("checking files", len(files), done=len(files) - len(second))
    # judging from the index costs about a tenth of checking a file
    size = size_of(w for w in second if isinstance(w, str)) + sum(
        size_of_file[w.path] // 10 for w in second if isinstance(w, Judge))
    return results + run_tasks(engine, _second_pass, second, jobs, size, progress)


__all__ = ["Bar", "run"]
