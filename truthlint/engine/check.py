"""The engine: one file in, findings out, for one phase of a check. It knows nothing of flake8.

An :class:`Engine` lives for one run (a flake8 invocation, a command run, an editor request):
it owns the configuration finder, the directory cache, the run's project indexes and its
code selection, so per-file work stays small.
"""

from __future__ import annotations

import ast
import re
from typing import (Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence, Set,
                    Tuple, Type)

from ..core.config import Config, ConfigFinder
from ..core.context import Collector, FileContext, Finding, Phase, ProjectLookup
from ..core.files import FileSystem, Read, Reads
from ..core.location import Location
from ..core.patterns import excluded, ignored
from ..core.source import parse, split_lines
from ..core.walker import Visitor, Walker
from ..facts.order import collectors_for
from ..facts.summary import Summary, empty_summary
from ..project.index import ProjectIndex
from ..project.lifecycle import Indexes
from ..project.layout import locate
from ..project.view import IndexView, index_of
from ..rules.base import ParkingRule, Rule
from .selection import rules_for, selection

__all__ = ["Checked", "Engine", "Finding", "Phase"]


class Checked(NamedTuple):
    """The outcome of one check of one file."""

    findings: List[Finding]           # sorted, only the selected codes
    summary: Optional[Dict[str, Any]]  # the module's summary (a LOCAL check only)
    wanted_index: bool                # a LOCAL check whose rules asked for the index
    reads: Dict[Read, str] = {}       # what the check read beyond the file (``Reads``)
    parked: Dict[str, Any] = {}       # a LOCAL check: what parking rules left for INDEX
    asked: bool = False               # its rules asked the index during the walk
    # a LOCAL check: the session answers taken from the planned index, for INDEX to confirm
    speculated: Dict[str, Any] = {}


class Engine:
    """One run's shared state: configuration lookup, directory cache, indexes, selection."""

    def __init__(self, finder: Optional[ConfigFinder] = None,
                 stdin_display: Optional[str] = None,
                 codes: Optional[Iterable[str]] = None) -> None:
        self.finder = finder or ConfigFinder()
        self.fs = FileSystem()
        self.stdin_display = stdin_display  # the name an editor buffer is linted under
        self.selection = selection(codes)   # codes nobody will see: their rules do not run
        self.indexes = Indexes(self.fs)

    def context(self, lines: Sequence[str], filename: Optional[str],
                phase: Phase = Phase.WHOLE) -> FileContext:
        is_stdin = filename is None or filename in ("", "-", "stdin")
        text = "".join(lines)  # joined once: the migration test and the rules' pre-screens
        if filename is None or is_stdin:
            config = self.finder.for_dir(".")
            location = locate(None, lines, config, self.fs, text)
        else:
            config = self.finder.for_file(filename)
            location = locate(filename, lines, config, self.fs, text)
        from_stdin = is_stdin or filename == self.stdin_display
        lookup, early = self._lookup(location, config)
        return FileContext(filename or "stdin", lines, location, config, self.fs, from_stdin,
                           phase, lookup, text, early)

    def _lookup(self, location: Location, config: Config) -> Tuple[
            Optional[Callable[[], Optional[ProjectLookup]]],
            Optional[Callable[[], Optional[ProjectLookup]]]]:
        """The file's index, and its planned index while a cold run completes it."""
        root = location.root
        if root is None:
            return None, None
        return (lambda: self.indexes.get(root, config)), (lambda: self.indexes.early(root, config))

    def check(self, lines: Sequence[str], filename: Optional[str],
              tree: Optional[ast.AST] = None, phase: Phase = Phase.WHOLE,
              parked: Optional[Dict[str, Any]] = None,
              speculated: Optional[Dict[str, Any]] = None) -> Checked:
        """One phase of the check of one file (see :class:`~truthlint.core.context.Phase`);
        ``tree`` is needed by every phase but INDEX, which judges from the index alone, and
        from what the LOCAL check's parking rules left (``parked``). INDEX first confirms the
        session answers the LOCAL walk took from the planned index (``speculated``): when one
        differs from the complete index's, it returns ``wanted_index`` and nothing else (the
        file must be checked again in full)."""
        try:
            return self._check(lines, filename, tree, phase, parked or {}, speculated or {})
        finally:
            self.fs.reads = Reads()  # what comes after this check is not its reading

    def _check(self, lines: Sequence[str], filename: Optional[str], tree: Optional[ast.AST],
               phase: Phase, parked: Dict[str, Any], speculated: Dict[str, Any]) -> Checked:
        reads = self.fs.reads = Reads()
        ctx = self.context(lines, filename, phase)
        try:
            return self._phase(ctx, reads, tree, phase, parked, speculated)
        finally:
            ctx.release()

    def _phase(self, ctx: FileContext, reads: Reads, tree: Optional[ast.AST], phase: Phase,
               parked: Dict[str, Any], speculated: Dict[str, Any]) -> Checked:
        rules = rules_for(self.selection, ctx)
        if phase is Phase.INDEX:
            for kind in self.selection.rules:
                state = parked.get(kind.doc.code)
                if state is not None and issubclass(kind, ParkingRule):
                    rule = kind(ctx)
                    rule._parked = state
                    rules.append(rule)
            index = index_of(ctx)
            if speculated and not _confirmed(index, speculated):
                return Checked([], None, True, reads.found)
            module = ctx.location.module
            if index is None or module is None or module not in index.modules:
                ctx.memo["view"] = None  # (parked judgements without the index, as in WHOLE)
            else:
                ctx.memo["view"] = IndexView(index, module, index.modules[module])
            walker = Walker(rules, ctx)
            walker.finish()
            return Checked(self._wanted(ctx, walker), None, False, reads.found)
        if not rules and phase is Phase.WHOLE:
            return Checked([], None, False, reads.found)
        if tree is None:
            raise ValueError("a walk needs the parsed tree")
        summary = phase is Phase.LOCAL
        collectors = [c(ctx) for c in _collectors_for(rules, ctx, summary)]
        for collector in collectors:
            ctx.add_collector(collector)
        walker = Walker([ctx.imports] + collectors + list(rules), ctx)
        walker.run(tree)
        data = None
        if summary:
            data = ctx.collector(Summary).data if ctx.has_collector(Summary) else empty_summary("")
        return Checked(self._wanted(ctx, walker), data, ctx.wanted_index, reads.found, ctx.parked,
                       ctx.asked_in_walk, ctx.speculated)

    def check_source(self, source: str, filename: Optional[str]) -> List[Finding]:
        """Parse and check; a file that does not parse has no findings (flake8 says E999)."""
        tree, _ = parse(source, filename or "stdin")
        if tree is None:
            return []
        return self.check(split_lines(source), filename, tree).findings

    def _wanted(self, ctx: FileContext, walker: Walker) -> List[Finding]:
        wanted = self.selection.codes
        if walker.failed:
            wanted = wanted - walker.failed_codes()
        found = sorted({f for f in ctx.findings if f.code in wanted})
        config, path = ctx.config, ctx.location.path
        if found and path and (config.exclude or config.per_file_ignores):
            if excluded(path, config.exclude, config.base_dir):
                return []
            dropped = ignored(path, config.per_file_ignores)
            if dropped:
                found = [f for f in found if not f.code.startswith(dropped)]
        if found and "truthlint:" in ctx.text:
            silenced = file_noqa(ctx.text)
            if silenced == ():  # a bare `# truthlint: noqa`: every truthlint code
                found = []
            elif silenced is not None:
                found = [f for f in found if not f.code.startswith(silenced)]
        return found


