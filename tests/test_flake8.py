"""truthlint through the real flake8: entry points, select/ignore, noqa, stdin, -j, errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from .conftest import REPO, run_flake8

# every test starts `python -m flake8` in subprocesses (tests/test_adapters.py drives it
# in-process for the quick loop)
pytestmark = pytest.mark.slow

EXAMPLES = REPO / "examples"
EXAMPLE_FILES = sorted(p.relative_to(REPO).as_posix() for p in EXAMPLES.rglob("*.py"))


def test_examples_match_expected_output_exactly():
    result = run_flake8("--select", "STI,TBV,SOI,STI004,STI014,SOI002,SOI003,SOI004", "examples/")
    assert result.stderr == ""
    assert result.stdout == (EXAMPLES / "expected.txt").read_text(encoding="utf-8")
    assert result.returncode == 1


def test_examples_fire_every_registered_code():
    from truthlint.rules.registry import RULES

    text = (EXAMPLES / "expected.txt").read_text(encoding="utf-8")
    fired = {line.split()[1] for line in text.splitlines()}
    assert fired == set(RULES) - {"STI012"}  # git stores no read permissions: see examples/README


def test_examples_show_sti012_once_a_file_is_private(tmp_path):
    import shutil

    copy = tmp_path / "examples"
    shutil.copytree(EXAMPLES, copy)
    (copy / "app/config/feature_flags.json").chmod(0o600)
    result = run_flake8("--select", "STI012", "examples/", cwd=tmp_path)
    assert result.stdout.startswith(
        "examples/app/config/__init__.py:1:1: STI012 data file app/config/feature_flags.json "
        "has mode 0600, not readable by other users")


def _project(tmp_path: Path, files: dict) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


API = """\
    from fastapi import APIRouter
    from sqlmodel import Session
    router = APIRouter()
    @router.post("/items")
    def create(session: Session, item):
        session.add(item)
        session.add(item)  # noqa: STI001
    """

HELPER = """\
    from sqlmodel import Session
    def close(session: Session):
        session.commit()
        session.rollback()  # noqa: SOI004
        session.commit()  # noqa: STI001
    """


@pytest.fixture
def api_project(tmp_path):
    return _project(tmp_path, {
        "app/__init__.py": '"""App."""\n',
        "app/api/__init__.py": '"""Routes."""\n__all__ = ["items"]\n',
        "app/api/items.py": API,
        "app/models.py": HELPER,  # a model module: it owns no transaction (SOI004)
        "app/state.py": "_seen = set()\n\n\ndef mark(x):\n    _seen.add(x)\n",
    })


def test_noqa_suppresses_only_the_named_code(api_project):
    result = run_flake8("--select", "STI,TBV,SOI", "app/api/items.py", "app/models.py",
                        cwd=api_project)
    codes = [(line.split(":")[0], line.split(":")[1], line.split()[1])
             for line in result.stdout.splitlines()]
    assert codes == [("app/api/items.py", "6", "STI001"), ("app/models.py", "3", "SOI004"),
                     ("app/models.py", "5", "SOI004")]


def test_select_and_extend_ignore_work_by_prefix(api_project):
    files = ("app/api/items.py", "app/models.py", "app/state.py")

    def codes(result):  # truthlint's codes (the default selection has pycodestyle's too)
        return [c for c in (line.split()[1] for line in result.stdout.splitlines())
                if c.startswith(("STI", "TBV", "SOI"))]

    # SOI002 is opt-in: a family prefix does not run it, its exact code does
    assert codes(run_flake8("--select", "SOI", *files, cwd=api_project)) == ["SOI004", "SOI004"]
    assert codes(run_flake8("--select", "SOI002", *files, cwd=api_project)) == ["SOI002"]
    no_sti = run_flake8("--extend-select", "SOI002", "--extend-ignore", "STI", *files,
                        cwd=api_project)
    assert codes(no_sti) == ["SOI004", "SOI004", "SOI002"]
    assert codes(run_flake8(*files, cwd=api_project)) == ["STI001", "SOI004", "SOI004"]


def test_select_replaces_defaults_so_extend_select_is_the_way():
    result = run_flake8("--select", "E,F", "examples/app/api/guard.py")
    assert "STI" not in result.stdout
    extended = run_flake8("--select", "E,F", "--extend-select", "STI", "examples/app/api/guard.py")
    assert "STI001" in extended.stdout


@pytest.fixture(scope="module")
def whole_run_by_file():
    result = run_flake8("--select", "STI,TBV,SOI", "examples/")
    by_file: dict = {}
    for line in result.stdout.splitlines(keepends=True):
        by_file.setdefault(line.split(":", 1)[0], []).append(line)
    return by_file


@pytest.mark.parametrize("path", EXAMPLE_FILES)
def test_one_answer_everywhere(path, whole_run_by_file):
    """`flake8 FILE`, `flake8 examples/` restricted to FILE and the editor's stdin form agree."""
    source = (REPO / path).read_text(encoding="utf-8")
    on_disk = run_flake8("--select", "STI,TBV,SOI", path)
    from_stdin = run_flake8("--select", "STI,TBV,SOI", "--stdin-display-name", path, "-",
                            stdin=source)
    assert on_disk.stdout == "".join(whole_run_by_file.get(path, []))
    assert from_stdin.stdout == on_disk.stdout
    assert from_stdin.stderr == on_disk.stderr == ""


