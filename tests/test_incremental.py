"""Incremental results: after an edit, an added, deleted or renamed module, a run that reuses
the per-file store reports exactly what a cold run reports, through both entry points, and
re-checks only the files whose checks read what changed."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

from truthlint.core.files import python_files
from truthlint.core.source import read_source, split_lines
from truthlint.engine.check import Engine
from truthlint.project.graph import shown
from truthlint.rules.registry import RULES
from truthlint.run.filestore import FileStore, check_lines
from truthlint.run.pipeline import run

from .conftest import FIXTURES, REPO

CACHES = ".truthlint_cache"


def _copy(tree: Path, tmp_path: Path) -> Path:
    """The tree inside a project of its own (so the caches have a place)."""
    target = tmp_path / tree.name
    shutil.copytree(tree, target, ignore=shutil.ignore_patterns(CACHES))
    if not any((target / marker).exists() for marker in ("pyproject.toml", "setup.cfg")):
        (tmp_path / ".git").mkdir()
    return target


def _command(top: Path) -> Tuple[list, int]:
    """A command run over ``top``: its findings, and how many files the store missed."""
    engine = Engine(codes=RULES)
    stores: List[FileStore] = []
    real = FileStore.__init__

    def spy(self, engine):
        real(self, engine)
        stores.append(self)

    FileStore.__init__ = spy  # type: ignore[method-assign]
    try:
        found = run(engine, python_files([str(top)]), jobs=1)
    finally:
        FileStore.__init__ = real  # type: ignore[method-assign]
    return found, sum(s.misses for s in stores)


def _plugin(top: Path) -> Tuple[list, int]:
    """The flake8 plugin's path over every file: findings, and the store's misses."""
    store = FileStore(Engine(codes=RULES))
    out = []
    for path in python_files([str(top)]):
        source = read_source(path)
        if source is None:
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        out.append((path, check_lines(store, split_lines(source), path, tree)))
    store.flush()  # (flake8's process would, at exit)
    return out, store.misses


def _cold(top: Path, how) -> list:
    """The same run with no cache at all (the caches are put back after)."""
    aside = []
    for cache in top.parent.rglob(CACHES):
        moved = cache.with_name(CACHES + ".aside")
        cache.rename(moved)
        aside.append((moved, cache))
    try:
        found, _ = how(top)
    finally:
        for cache in top.parent.rglob(CACHES):
            shutil.rmtree(cache)
        for moved, cache in aside:
            moved.rename(cache)
    return found


def _edit_function(top: Path) -> None:
    """One line added inside the first function body of some module."""
    for path in sorted(top.rglob("*.py")):
        text = path.read_text()
        lines = text.splitlines(keepends=True)
        for n, line in enumerate(lines):
            if line.startswith("def ") and line.rstrip().endswith(":"):
                body = lines[n + 1]
                indent = body[:len(body) - len(body.lstrip())] or "    "
                lines.insert(n + 1, f"{indent}_probe = 1\n")
                path.write_text("".join(lines))
                return
    raise AssertionError("no function to edit")


def _modules(top: Path) -> List[Path]:
    return sorted(p for p in top.rglob("*.py") if p.name != "__init__.py" and CACHES not in str(p))


def _add_import(top: Path) -> None:
    """A module-level import of another module of the tree (a new import edge)."""
    first, *rest = _modules(top)
    other = rest[-1].relative_to(top.parent).with_suffix("")
    first.write_text(f"import {'.'.join(other.parts)}\n" + first.read_text())


def _add_module(top: Path) -> None:
    package = next(p.parent for p in sorted(top.rglob("__init__.py")) if p.parent != top)
    (package / "added_late.py").write_text(
        "import time\n\n\nasync def slow():\n    time.sleep(1)\n\n\nCACHE = {}\n")


def _delete_module(top: Path) -> None:
    _modules(top)[0].unlink()


def _rename_module(top: Path) -> None:
    victim = _modules(top)[-1]
    victim.rename(victim.with_name("renamed_" + victim.name))


CHANGES = [_edit_function, _add_import, _add_module, _delete_module, _rename_module]
TREES = [REPO / "examples", FIXTURES / "indexed", FIXTURES / "fastapi", FIXTURES / "layered"]


@pytest.mark.slow
@pytest.mark.parametrize("how", [_command, _plugin], ids=["command", "plugin"])
@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.name)
def test_every_change_gives_what_a_cold_run_gives(tree, how, tmp_path):
    top = _copy(tree, tmp_path)
    cold_first = how(top)[0]
    again, misses = how(top)
    assert again == cold_first and misses == 0, "an unchanged tree is answered from the store"
    for change in CHANGES:
        change(top)
        warm, misses = how(top)
        assert warm == _cold(top, how), change.__name__
        files = len(python_files([str(top)]))
        if change is _edit_function:
            assert misses < files, "an edit inside a function re-checks only some files"


def test_an_edit_inside_a_function_re_checks_only_its_readers(tmp_path):
    top = tmp_path / "svc"
    (tmp_path / "pyproject.toml").write_text("[tool.truthlint]\n")
    (top / "api").mkdir(parents=True)
    (top / "__init__.py").write_text("")
    (top / "api" / "__init__.py").write_text("")
    for n in range(6):
        (top / "api" / f"m{n}.py").write_text(f"import os\n\n\ndef f{n}():\n    return os.sep\n")
    (top / "api" / "uses.py").write_text(
        "import time\nfrom svc.api.m0 import f0\n\n\nasync def g():\n    return f0()\n")
    _command(top)
    path = top / "api" / "m0.py"
    path.write_text(path.read_text().replace("return os.sep", "time.sleep(1)\n    return 1")
                    .replace("import os", "import time"))
    warm, misses = _command(top)
    # m0 is re-checked as changed; of the others only uses.py, whose chain goes through m0
    assert misses == 1
    assert [(Path(x.path).name, x.finding.code) for x in warm[0] if x.finding.code == "TBV003"] \
        == [("uses.py", "TBV003")]
    assert warm == _cold(top, _command)


def test_a_tampered_entry_is_a_miss_not_a_finding(tmp_path):
    top = _copy(FIXTURES / "indexed", tmp_path)
    first, _ = _command(top)
    for entry in tmp_path.rglob(f"{CACHES}/files/*.json"):
        entry.write_text('{"key": 1, "reads": "x", "findings": [[1, 2]]}')
    assert _command(top)[0] == first
    for entry in tmp_path.rglob(f"{CACHES}/files/*.json"):
        os.unlink(entry)
        os.symlink("/dev/zero", entry)
    assert _command(top)[0] == first


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_flake8_processes_leave_their_entries_for_the_next_run(tmp_path, jobs):
    """Each flake8 process (the main one, or each worker) writes what it checked as it ends,
    the workers under a lock: the next run finds every file's entry."""
    top = _copy(FIXTURES / "indexed", tmp_path)
    argv = [sys.executable, "-m", "flake8", "--select", "STI,TBV,SOI", "-j", jobs, str(top)]
    first = subprocess.run(argv, capture_output=True, text=True)
    stores = list(tmp_path.rglob(f"{CACHES}/files"))
    assert stores and not first.stderr
    from truthlint.run.filestore import _entry_name

    names = {p.name for store in stores for p in store.iterdir() if not p.name.startswith(".")}
    bundled = set()
    for bundle in tmp_path.rglob("bundle.json"):
        bundled |= set(json.loads(bundle.read_text().split("\n")[0])["paths"])
    store = FileStore(Engine())
    placed = {os.path.abspath(p) for p in python_files([str(top)]) if store.place(p, "")}
    # a process that checked more than a few files merged them into the bundle; one that
    # checked a few (a -j worker given a short share) wrote them on their own
    own = {full for full in placed if _entry_name(full) in names}
    assert placed and bundled | own == placed and not bundled & own
    assert names - {"bundle.json"} == {_entry_name(full) for full in own}
    again = subprocess.run(argv, capture_output=True, text=True)
    assert again.stdout == first.stdout


