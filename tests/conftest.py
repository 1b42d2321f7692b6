"""Shared helpers: the functional-fixture format and a way to run flake8 for real."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

HERE = Path(__file__).parent
REPO = HERE.parent
FIXTURES = HERE / "fixtures"
EXPECT_RE = re.compile(r"#.*?\bexpect:\s*(.+)$")
ENTRY_RE = re.compile(r"([A-Z]{3}\d{3}):(\d+)")


def expected_findings(path: Path) -> List[Tuple[int, int, str]]:
    """``# expect: STI001:5 SOI004:5`` on a line -> [(line, 5, "STI001"), ...] (flake8 columns)."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = EXPECT_RE.search(line)
        if match:
            for code, col in ENTRY_RE.findall(match.group(1)):
                found.append((number, int(col), code))
    return sorted(found)


def installed(name: str) -> List[str]:
    """The command of an installed console script beside this Python (``truthlint``,
    ``flake8``), as users run it: never ``python -m``, which puts the working directory (the
    checked tree) first on ``sys.path``."""
    script = Path(sys.executable).with_name(name)
    return [str(script)] if script.exists() else [sys.executable, "-m", name]


def run_truthlint(cwd: Path, *args: str, timeout: float = 120, env: dict = None
                  ) -> subprocess.CompletedProcess:
    """The installed ``truthlint`` with ``args`` in ``cwd``."""
    environment = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(env or {}))
    return subprocess.run([*installed("truthlint"), *args], cwd=str(cwd), capture_output=True,
                          text=True, env=environment, timeout=timeout)


def write_tree(root: Path, files: dict) -> Path:
    """Write ``{relative path: text}`` under ``root`` (text dedented)."""
    import textwrap

    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def run_flake8(*args: str, cwd: Path = REPO, stdin: str = None) -> subprocess.CompletedProcess:
    """flake8 as users run it: its installed script (``python -m flake8`` would put the
    checked tree first on ``sys.path`` and import its ``fcntl.py`` — flake8's doing, not
    truthlint's, but a test of "never executes" must not depend on it)."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([*installed("flake8"), *args], cwd=str(cwd), input=stdin,
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture
def flake8():
    return run_flake8


@pytest.fixture(scope="session", autouse=True)
def _resource_tracker_is_not_measured():
    """A spawned pool (test_coldrun) starts multiprocessing's resource tracker, an interpreter
    that outlives the session. Under ``pytest --cov`` (``patch = ["subprocess"]`` in
    pyproject.toml) it would write an empty coverage data file after pytest-cov has combined
    them, a stray ``.coverage.*``: started here first, without coverage's variable, it runs
    unmeasured (it runs no truthlint code) and every later pool shares it."""
    config = os.environ.pop("COVERAGE_PROCESS_CONFIG", None)
    try:
        if config is not None and os.name == "posix":
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()
    finally:
        if config is not None:
            os.environ["COVERAGE_PROCESS_CONFIG"] = config
    yield
