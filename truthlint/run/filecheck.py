"""One file as the ``truthlint`` command checks it: read, parse, check, honour ``# noqa``
the way flake8 does (flake8 does all of this itself for the plugin)."""

from __future__ import annotations

import ast
import bisect
import io
import re
import tokenize
import warnings
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

from flake8 import defaults as flake8_defaults

from ..engine.check import Finding, Project
from ..project.layout import split_lines

# flake8's own patterns, so `# noqa` means exactly the same to both (the name changed in 7.0)
NOQA_INLINE = getattr(flake8_defaults, "NOQA_INLINE_REGEXP", None) or getattr(
    flake8_defaults, "NOQA_INLINE_REGEX")
NOQA_FILE = flake8_defaults.NOQA_FILE


class Located(NamedTuple):
    """A finding with the file it is in (as the user named it) and its source line."""

    path: str
    finding: Finding
    source_line: str


def decode(data: bytes) -> Tuple[Optional[str], str]:
    """The source and its encoding, honouring coding cookies and BOMs; None if undecodable."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding), encoding
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None, ""


def read_source(path: str) -> Optional[str]:
    """Decoded source; None if it cannot be read or decoded."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    return decode(data)[0]


def parse(source: str, path: str) -> Tuple[Optional[ast.AST], Optional[str]]:
    """The tree, or the diagnostic that says why there is none."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source), None
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return None, f"{path}: does not parse ({type(exc).__name__}); skipped"


def unreadable(path: str) -> str:
    return f"{path}: cannot be read or decoded; skipped"


def noqa_file(source: str) -> bool:
    """A ``# flake8: noqa`` line: the whole file is silenced."""
    return any(NOQA_FILE.match(line) for line in source.splitlines())


def noqa_lines(lines: Sequence[str], wanted: Optional[Iterable[int]] = None,
               starts: Optional[Sequence[int]] = None) -> Dict[int, Optional[Set[str]]]:
    """Line -> the codes its ``# noqa`` silences (None: all). Lines are grouped as flake8
    groups them: only tokens that span lines (multi-line strings, a backslash) join lines.

    With the ``wanted`` lines (where the findings are) and ``starts`` (see
    :func:`statement_starts`), only the top-level statements that hold a finding and a
    ``noqa`` are tokenized, not the whole file: the answer for the wanted lines is the same."""
    marked = [n for n, text in enumerate(lines, 1) if "noqa" in text.lower()]
    if not marked:
        return {}
    if wanted is None or starts is None:
        return _noqa_groups(lines, 1, len(lines)) or {}
    bounds = [1] + [s for s in starts if 1 < s <= len(lines)
                    and not lines[s - 2].rstrip("\r\n").endswith("\\")]
    result: Dict[int, Optional[Set[str]]] = {}
    blocks = set()
    for line in set(wanted):
        k = bisect.bisect_right(bounds, line) - 1
        if k < 0 or k in blocks:
            continue
        blocks.add(k)
        first, last = bounds[k], (bounds[k + 1] - 1 if k + 1 < len(bounds) else len(lines))
        if bisect.bisect_left(marked, first) == bisect.bisect_right(marked, last):
            continue  # no `noqa` in this statement
        found = _noqa_groups(lines, first, last)
        if found is None:  # the statement does not tokenize alone: do as flake8 does
            return _noqa_groups(lines, 1, len(lines)) or {}
        result.update(found)
    return result


def _noqa_groups(lines: Sequence[str], first: int, last: int
                 ) -> Optional[Dict[int, Optional[Set[str]]]]:
    """flake8's grouping of lines ``first``..``last`` (a run of whole statements), and the
    ``noqa`` of each group; None if they do not tokenize."""
    result: Dict[int, Optional[Set[str]]] = {}
    offset = first - 1
    start_of, end_of = len(lines) + 2, -1
    try:
        tokens = list(tokenize.generate_tokens(iter(lines[first - 1:last]).__next__))
    except (tokenize.TokenError, SyntaxError, StopIteration):
        return None
    for kind, _, (start, _), (end, _), _ in tokens:
        if kind in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        start_of, end_of = min(start_of, start + offset), max(end_of, end + offset)
        if kind in (tokenize.NL, tokenize.NEWLINE):
            match = NOQA_INLINE.search("".join(lines[start_of - 1:end_of]))
            if match:
                codes = match.group("codes")
                value = None if not codes else set(re.split(r"[,\s]+", codes.strip()))
                result.update(dict.fromkeys(range(start_of, end_of + 1), value))
            start_of, end_of = len(lines) + 2, -1
    return result


def statement_starts(tree: ast.AST) -> List[int]:
    """The first lines (decorators included) of the module's top-level statements that
    begin a line: places where the tokenizer can start afresh."""
    starts = []
    for stmt in getattr(tree, "body", ()):
        if stmt.col_offset == 0:
            decorators = [d.lineno for d in getattr(stmt, "decorator_list", ())]
            starts.append(min([stmt.lineno] + decorators))
    return starts


def silenced(finding: Finding, noqa: Dict[int, Optional[Set[str]]]) -> bool:
    if finding.line not in noqa:
        return False
    codes = noqa[finding.line]
    return codes is None or finding.code.startswith(tuple(codes))


def locate_findings(path: str, lines: Sequence[str], findings: Iterable[Finding],
                    starts: Optional[Sequence[int]] = None) -> List[Located]:
    """The findings ``# noqa`` leaves, with their source lines."""
    findings = sorted(set(findings))
    if not findings:
        return []
    noqa = noqa_lines(lines, [f.line for f in findings], starts)
    return [Located(path, f, lines[f.line - 1].strip() if 0 < f.line <= len(lines) else "")
            for f in findings if not silenced(f, noqa)]


def check_file(project: Project, path: str, codes: Optional[Iterable[str]] = None
               ) -> Tuple[List[Located], Optional[str]]:
    """Findings of one file after ``noqa``, and a diagnostic if it could not be checked."""
    source = read_source(path)
    if source is None:
        return [], unreadable(path)
    if noqa_file(source):
        return [], None
    tree, problem = parse(source, path)
    if tree is None:
        return [], problem
    lines = split_lines(source)
    findings = project.check(tree, lines, path, codes)
    return locate_findings(path, lines, findings, statement_starts(tree)), None
