"""Every fixture file's findings equal, exactly, the ``# expect:`` comments written in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from truthlint.engine.check import Engine
from truthlint.rules.registry import RULES

from .conftest import FIXTURES, expected_findings

FILES = sorted(p for p in FIXTURES.rglob("*.py"))


@pytest.fixture(scope="module")
def project():
    return Engine(codes=RULES)  # every rule, opt-in ones included


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path: Path, project: Engine) -> None:
    source = path.read_text(encoding="utf-8")
    actual = sorted((f.line, f.col + 1, f.code) for f in project.check_source(source, str(path)))
    assert actual == expected_findings(path)


# Codes whose positives depend on file modes, which git does not store: their positives are
# made at test time (tests/test_permissions.py).
RUNTIME_ONLY = {"STI012"}


def test_every_code_has_positive_fixture() -> None:
    from truthlint.rules.registry import RULES

    seen = set()
    for path in FILES:
        seen.update(code for _, _, code in expected_findings(path))
    assert seen == set(RULES) - RUNTIME_ONLY