EDITS = {  # module-level edits an editor makes, each touching another whole-project fact
    "body": lambda text: text.replace("\ndef ", "\ndef _probe():\n    return 1\n\n\ndef ", 1),
    "import": lambda text: "import app.models.base\n" + text,
    "table": lambda text: text + '\n\nclass Extra(Base):\n    __tablename__ = "extra"\n',
    "name": lambda text: text + '\nTASKS = ["app.jobs.nightly"]\n',
    "call": lambda text: text + "\nstart_things()\n",
    "discover": lambda text: text + "\nimport importlib\nplugin = importlib.import_module(NAME)\n",
    "break": lambda text: text + "\ndef broken(:\n",
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_facts_brought_up_to_date_equal_facts_made_from_scratch(edit, tmp_path):
    from truthlint.core.config import ConfigFinder
    from truthlint.core.digest import canonical
    from truthlint.core.files import FileSystem
    from truthlint.project.index import CACHED_FACTS, ProjectIndex
    from truthlint.project.summaries import summarize_file

    top = _copy(FIXTURES / "indexed", tmp_path)
    root = str(top / "app")
    config = ConfigFinder().for_dir(root)

    def index(cache):
        return ProjectIndex(root, config, FileSystem(), cache, summarize_file).build()

    index(str(tmp_path / "cache"))
    for path in _modules(top / "app")[::3]:
        path.write_text(EDITS[edit](path.read_text()))
    updated, fresh = index(str(tmp_path / "cache")), index(None)
    if edit in ("body", "call"):  # no module's part of any fact changed (``start_things`` is
        # no project function): every fact kept as saved, not even decoded
        assert updated.stats["kept"] == len(CACHED_FACTS) and updated.stats["followed"] == 0
    else:
        assert updated.stats["followed"] >= 7  # (the graph's, when it changed, are made anew)
    reloaded = index(str(tmp_path / "cache"))  # the facts as the update saved them
    assert reloaded.stats["parsed"] == 0
    for key in CACHED_FACTS:
        made = canonical(getattr(fresh, CACHED_FACTS[key])())
        assert canonical(getattr(updated, CACHED_FACTS[key])()) == made, key
        assert canonical(getattr(reloaded, CACHED_FACTS[key])()) == made, key
        assert reloaded.fact_digest(key) == fresh.fact_digest(key), key


def _ring_index(graph):
    from truthlint.core.config import Config
    from truthlint.core.files import FileSystem
    from truthlint.project.index import ProjectIndex
    from truthlint.project.summaries import summarize_file

    index = ProjectIndex("/nowhere/app", Config(), FileSystem(), None, summarize_file)
    index._derived["graph"] = {m: sorted(t) for m, t in graph.items()}
    return index


def _shortest_back(graph, start, goal):
    """Plain breadth-first search: the length of a shortest path start -> goal."""
    seen, frontier, depth = {start}, [start], 0
    while frontier:
        if goal in frontier:
            return depth
        frontier = sorted({n for f in frontier for n in graph[f]} - seen)
        seen.update(frontier)
        depth += 1
    return None


def _ring(n):
    graph = {f"app.m{i:03}": {f"app.m{(i + 1) % n:03}"} for i in range(n)}
    for i in range(0, n, 7):  # chords back, so shortest cycles differ from the ring
        graph[f"app.m{i:03}"].add(f"app.m{(i - 3) % n:03}")
    return graph


@pytest.mark.parametrize("budget", [3, 512])
def test_every_cycle_shown_is_a_true_simple_cycle_through_its_edge(budget, monkeypatch):
    monkeypatch.setattr("truthlint.project.index.CYCLE_SEARCH", budget)
    graph = _ring(60)
    index = _ring_index(graph)
    for module, targets in graph.items():
        for target in targets:
            cycle = index._cycle(module, target)  # (what a message lists: see the next test)
            assert index.cycle(module, target) == shown(cycle)
            assert cycle[0] == cycle[-1] == module and cycle[1] == target
            assert len(set(cycle[:-1])) == len(cycle) - 1, cycle  # simple
            assert all(b in graph[a] for a, b in zip(cycle, cycle[1:])), cycle
            if budget == 512:  # within the search's reach: the shortest
                assert len(cycle) - 2 == _shortest_back(graph, target, module)


def test_a_long_cycle_is_listed_by_its_first_modules_and_its_length():
    """F16: a 10,000-module cycle spelled out in every finding printed 1.39 GB."""
    assert shown(["a", "b", "a"]) == ["a", "b", "a"]
    ring = [f"m{n}" for n in range(10_000)] + ["m0"]
    assert shown(ring) == ring[:8] + ["… (10,000 modules)", "m0"]
    listed = " → ".join(shown(ring))
    assert listed == "m0 → m1 → m2 → m3 → m4 → m5 → m6 → m7 → … (10,000 modules) → m0"


@pytest.mark.parametrize("name,forgotten", [("app/workers/business_builder.py", False),
                                            ("app/api/guard.py", False), ("app/api/guard.py", True)])
def test_an_editor_run_on_an_edited_file_walks_it_once_and_answers_as_a_full_check(
        name, forgotten, tmp_path, monkeypatch):
    """The file is new to the index: the walk that checks it also summarises it, and the rules
    judged from the index follow without a second walk, also for a file whose walk resolves a
    session reference into another module (guard.py: ``Depends(get_session)``), answered from the
    planned index and confirmed by the complete one."""
    from truthlint.core.walker import Walker

    top = _copy(REPO / "examples", tmp_path)
    _plugin(top)
    if forgotten:  # no stored check says how this file's rules behave
        for files in tmp_path.rglob(f"{CACHES}/files"):
            shutil.rmtree(files)
    path = top / name
    path.write_text(path.read_text() + "\n\ndef added_helper():\n    return 1\n")
    source = path.read_text()
    walks = []
    real = Walker.run

    def counting(self, tree):
        walks.append(1)
        return real(self, tree)

    monkeypatch.setattr(Walker, "run", counting)
    found = check_lines(FileStore(Engine(codes=RULES)), split_lines(source), str(path),
                        ast.parse(source))
    once = len(walks)
    monkeypatch.setattr(Walker, "run", real)
    expected = Engine(codes=RULES).check(split_lines(source), str(path), ast.parse(source))
    assert found == expected.findings and found
    assert once == 1


DISK = {"open", "os.stat", "os.lstat", "os.listdir", "os.scandir", "os.walk", "os.path.exists",
        "os.path.isfile", "os.path.isdir", "os.path.getmtime", "os.path.getsize", "Path"}


def test_rules_and_facts_read_beyond_their_file_only_through_noted_reads():
    """The per-file store is only as true as the reads it knows of: rules, fact collectors and
    the index view read the disk through ``FileSystem`` or the index, never directly."""
    from truthlint.core.names import dotted

    package = REPO / "truthlint"
    offenders = []
    for path in [*(package / "rules").rglob("*.py"), *(package / "facts").rglob("*.py"),
                 package / "project" / "view.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and dotted(node.func) in DISK:
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno} {dotted(node.func)}")
    assert offenders == []
