"""A cold ``truthlint check`` (index built from the same parse that checks each file) finds
exactly what a run whose index existed from the start finds, and parses each file once."""

from __future__ import annotations

import ast
import json
import shutil
import textwrap
from pathlib import Path

import pytest

import truthlint.run.pipeline as pipeline
from truthlint.core.context import Phase
from truthlint.engine.check import Engine
from truthlint.rules.registry import RULES
from truthlint.run.filecheck import check_file
from truthlint.run.noqa import noqa_lines, statement_starts
from truthlint.project.summaries import summarize_file
from truthlint.project.layout import find_root
from truthlint.core.source import split_lines
from truthlint.core.files import python_files
from truthlint.run.pipeline import run

from .conftest import FIXTURES, REPO

TREES = [FIXTURES / "backend", FIXTURES / "configured", FIXTURES / "indexed",
         FIXTURES / "layered", REPO / "examples"]


def copy_tree(tree: Path, tmp_path: Path) -> Path:
    target = tmp_path / tree.name
    shutil.copytree(tree, target, ignore=shutil.ignore_patterns(".truthlint_cache"))
    return target


def reference(files):
    """Every file checked on its own, the index built on first use (the flake8 way)."""
    project = Engine(codes=RULES)
    located, diagnostics = [], []
    for path in files:
        found, problem = check_file(project, path)
        located.extend(found)
        diagnostics.extend([problem] if problem else [])
    located.sort(key=lambda x: (x.path, x.finding.line, x.finding.col, x.finding.code))
    return located, diagnostics


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.name)
def test_cold_run_finds_what_a_run_with_a_built_index_finds(tree, jobs, tmp_path, monkeypatch):
    monkeypatch.setattr("truthlint.run.pool.PARALLEL_FROM", 1)  # use the pool on small trees
    files = python_files([str(copy_tree(tree, tmp_path))])
    phases = []
    first_pass = pipeline._first_pass

    def spy(engine, work):
        result = first_pass(engine, work)
        phases.append(result.then)
        return result

    if jobs == 1:
        monkeypatch.setattr(pipeline, "_first_pass", spy)
    cold = run(Engine(codes=RULES), files, jobs=jobs)
    for cache in tmp_path.rglob(".truthlint_cache"):
        shutil.rmtree(cache)
    assert cold == reference(files)
    assert cold[0], "the tree has findings"
    if jobs == 1:
        assert Phase.INDEX in phases


def _counting(monkeypatch):
    """Count parses, and keep what each first pass returned."""
    parsed, firsts = [], []
    real_parse, first_pass = ast.parse, pipeline._first_pass

    def counting_parse(source, *args, **kwargs):
        parsed.append(1)
        return real_parse(source, *args, **kwargs)

    def spy(engine, work):
        result = first_pass(engine, work)
        firsts.append(result)
        return result

    monkeypatch.setattr(ast, "parse", counting_parse)
    monkeypatch.setattr(pipeline, "_first_pass", spy)
    return parsed, firsts


def test_each_file_is_parsed_once(tmp_path, monkeypatch):
    """Also the files whose walk resolves a session reference into another module
    (``Depends(get_session)``): the planned index answers, the complete one confirms."""
    files = python_files([str(copy_tree(REPO / "examples", tmp_path))])
    parsed, firsts = _counting(monkeypatch)
    run(Engine(), files, jobs=1)
    assert len(parsed) == len(files)
    assert [f.then for f in firsts].count(Phase.WHOLE) == 0
    speculated = {Path(f.path).name: f.speculated for f in firsts if f.speculated}
    assert speculated["guard.py"] == {
        "=C:app.db.get_session": ("sync", "app.db.get_session")}


def test_an_early_answer_the_index_does_not_confirm_decides_nothing(tmp_path, monkeypatch):
    """Should the planned index ever answer a session reference otherwise than the complete
    one, the file is checked again in full: the findings are a whole check's."""
    files = python_files([str(copy_tree(REPO / "examples", tmp_path))])
    parsed, firsts = _counting(monkeypatch)
    monkeypatch.setattr("truthlint.project.index.Early.session_kind",
                        lambda self, reference: ("async", "nowhere.session"))
    cold = run(Engine(codes=RULES), files, jobs=1)
    wrong = [f for f in firsts if f.speculated]
    assert wrong and len(parsed) == len(files) + len(wrong)
    monkeypatch.undo()
    for cache in tmp_path.rglob(".truthlint_cache"):
        shutil.rmtree(cache)
    assert cold == reference(files) and cold[0]


@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.name)
def test_first_pass_summary_is_the_index_summary(tree):
    project = Engine()
    for path in python_files([str(tree)]):
        data = Path(path).read_bytes()
        config = project.finder.for_file(path)
        root = find_root(project.fs, str(Path(path).parent.resolve()), config)
        index = project.indexes.get(root or "", config)
        if index is None:
            continue  # outside every package root
        stale = next(s for s in _stale(index, path, data))
        first = pipeline._first_pass(project, (path, stale))
        config = project.finder.for_file(stale.path)
        assert json.loads(first.summary) == summarize_file(stale.path, data, config,
                                                           project.fs, stale.module), path


def _stale(index, path, data):
    from truthlint.project.index import Stale, _module_name

    absolute = str(Path(path).resolve())
    rel = absolute[len(str(Path(index.root).parent)) + 1:]
    yield Stale(rel, _module_name(rel), absolute, "", data)