def _confirmed(index: Optional[ProjectIndex], speculated: Dict[str, Any]) -> bool:
    """Does the complete index answer every session reference as the planned one did? (Asking
    notes each answer among the file's reads, as a whole check's walk would.)"""
    if index is None:
        return False
    for reference, answer in speculated.items():
        found = index.session_kind(reference)
        if (tuple(found) if found is not None else None) != (
                tuple(answer) if answer is not None else None):
            return False
    return True


FILE_NOQA_RE = re.compile(r"^[ \t]*#[ \t]*truthlint:[ \t]*noqa\b([^\n]*)$", re.MULTILINE)


def file_noqa(text: str) -> Optional[Tuple[str, ...]]:
    """The codes (or prefixes) a ``# truthlint: noqa: STI006, TBV`` line silences in the whole
    file, () for a bare ``# truthlint: noqa`` (every truthlint code), None without one. As
    ruff's ``# ruff: noqa: CODE``: a comment on its own line, anywhere in the file."""
    codes: List[str] = []
    found = False
    for match in FILE_NOQA_RE.finditer(text):
        rest = match.group(1).strip()
        if not rest:
            return ()
        if rest.startswith(":"):
            found = True
            codes.extend(c for c in re.split(r"[,\s]+", rest[1:]) if c)
    return tuple(codes) if found else None


def _collectors_for(rules: Sequence[Rule], ctx: FileContext,
                    summary: bool = False) -> List[Type[Collector]]:
    """The shared collectors the rules need (``summary``: and the module's summary). A file
    outside every package root has no place in the index, so it gets no summary."""
    needed: Set[Type[Visitor]] = {c for rule in rules for c in rule.needs}
    if summary:
        needed.add(Summary)
    if ctx.location.module is None:
        needed.discard(Summary)
    return collectors_for(needed)
