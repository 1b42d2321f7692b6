"""Every fixture file's findings equal, exactly, the ``# expect:`` comments written in it, and
each fixture tree's findings, messages included, equal its committed snapshot.

The ``# expect: CODE:COL`` comments are the hand-written statement of *where* findings are.
``tests/snapshots/<tree>.txt`` adds *what they say*: under one ``#`` header line, one line per
finding of the engine's real output, ``path:LINE:COL: CODE message`` (path relative to
tests/fixtures, column 1-based as flake8 prints it, a line break inside a message written
``\\n``), sorted by path, line, column and code. A test checks that a snapshot's (path, line,
column, code) list equals the ``# expect:`` list of its tree, so the two can never disagree.

When a message changes on purpose, regenerate the snapshots and review the diff::

    TRUTHLINT_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_functional.py

(refused when ``CI`` is set: CI must compare, never rewrite).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import List, Tuple

import pytest

from truthlint.engine.check import Engine
from truthlint.rules.registry import RULES

from .conftest import FIXTURES, HERE, REPO, expected_findings

FILES = sorted(p for p in FIXTURES.rglob("*.py"))
TREES = sorted({p.relative_to(FIXTURES).parts[0] for p in FILES})
SNAPSHOTS = HERE / "snapshots"
UPDATE_VARIABLE = "TRUTHLINT_UPDATE_SNAPSHOTS"
HEADER = ("# Findings of every rule on tests/fixtures/{tree}: path:LINE:COL: CODE message. "
          "Regenerate: " + UPDATE_VARIABLE + "=1 pytest tests/test_functional.py\n")

Key = Tuple[str, int, int, str]  # (path relative to tests/fixtures, line, flake8 column, code)


@lru_cache(maxsize=None)
def _engine() -> Engine:
    return Engine(codes=RULES)  # every rule, opt-in ones included


@lru_cache(maxsize=None)
def findings(path: Path) -> Tuple[Tuple[int, int, str, str], ...]:
    """The engine's findings in ``path``: (line, flake8 column, code, message), sorted.

    Run from the repository root, as flake8 and CI are: messages name configuration files
    relative to the working directory (``tests/fixtures/layered/pyproject.toml``)."""
    source = path.read_text(encoding="utf-8")
    here = os.getcwd()
    os.chdir(REPO)
    try:
        found = _engine().check_source(source, str(path))
    finally:
        os.chdir(here)
    return tuple(sorted((f.line, f.col + 1, f.code, f.message) for f in found))


def relative(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def tree_files(tree: str) -> List[Path]:
    return [p for p in FILES if p.relative_to(FIXTURES).parts[0] == tree]


def render_snapshot(tree: str) -> str:
    rows = sorted((relative(path), *finding) for path in tree_files(tree) for finding in findings(path))
    return HEADER.format(tree=tree) + "".join(
        f"{path}:{line}:{col}: {code} {one_line(message)}\n" for path, line, col, code, message in rows)


def one_line(message: str) -> str:
    """A message quoting a string may hold a line break: written ``\\n``, one finding a line."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


def parse_snapshot(text: str) -> List[Key]:
    keys = []
    for row in text.splitlines():
        if not row.startswith("#"):
            path, line, col, rest = row.split(":", 3)
            keys.append((path, int(line), int(col), rest.split()[0]))
    return sorted(keys)


def _updating() -> bool:
    if os.environ.get(UPDATE_VARIABLE, "") in ("", "0"):
        return False
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{UPDATE_VARIABLE} is set under CI: snapshots are compared there, never rewritten")
    return True


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path: Path) -> None:
    actual = [(line, col, code) for line, col, code, _ in findings(path)]
    assert actual == expected_findings(path)


@pytest.mark.parametrize("tree", TREES)
def test_messages_equal_the_snapshot(tree: str) -> None:
    snapshot = SNAPSHOTS / f"{tree}.txt"
    actual = render_snapshot(tree)
    if _updating():
        SNAPSHOTS.mkdir(exist_ok=True)
        snapshot.write_text(actual, encoding="utf-8")
    assert snapshot.is_file(), f"no snapshot {snapshot}: run with {UPDATE_VARIABLE}=1"
    # line lists, so a failure shows the one changed line, not two pages of text
    assert actual.splitlines(keepends=True) == snapshot.read_text(encoding="utf-8").splitlines(keepends=True)


@pytest.mark.parametrize("tree", TREES)
def test_snapshot_agrees_with_the_expect_comments(tree: str) -> None:
    """The committed snapshot and the committed comments: no engine involved."""
    expected = sorted((relative(path), line, col, code)
                      for path in tree_files(tree) for line, col, code in expected_findings(path))
    snapshot = (SNAPSHOTS / f"{tree}.txt").read_text(encoding="utf-8")
    assert parse_snapshot(snapshot) == expected


def test_every_tree_has_a_snapshot_and_no_snapshot_is_stale() -> None:
    assert sorted(p.stem for p in SNAPSHOTS.glob("*.txt")) == TREES


# Codes whose positives depend on file modes, which git does not store: their positives are
# made at test time (tests/test_permissions.py).
RUNTIME_ONLY = {"STI012"}


def test_every_code_has_positive_fixture() -> None:
    seen = set()
    for path in FILES:
        seen.update(code for _, _, code in expected_findings(path))
    assert seen == set(RULES) - RUNTIME_ONLY