def test_a_file_the_index_reads_differently_is_checked_again(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.truthlint]\n")
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    body = "# -*- coding: latin-1 -*-\n# caf\xe9\nimport requests\nrequests.get('x')\n"
    (package / "legacy.py").write_bytes(body.encode("latin-1"))
    files = python_files([str(package)])
    cold = run(Engine(), files, jobs=1)
    for cache in tmp_path.rglob(".truthlint_cache"):
        shutil.rmtree(cache)
    assert cold == reference(files)
    assert [x.finding.code for x in cold[0]] == ["TBV001"]


NOQA_SOURCE = textwrap.dedent('''\
    """Docstring that says noqa."""
    import os  # noqa: F401
    x = """first
    second"""  # noqa: TBV001
    y = 1 + \\
        2  # noqa
    @decorator(
        arg,
    )  # noqa: SOI
    def f():
        a = 1  # noqa: STI001
        b = """
        # noqa: E501
        """
        return a
    z = [
        1,  # noqa: TBV
        2,
    ]
    w = 3; v = 4  # NOQA
''')


def test_noqa_by_statement_equals_noqa_of_the_whole_file():
    lines = split_lines(NOQA_SOURCE)
    whole = noqa_lines(lines)
    starts = statement_starts(ast.parse(NOQA_SOURCE))
    assert whole[3] == whole[4] == {"TBV001"} and whole[5] is None and whole[6] is None
    for line in range(1, len(lines) + 1):
        assert noqa_lines(lines, [line], starts).get(line, "-") == whole.get(line, "-"), line
    assert noqa_lines(lines, list(range(1, len(lines) + 1)), starts) == whole


def test_noqa_by_statement_on_every_fixture_file():
    for path in sorted(FIXTURES.rglob("*.py")) + sorted((REPO / "truthlint").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = split_lines(source)
        whole = noqa_lines(lines)
        starts = statement_starts(ast.parse(source))
        assert noqa_lines(lines, range(1, len(lines) + 1), starts) == whole, path


def test_a_form_feed_does_not_shift_lines(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "a.py").write_text("import os\n\x0c\ninit_db()\ninit_db()  # noqa\n")
    found, problem = check_file(Engine(), str(tmp_path / "a.py"))
    assert problem is None
    assert [(x.finding.line, x.finding.code, x.source_line) for x in found] == [
        (3, "TBV001", "init_db()")]


@pytest.mark.slow  # spawned workers: a fresh interpreter each
def test_cold_run_without_fork(tmp_path, monkeypatch):
    """Where processes cannot be forked (Windows), the workers get a pickled project."""
    monkeypatch.setattr("truthlint.run.pool.PARALLEL_FROM", 1)
    monkeypatch.setattr("multiprocessing.get_all_start_methods", lambda: ["spawn"])
    files = python_files([str(copy_tree(FIXTURES / "indexed", tmp_path))])
    cold = run(Engine(codes=RULES), files, jobs=2)
    for cache in tmp_path.rglob(".truthlint_cache"):
        shutil.rmtree(cache)
    assert cold == reference(files) and cold[0]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_cold_run_over_part_of_a_root_pools_twice(tmp_path, monkeypatch, jobs):
    """Checking some files of a stale root also summarises the others for the index; both go
    through phase one's one round of tasks, so a cold run has two rounds (phase one, phase
    two), each one pool when the work is worth it (here, with ``jobs=2``, it is)."""
    monkeypatch.setattr("truthlint.run.pool.PARALLEL_FROM", 1)
    tree = copy_tree(FIXTURES / "indexed", tmp_path)
    files = python_files([str(tree / "app" / "cycle_a.py"), str(tree / "app" / "main.py"),
                          str(tree / "app" / "models")])
    rounds = []
    real = pipeline.run_tasks

    def counting(engine, task, items, *args, **kwargs):
        rounds.append(len(items))
        return real(engine, task, items, *args, **kwargs)

    monkeypatch.setattr(pipeline, "run_tasks", counting)
    cold = run(Engine(codes=RULES), files, jobs=jobs)
    for cache in tmp_path.rglob(".truthlint_cache"):
        shutil.rmtree(cache)
    assert cold == reference(files)
    assert {x.finding.code for x in cold[0]} >= {"TBV004", "SOI001"}  # whole-project answers
    assert len(rounds) == 2
    assert rounds[0] > len(files)  # the other modules of the root were summarised with them


def test_a_module_truthlint_fails_to_summarise_is_unread_and_said_so(tmp_path, monkeypatch, caplog):
    """A bug in summarising one module must not become a claim about it: the module counts
    as unread (STI004 says nothing), and the run says why on the truthlint logger."""
    for rel, text in {"pyproject.toml": "[tool.truthlint]\n", "app/__init__.py": "",
                      "app/a.py": "from app.tasks import dead\n",
                      "app/tasks/__init__.py": '"""Tasks."""\n',
                      "app/tasks/dead.py": "def unused():\n    return 1\n"}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    import truthlint.project.summaries as summaries

    real = summaries.summarize_file

    def broken(path, *args):
        if path.endswith("a.py"):
            raise RuntimeError("summary bug")
        return real(path, *args)

    monkeypatch.setattr(summaries, "summarize_file", broken)
    engine = Engine(codes=frozenset({"STI004"}))
    located, _ = run(engine, [str(tmp_path / "app" / "tasks" / "__init__.py")], jobs=1)
    assert located == []
    assert "could not summarise" in caplog.text and "a.py" in caplog.text
