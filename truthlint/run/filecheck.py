"""One file as the ``truthlint`` command checks it: read, parse, check, honour ``# noqa``
the way flake8 does (flake8 does all of this itself for the plugin)."""

from __future__ import annotations

from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from ..core.context import Finding
from ..core.files import Read
from ..core.source import parse, source_or_reason, split_lines
from ..engine.check import Engine
from .filestore import content_digest
from .noqa import noqa_file, noqa_lines, silenced, statement_starts


class Located(NamedTuple):
    """A finding with the file it is in (as the user named it) and its source line."""

    path: str
    finding: Finding
    source_line: str


class Record(NamedTuple):
    """What the per-file store keeps of a check (``run.filestore``)."""

    path: str
    content: str              # digest of the text that was checked
    findings: List[Finding]   # the engine's, before ``noqa``
    reads: Dict[Read, str]
    asked: bool = False       # its rules asked the index during the walk


class Outcome(NamedTuple):
    """One file's part of a command run."""

    located: List[Located]
    diagnostic: Optional[str]
    record: Optional[Record] = None  # None: nothing to store (unparsed, ``noqa`` file, reused)


def unreadable(path: str, why: str = "") -> str:
    return f"{path}: cannot be read{f' ({why})' if why else ''}; skipped"


def locate_findings(path: str, lines: Sequence[str], findings: Iterable[Finding],
                    starts: Optional[Sequence[int]] = None) -> List[Located]:
    """The findings ``# noqa`` leaves, with their source lines."""
    findings = sorted(set(findings))
    if not findings:
        return []
    noqa = noqa_lines(lines, [f.line for f in findings], starts)
    return [Located(path, f, lines[f.line - 1].rstrip("\r\n") if 0 < f.line <= len(lines) else "")
            for f in findings if not silenced(f, noqa)]


def check_file(engine: Engine, path: str) -> Tuple[List[Located], Optional[str]]:
    """Findings of one file after ``noqa``, and a diagnostic if it could not be checked."""
    outcome = check_recorded(engine, path)
    return outcome.located, outcome.diagnostic


def check_recorded(engine: Engine, path: str) -> Outcome:
    """:func:`check_file`, with what the per-file store keeps of it."""
    source, why = source_or_reason(path)
    if source is None:
        return Outcome([], unreadable(path, why))
    if noqa_file(source):
        return Outcome([], None)
    tree, problem = parse(source, path)
    if tree is None:
        return Outcome([], problem)
    lines = split_lines(source)
    checked = engine.check(lines, path, tree)
    located = locate_findings(path, lines, checked.findings, statement_starts(tree))
    return Outcome(located, None, Record(path, content_digest(source), checked.findings,
                                         checked.reads, checked.asked))
