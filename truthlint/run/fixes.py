"""Fixes the command can apply: the first architecture autofix (STI006 creates the missing
``__init__.py``) and ``--add-noqa`` (as ruff's: silence today's findings in place, to adopt
truthlint on a large tree one rule at a time).

Both are idempotent (a second run changes nothing) and the check after them shows none of
the findings they fixed. Only STI006's fix is offered: creating an empty ``__init__.py`` is
safe unless the directory is a namespace package shared across distributions on purpose,
which ``namespace-packages`` records (and then STI006 does not fire on it at all).
"""

from __future__ import annotations

import os
from typing import Dict, Iterable, List, Sequence, Set, Tuple

from ..core.files import create_new, read_regular, write_atomic
from ..core.source import decode, split_lines
from ..rules.registry import RULES
from .filecheck import Located
from .noqa import add_noqa

FIXABLE = frozenset({"STI006"})


def missing_inits(items: Iterable[Located]) -> List[str]:
    """The ``__init__.py`` files STI006's findings ask for, sorted (one per directory)."""
    wanted: Set[str] = set()
    for item in items:
        if item.finding.code != "STI006":
            continue
        directory = (RULES["STI006"].fields(item.finding.message) or {}).get("directory")
        if not directory:
            continue
        tail = os.sep + os.path.normpath(directory)
        current = os.path.dirname(os.path.abspath(item.path))
        while current != os.path.dirname(current):  # the ancestor the message names
            if current.endswith(tail):
                wanted.add(os.path.join(current, "__init__.py"))
                break
            current = os.path.dirname(current)
    return sorted(wanted)


def create_inits(paths: Sequence[str]) -> List[str]:
    """Create each empty ``__init__.py`` that does not exist yet; the ones created."""
    return [path for path in paths if create_new(path)]  # (idempotent: one there stays)


def add_noqa_comments(items: Iterable[Located]) -> Tuple[int, List[str]]:
    """Add ``# noqa: CODE`` for each finding; (comments added, files changed). A file that
    does not tokenize, or whose bytes are not what it decodes to, is left alone."""
    by_file: Dict[str, Dict[int, Set[str]]] = {}
    for item in items:
        by_file.setdefault(item.path, {}).setdefault(item.finding.line, set()).add(
            item.finding.code)
    added, changed = 0, []
    for path, wanted in sorted(by_file.items()):
        try:
            data = read_regular(path)
        except OSError:
            continue
        text, encoding = decode(data)
        try:
            if text.encode(encoding) != data:
                continue  # not a round trip (latin-1 stand-in, a BOM): never rewrite such bytes
        except (UnicodeError, LookupError):
            continue
        lines = split_lines(text)
        out = add_noqa(lines, wanted)
        if out is None or out == lines:
            continue
        added += sum(1 for a, b in zip(lines, out) if a != b)
        write_atomic(path, "".join(out).encode(encoding))
        changed.append(path)
    return added, changed
