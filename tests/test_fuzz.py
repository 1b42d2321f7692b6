"""No rule raises, for any program: Python source generated from the grammar (hypothesmith).

A bounded number of examples runs in every test run; `benchmarks/fuzz.py` runs a longer
campaign. The walker swallows a failing rule (so flake8 never aborts); here a failure is
made visible by counting the warnings it logs.
"""

from __future__ import annotations

import ast
import logging
import os

import pytest

pytestmark = pytest.mark.slow  # seconds of generated programs

hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from truthlint.engine.check import Engine  # noqa: E402

from .conftest import FIXTURES  # noqa: E402

EXAMPLES = int(os.environ.get("TRUTHLINT_FUZZ_EXAMPLES", "30"))
# checked as if they lived in an L2 module of a real project, so path rules run too
PATH = str(FIXTURES / "backend" / "app" / "api" / "fuzzed.py")


def check_without_failures(source: str) -> None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    records = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    log = logging.getLogger("truthlint")
    log.addHandler(handler)
    try:
        Engine().check(source.splitlines(True), PATH, tree)
    finally:
        log.removeHandler(handler)
    assert [r.getMessage() for r in records] == []


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_no_rule_raises_on_grammar_generated_programs(source):
    check_without_failures(source)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_no_rule_raises_on_node_generated_programs(source):
    check_without_failures(source)