def test_anonymous_stdin_skips_path_rules_but_keeps_the_rest():
    source = (EXAMPLES / "app/main.py").read_text(encoding="utf-8")
    result = run_flake8("--select", "STI,TBV,SOI,SOI002", "-", stdin=source)
    codes = [line.split()[1] for line in result.stdout.splitlines()]
    assert codes == ["SOI002", "SOI002", "TBV001"]


def test_parallel_run_equals_serial_run():
    serial = run_flake8("--select", "STI,TBV,SOI", "-j", "1", "examples/")
    parallel = run_flake8("--select", "STI,TBV,SOI", "-j", "2", "examples/")
    assert parallel.stdout == serial.stdout != ""


def test_syntax_error_is_left_to_flake8(tmp_path):
    root = _project(tmp_path, {"app/__init__.py": "", "app/api/broken.py": "def f(:\n"})
    result = run_flake8("app/api/broken.py", cwd=root)
    assert [line.split()[1] for line in result.stdout.splitlines()] == ["E999"]
    assert "truthlint" not in result.stderr


def test_version_lists_the_plugin():
    result = run_flake8("--version")
    assert "truthlint: 0.1.0" in result.stdout


@pytest.mark.parametrize("table, key, problem", [
    ("rootz = ['app']", "rootz", "unknown setting"),
    ("session-names = 3", "session-names", "expected a list of strings"),
    ("layer-preset = 'django'", "layer-preset", "expected one of \"seed\""),
    ("[tool.truthlint.layers]\napi = 'L9'", "layers.api", "expected a layer"),
    ("[tool.truthlint.allowed-imports]\nL2 = 'api'", "allowed-imports.L2", "expected a layer"),
])
def test_bad_pyproject_stops_with_one_error_naming_file_and_key(tmp_path, table, key, problem):
    root = _project(tmp_path, {"app/__init__.py": "", "app/x.py": "x = 1\n"})
    (root / "pyproject.toml").write_text(f"[tool.truthlint]\n{table}\n")
    result = run_flake8("app/x.py", cwd=root)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(root / "pyproject.toml") in lines[0]
    assert f"key '{key}'" in lines[0] and problem in lines[0]


def test_bad_toml_names_the_file(tmp_path):
    root = _project(tmp_path, {"app/x.py": "x = 1\n"})
    (root / "pyproject.toml").write_text("[tool.truthlint\n")
    result = run_flake8("app/x.py", cwd=root)
    assert result.returncode == 2
    assert str(root / "pyproject.toml") in result.stderr and "not valid TOML" in result.stderr


def test_bad_flake8_option_names_the_setup_cfg_key(tmp_path):
    root = _project(tmp_path, {"app/x.py": "x = 1\n"})
    (root / "setup.cfg").write_text("[flake8]\ntruthlint-layers = api=L2, views=high\n")
    result = run_flake8("app/x.py", cwd=root)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "setup.cfg [flake8]" in result.stderr and "key 'truthlint-layers.views'" in result.stderr


def test_nested_config_error_is_found_before_the_run(tmp_path):
    root = _project(tmp_path, {"svc/app/__init__.py": "", "svc/app/x.py": "x = 1\n"})
    (root / "svc" / "pyproject.toml").write_text("[tool.truthlint]\nbogus = 1\n")
    result = run_flake8(".", cwd=root)
    assert result.returncode == 2
    assert "svc/pyproject.toml" in result.stderr and "key 'bogus'" in result.stderr


def test_flake8_options_override_pyproject(tmp_path):
    root = _project(tmp_path, {
        "app/__init__.py": '"""App."""\n',
        "app/handlers/__init__.py": '"""H."""\n__all__ = ["h"]\n',
        "app/handlers/h.py": "def f(session):\n    session.add(1)\n",
    })
    plain = run_flake8("--select", "STI", "app/handlers/h.py", cwd=root)
    assert plain.stdout == ""
    mapped = run_flake8("--select", "STI", "--truthlint-layers", "handlers=L2",
                        "app/handlers/h.py", cwd=root)
    assert mapped.stdout == ("app/handlers/h.py:2:5: STI001 DB write `session.add()` in L2 module "
                             "app.handlers.h — move the write into a service or repository and "
                             "call that instead\n")


def test_the_plugin_collects_less_only_while_it_checks_and_puts_flake8s_threshold_back(
        tmp_path, monkeypatch):
    """Its own check makes no cyclic garbage worth the default 700-allocation threshold; the
    process is flake8's, so the threshold flake8 had is back once the check returns or fails."""
    import ast
    import gc

    from truthlint.adapters.flake8_plugin import StiChecker
    from truthlint.run.collection import THRESHOLD

    source = "import os\n\n\ndef f():\n    return os.getcwd()\n"
    path = tmp_path / "mod.py"
    path.write_text(source)
    seen = []
    real = StiChecker._findings.__globals__["check_lines"]

    def spying(*args):
        seen.append(gc.get_threshold())
        if len(seen) == 2:
            raise RuntimeError("a bug in a rule")
        return real(*args)

    monkeypatch.setitem(StiChecker._findings.__globals__, "check_lines", spying)
    before = gc.get_threshold()
    gc.set_threshold(123, 4, 5)
    try:
        for _ in range(2):  # a check that returns, then one that fails (reported, not raised)
            checker = StiChecker(ast.parse(source), str(path), source.splitlines(True))
            list(checker.run())
            assert gc.get_threshold() == (123, 4, 5)
    finally:
        gc.set_threshold(*before)
    assert seen == [THRESHOLD, THRESHOLD]
