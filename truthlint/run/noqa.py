"""``# noqa`` as flake8 reads it, for the ``truthlint`` command (flake8 does this itself for
the plugin): flake8's own patterns and its grouping of lines, so a comment means the same to
both entry points."""

from __future__ import annotations

import ast
import bisect
import re
import tokenize
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from flake8 import defaults as flake8_defaults

from ..core.context import Finding

# flake8's own patterns (the name changed in 7.0)
NOQA_INLINE = getattr(flake8_defaults, "NOQA_INLINE_REGEXP", None) or getattr(
    flake8_defaults, "NOQA_INLINE_REGEX")
NOQA_FILE = flake8_defaults.NOQA_FILE


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
    groups = line_groups(lines, first, last)
    if groups is None:
        return None
    result: Dict[int, Optional[Set[str]]] = {}
    for start_of, end_of in groups:
        match = NOQA_INLINE.search("".join(lines[start_of - 1:end_of]))
        if match:
            codes = match.group("codes")
            value = None if not codes else set(re.split(r"[,\s]+", codes.strip()))
            result.update(dict.fromkeys(range(start_of, end_of + 1), value))
    return result


def line_groups(lines: Sequence[str], first: int = 1, last: Optional[int] = None
                ) -> Optional[List[Tuple[int, int]]]:
    """flake8's groups of physical lines ``first``..``last`` (a run of whole statements), as
    (first line, last line) pairs: only tokens that span lines (multi-line strings, a
    backslash) join lines; None if they do not tokenize."""
    offset = first - 1
    start_of, end_of = len(lines) + 2, -1
    groups = []
    try:
        tokens = list(tokenize.generate_tokens(iter(lines[first - 1:last]).__next__))
    except (tokenize.TokenError, SyntaxError, StopIteration):
        return None
    for kind, _, (start, _), (end, _), _ in tokens:
        if kind in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        start_of, end_of = min(start_of, start + offset), max(end_of, end + offset)
        if kind in (tokenize.NL, tokenize.NEWLINE):
            groups.append((start_of, end_of))
            start_of, end_of = len(lines) + 2, -1
    return groups


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


def add_noqa(lines: Sequence[str], wanted: Dict[int, Set[str]]) -> Optional[List[str]]:
    """``lines`` with ``# noqa: CODE`` added where flake8 (and ``truthlint check``) will read
    it for each finding line in ``wanted`` (line -> its codes): at the end of the line's
    group (a multi-line string ends it), beside the codes an existing ``# noqa:`` names; a
    bare ``# noqa`` already silences everything. None when the file does not tokenize."""
    groups = line_groups(lines)
    if groups is None:
        return None
    ends = {line: end for start, end in groups for line in range(start, end + 1)}
    by_end: Dict[int, Set[str]] = {}
    for line, codes in wanted.items():
        by_end.setdefault(ends.get(line, line), set()).update(codes)
    out = list(lines)
    for line, codes in by_end.items():
        if not 0 < line <= len(out):
            continue
        text = out[line - 1]
        body = text.rstrip("\r\n")
        newline = text[len(body):]
        match = NOQA_INLINE.search(body)
        if match and not match.group("codes"):
            continue  # a bare noqa silences every code already
        if match:
            have = set(re.split(r"[,\s]+", match.group("codes").strip()))
            missing = sorted(c for c in codes if not c.startswith(tuple(have)))
            if missing:
                body = body[:match.end("codes")] + ", " + ", ".join(missing) + body[match.end("codes"):]
        else:
            body = body.rstrip() + "  # noqa: " + ", ".join(sorted(codes))
        out[line - 1] = body + newline
    return out
