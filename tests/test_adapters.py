"""The flake8 adapter and the CLI, driven in-process (the subprocess tests cover the real
entry points; these make the adapter's branches visible to coverage)."""

from __future__ import annotations

import ast
import json
import sys

import pytest
from flake8.main.cli import main as flake8_main

from truthlint.adapters import cli
from truthlint.rules.registry import RULES
from truthlint.engine.check import Engine
from truthlint.adapters.flake8_plugin import SoiChecker, StiChecker, TbvChecker, _Checker

from .conftest import REPO


def test_flake8_in_process_matches_expected_output(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    every = "STI,TBV,SOI,STI004,STI014,SOI002,SOI003,SOI004"
    assert flake8_main(["--select", every, "-j1", "examples/"]) == 1
    assert capsys.readouterr().out == (REPO / "examples" / "expected.txt").read_text()


def test_flake8_prefix_select_leaves_opt_in_codes_off(capsys, monkeypatch):
    """``--select STI`` means the default STI rules: an opt-in code must be named exactly."""
    monkeypatch.chdir(REPO)
    assert flake8_main(["--select", "STI,TBV,SOI", "-j1", "examples/"]) == 1
    expected = (REPO / "examples" / "expected.txt").read_text().splitlines(keepends=True)
    opt_in = tuple(f" {c} " for c, r in RULES.items() if r.off_by_default)
    assert capsys.readouterr().out == "".join(
        line for line in expected if not any(code in line for code in opt_in))
    assert flake8_main(["--select", "STI,TBV,SOI", "--extend-select", "STI014", "-j1",
                        "examples/app/middleware/tenancy.py", "examples/app/middleware/tenant.py"]) == 1
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()] == ["STI014", "STI014"]


def test_flake8_in_process_config_error_exits_2(tmp_path, capsys, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[tool.truthlint]\nroots = 1\n")
    (tmp_path / "x.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as done:
        flake8_main(["x.py"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err == (f"truthlint: configuration error: {tmp_path / 'pyproject.toml'}: key 'roots': "
                   "expected a list of strings, got 1\n")


def test_checkers_share_one_engine_run_per_tree(monkeypatch):
    from truthlint.engine.check import Engine

    monkeypatch.setattr(_Checker, "_engine", Engine(codes=RULES))  # every rule, opt-in ones too
    source = "rate_limiter = RateLimiter()\ninit_db()\n"
    tree = ast.parse(source)
    lines = source.splitlines(True)
    sti = list(StiChecker(tree, "stdin", lines).run())
    tbv = list(TbvChecker(tree, "stdin", lines).run())
    soi = list(SoiChecker(tree, "stdin", lines).run())
    assert sti == []
    assert [(r[0], r[2].split()[0]) for r in tbv] == [(2, "TBV001")]
    assert [(r[0], r[2].split()[0]) for r in soi] == [(1, "SOI002")]
    assert len(getattr(tree, "_truthlint_findings")) == 2


def test_engine_crash_is_reported_not_raised(monkeypatch, capsys):
    class Broken(Engine):
        def check(self, *args, **kwargs):
            raise RuntimeError("engine bug")

    monkeypatch.setattr(_Checker, "_engine", Broken())
    tree = ast.parse("x = 1\n")
    assert list(TbvChecker(tree, "a.py", ["x = 1\n"]).run()) == []
    assert "truthlint: internal error on a.py: RuntimeError('engine bug')" in capsys.readouterr().err


def test_cli_rules_lists_every_code(capsys):
    assert cli.main(["rules"]) == 0
    out = capsys.readouterr().out
    from truthlint.rules.registry import RULES

    assert [line.split()[0] for line in out.splitlines()] == list(RULES)


def test_cli_explain(capsys):
    assert cli.main(["explain", "sti001"]) == 0
    assert capsys.readouterr().out.startswith("# STI001 db-write-in-api\n")
    assert cli.main(["explain", "XYZ999"]) == 2
    assert "unknown code 'XYZ999'" in capsys.readouterr().err


def _tree(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_file_that_does_not_parse_is_a_finding_line_and_makes_no_claim_rest_on_it(
        tmp_path, capsys, monkeypatch):
    """Newer syntax than the running Python (simulated by a syntax error): `truthlint check`
    reports it as flake8 reports E999 and exits 1; its imports, read line by line, still
    reach the index, and STI004 claims nothing while a module is unread."""
    root = _tree(tmp_path, {
        "pyproject.toml": "[tool.truthlint]\n",
        "app/__init__.py": "",
        "app/newer.py": "from app.tasks import worker\n\nx = 1\n)\n",
        "app/tasks/__init__.py": '"""Tasks."""\n',
        "app/tasks/worker.py": "def work():\n    return 1\n",
        "app/tasks/dead.py": "def unused():\n    return 1\n",
    })
    monkeypatch.chdir(root)
    assert cli.main(["check", "--no-progress", "--select", "STI004", "-j1", "."]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == ["app/newer.py:4:1: E999 SyntaxError: unmatched ')'"]
    assert err.splitlines() == [
        "truthlint: 1 file(s) do not parse under Python "
        f"{sys.version_info[0]}.{sys.version_info[1]} (app/newer.py); if they use newer "
        "syntax, run truthlint under the project's Python. Their imports are read line by "
        "line, and no finding claims that nothing imports a module",
        "truthlint: 1 finding in 1 of 5 files"]
    assert cli.main(["check", "--no-progress", "--exit-zero", "-j1", "."]) == 0
    capsys.readouterr()
    assert cli.main(["check", "--no-progress", "--format", "json", "-j1", "."]) == 1
    assert json.loads(capsys.readouterr().out) == [{
        "path": "app/newer.py", "line": 4, "column": 1, "code": "E999", "name": "syntax-error",
        "message": "SyntaxError: unmatched ')'", "evidence": "", "fingerprint": ""}]
    (root / "app" / "newer.py").write_text("from app.tasks import worker\n")
    assert cli.main(["check", "--no-progress", "--select", "STI004", "-j1", "."]) == 1  # now it may speak
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "app/tasks/__init__.py:1:1: STI004 package app.tasks exports none of its public "
        "submodules and no module imports dead.py — re-export its API in __init__.py (or "
        "declare __all__), or delete dead modules"]


def test_an_unparsed_module_keeps_its_imports_through_the_line_reader():
    from truthlint.project.summaries import unparsed_summary

    summary = unparsed_summary(b"import app.a as x, os\nfrom app.b import (c,\n  d)\n)\n", "app.m")
    assert summary["unparsed"] is True
    assert [row[0] for row in summary["imports"]] == ["app.a", "app.b", "app.b.c", "app.b.d"]


def test_statistics_count_per_code_and_show_missing_init_as_one_cause_per_directory(
        tmp_path, capsys, monkeypatch):
    root = _tree(tmp_path, {
        "pyproject.toml": "[tool.truthlint]\n",
        "app/__init__.py": "",
        "app/utils/a.py": "A = 1\n",
        "app/utils/b.py": "B = 1\n",
        "app/routers/c.py": "init_db()\n",
        "app/main.py": "from app.utils import a, b\nfrom app.routers import c\n",
    })
    monkeypatch.chdir(root)
    assert cli.main(["check", "--no-progress", "--statistics", "-j1", "."]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2:] == ["3     STI006 missing-init (3 files in 2 directories: one cause each)",
                          "1     TBV001 import-time-side-effect"]
    assert len(lines) == 4 + 2  # the findings themselves come first, as without the flag
