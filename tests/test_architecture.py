"""truthlint's own architecture: folders as floors, each importing only the floors below it,
and no import cycle — counting imports inside functions and under ``TYPE_CHECKING`` too, which
TBV002 and TBV004 leave out on purpose (a lazy import hid the last cycle)."""

from __future__ import annotations

import os
from typing import Dict, List, Set

import pytest

from truthlint.core.config import ConfigFinder
from truthlint.core.files import FileSystem, python_files
from truthlint.engine.check import Engine
from truthlint.project.graph import strongly_connected
from truthlint.project.index import ProjectIndex
from truthlint.project.summaries import summarize_file

from .conftest import REPO

PACKAGE = REPO / "truthlint"
FLOORS = ["core", "facts", "project", "rules", "engine", "run", "adapters"]  # bottom first


@pytest.fixture(scope="module")
def graph() -> Dict[str, Set[str]]:
    """Every import between truthlint's modules, at any level."""
    config = ConfigFinder().for_dir(str(PACKAGE))
    index = ProjectIndex(str(PACKAGE), config, FileSystem(), None, summarize_file).build()
    found: Dict[str, Set[str]] = {m: set() for m in index.modules.keys()}
    for module, summary in index.modules.items():
        for target, *_ in index.edges(summary):
            if target in index.modules and target != module:
                found[module].add(target)
    return found


def floor(module: str) -> int:
    parts = module.split(".")
    return FLOORS.index(parts[1]) if len(parts) > 1 and parts[1] in FLOORS else -1


def test_every_folder_of_the_package_is_a_floor():
    folders = {d for d in os.listdir(PACKAGE) if (PACKAGE / d / "__init__.py").is_file()}
    assert folders == set(FLOORS)


def test_no_import_cycle_at_any_level(graph):
    components: Dict[int, List[str]] = {}
    for module, component in strongly_connected({m: sorted(t) for m, t in graph.items()}).items():
        components.setdefault(component, []).append(module)
    assert [sorted(c) for c in components.values() if len(c) > 1] == []
    assert len(graph) > 40 and sum(len(t) for t in graph.values()) > 100  # the graph is real


def test_every_import_points_to_the_same_floor_or_below(graph):
    upward = sorted(f"{m} -> {t}" for m, targets in graph.items() for t in targets
                    if floor(m) >= 0 and floor(t) > floor(m))
    assert upward == []


def test_the_engine_never_imports_flake8():
    for path in python_files([str(PACKAGE / "engine"), str(PACKAGE / "rules"),
                              str(PACKAGE / "project"), str(PACKAGE / "facts"),
                              str(PACKAGE / "core")]):
        text = open(path, encoding="utf-8").read()
        assert "import flake8" not in text and "from flake8" not in text, path


def test_truthlint_checks_its_own_layering():
    """The [tool.truthlint] section in pyproject.toml declares the floors; TBV002 run over the
    package with it finds nothing (and would, on an upward import: see the unit below)."""
    engine = Engine(codes={"TBV002"})
    files = python_files([str(PACKAGE)])
    findings = []
    for path in files:
        source = open(path, encoding="utf-8").read()
        findings += [(path, f.line, f.message) for f in engine.check_source(source, path)]
    assert findings == []
    # the contract has teeth: the same check flags a rule importing the engine
    upward = "from ..engine.check import Engine\n"
    found = engine.check_source(upward, str(PACKAGE / "rules" / "base.py"))
    assert [f.code for f in found] == ["TBV002"]
    assert "truthlint.rules.base (L4) imports Engine from truthlint.engine.check (L5" in found[0].message
