"""Bad input never crashes truthlint, and truthlint never runs the code it checks.

Each case gives at most one clear diagnostic, and the rest of the run still completes with
correct findings (configuration errors excepted: they stop the run, on purpose).
"""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from truthlint.core.config import SETTINGS
from truthlint.engine.check import Engine
from truthlint.run.filecheck import check_file
from truthlint.core.files import python_files
from truthlint.run.pipeline import run

from .conftest import run_flake8

GOOD = "init_db()\n"  # one TBV001 at 1:1, the finding every case must still report


def truthlint(*args, cwd):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "truthlint", *args], cwd=str(cwd),
                          capture_output=True, text=True, env=env, timeout=300)


def tree(tmp_path: Path, files: dict) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return tmp_path


def codes(stdout: str):
    return [(line.split(":")[0].lstrip("./"), line.split()[1]) for line in stdout.splitlines()]


@pytest.mark.slow  # the CLI and flake8 in subprocesses, nine times
@pytest.mark.parametrize("name, content, diagnostic", [
    ("syntax.py", "def f(:\n", "do not parse under Python"),
    ("nulls.py", b"x = 1\x00\n", "do not parse under Python"),
    ("latin1.py", b"# -*- coding: latin-1 -*-\nNAME = '\xe9t\xe9'\ninit_db()\n", None),
    ("bom.py", b"\xef\xbb\xbfinit_db()\n", None),
    ("badbytes.py", b"x = '\xff\xfe'\ninit_db()\n", None),  # read as latin-1, as flake8 does
    ("badcookie.py", b"# -*- coding: nope -*-\ninit_db()\n", None),  # (F21)
    ("bomcookie.py", b"\xef\xbb\xbf# -*- coding: latin-1 -*-\ninit_db()\n", None),
    ("deep_unary.py", "x = " + "-" * 1000 + "1\n", None),
    ("deep_sum.py", "x = " + "+".join(["1"] * 1000) + "\n", None),
    ("deep_attr.py", "x = a" + ".b" * 1000 + ".commit()\n", None),
    ("deep_parens.py", "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n", "do not parse under Python"),
])
def test_bad_input_gives_at_most_one_diagnostic_and_the_run_goes_on(
        tmp_path, name, content, diagnostic):
    root = tree(tmp_path, {"good.py": GOOD, name: content})
    result = truthlint("check", ".", cwd=root)
    assert ("good.py", "TBV001") in codes(result.stdout)
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("truthlint: ") and " of 2 files" in lines[-1]  # the summary
    lines = lines[:-1]
    if diagnostic:
        assert len(lines) == 1 and name in lines[0] and diagnostic in lines[0]
    else:
        assert lines == []
    checked = name in ("latin1.py", "bom.py", "badbytes.py", "badcookie.py", "bomcookie.py")
    expected_here = [(name, "TBV001")] if checked else []
    if diagnostic and "parse" in diagnostic:  # a finding line, as flake8's E999, and exit 1
        expected_here = [(name, "E999")]
        assert result.returncode == 1
    assert [c for c in codes(result.stdout) if c[0] == name] == expected_here
    if name.startswith("deep_"):
        return  # pyflakes itself overflows on these; truthlint's walk is iterative (CLI above)
    flake8 = run_flake8("--select", "TBV,E999,E902", ".", cwd=root)
    assert "truthlint" not in flake8.stdout + flake8.stderr
    if name == "nulls.py" and sys.version_info < (3, 11):
        # flake8's own processing stops on a null byte under these Pythons (a ValueError
        # from ast.parse it does not catch), before any plugin runs: not truthlint's to fix
        assert "cannot contain null bytes" in flake8.stderr
        return
    assert ("good.py", "TBV001") in codes(flake8.stdout)
    if checked:  # both entry points read the file the same way
        assert [c for c in codes(flake8.stdout) if c[0] == name] == expected_here


def test_bom_file_reports_the_right_line(tmp_path):
    root = tree(tmp_path, {"bom.py": b"\xef\xbb\xbfimport os\n\ninit_db()\n"})
    assert truthlint("check", ".", cwd=root).stdout.startswith("bom.py:3:1: TBV001")


@pytest.mark.slow  # half a minute
def test_a_10_mb_file(tmp_path):
    body = "".join(f"value_{n} = {n}\n" for n in range(700_000))
    root = tree(tmp_path, {"huge.py": body + GOOD})
    assert (root / "huge.py").stat().st_size > 10_000_000
    located, diagnostics = run(Engine(), python_files([str(root)]), jobs=1)
    assert [(x.finding.line, x.finding.code) for x in located] == [(700_001, "TBV001")]
    assert diagnostics == []


def test_symlink_loops_and_dangling_links_are_skipped(tmp_path):
    root = tree(tmp_path, {"app/__init__.py": '"""App."""\n', "app/mod.py": GOOD})
    (root / "app" / "loop").symlink_to(root / "app", target_is_directory=True)
    (root / "app" / "dangling.py").symlink_to(root / "nowhere.py")
    result = truthlint("check", ".", cwd=root)
    assert codes(result.stdout) == [("app/mod.py", "TBV001")]
    assert len(result.stderr.splitlines()) == 2 and "dangling.py" in result.stderr
    assert result.stderr.splitlines()[-1] == "truthlint: 1 finding in 1 of 3 files"
    flake8 = run_flake8("--select", "TBV", "app/mod.py", cwd=root)
    assert codes(flake8.stdout) == [("app/mod.py", "TBV001")]


def test_unreadable_files_and_directories(tmp_path, monkeypatch):
    """Made unreadable by refusing the reads (the tests may run as root, who reads all)."""
    root = tree(tmp_path, {"app/__init__.py": '"""App."""\n', "app/mod.py": GOOD,
                           "app/secret.py": GOOD, "app/locked/__init__.py": "",
                           "app/locked/x.py": GOOD})
    blocked = {str(root / "app" / "secret.py"), str(root / "app" / "locked")}
    real_open, real_os_open, real_listdir = builtins.open, os.open, os.listdir

    def guarded_open(file, *args, **kwargs):
        if str(file) in blocked or os.path.abspath(str(file)) in blocked:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    def guarded_os_open(file, *args, **kwargs):
        if os.path.abspath(str(file)) in blocked:
            raise PermissionError(13, "Permission denied", str(file))
        return real_os_open(file, *args, **kwargs)

    def guarded_listdir(path="."):
        if os.path.abspath(str(path)) in blocked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_listdir(path)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    monkeypatch.setattr(os, "listdir", guarded_listdir)
    project = Engine()
    found, diagnostic = check_file(project, str(root / "app" / "secret.py"))
    assert found == [] and "cannot be read" in diagnostic
    found, diagnostic = check_file(project, str(root / "app" / "mod.py"))
    assert [x.finding.code for x in found] == ["TBV001"] and diagnostic is None


@pytest.mark.slow  # concurrent CLI subprocesses
def test_two_runs_share_one_cold_cache_at_once(tmp_path):
    files = {"app/__init__.py": '"""App."""\n'}
    for n in range(60):
        files[f"app/m{n}.py"] = f"from app import m{(n + 1) % 60}\n"
    root = tree(tmp_path, files)
    results = [None, None]

    def go(i):
        results[i] = truthlint("check", "--select", "TBV004", "-j", "1", ".", cwd=root)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[0].stdout == results[1].stdout
    assert len(results[0].stdout.splitlines()) == 60
    assert results[0].stderr == results[1].stderr == "truthlint: 60 findings in 60 of 61 files\n"
    again = truthlint("check", "--select", "TBV004", ".", cwd=root)
    assert again.stdout == results[0].stdout
    assert not list((root / ".truthlint_cache").glob(".index-*.tmp"))


BAD_VALUES = {setting.key: 12345 for setting in SETTINGS}
BAD_INNER = [
    ("layers", "[tool.truthlint.layers]\napi = 'L0'"),
    ("layers", "[tool.truthlint.layers]\napi = 2"),
    ("allowed-imports", "[tool.truthlint.allowed-imports]\nL2 = ['L3', 'x']"),
    ("allowed-imports", "[tool.truthlint.allowed-imports]\nL22 = ['L3']"),
    ("denied-imports", "[tool.truthlint.denied-imports]\nL2 = [1]"),
    ("owners", "[tool.truthlint.owners]\nItem = 'not a module!'"),
    ("session-names", "[tool.truthlint]\nsession-names = ['ok', 3]"),
    ("layer-preset", "[tool.truthlint]\nlayer-preset = ['seed']"),
]


@pytest.mark.slow  # the CLI and flake8 in subprocesses, once per setting
@pytest.mark.parametrize("key", sorted(BAD_VALUES))
def test_every_setting_rejects_a_wrong_type(tmp_path, key):
    root = tree(tmp_path, {"x.py": GOOD})
    (root / "pyproject.toml").write_text(f"[tool.truthlint]\n{key} = 12345\n")
    for result in (truthlint("check", ".", cwd=root), run_flake8(".", cwd=root)):
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert str(root / "pyproject.toml") in result.stderr and f"key '{key}" in result.stderr


@pytest.mark.slow  # the CLI in a subprocess, once per case
@pytest.mark.parametrize("key, table", BAD_INNER)
def test_bad_values_inside_settings(tmp_path, key, table):
    root = tree(tmp_path, {"x.py": GOOD})
    (root / "pyproject.toml").write_text(table + "\n")
    result = truthlint("check", ".", cwd=root)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert f"key '{key}" in result.stderr


@pytest.mark.slow  # five CLI and flake8 subprocesses, two of them parallel
def test_never_imports_or_runs_the_checked_code(tmp_path):
    marker = tmp_path / "MARKER"
    boom = textwrap.dedent(f"""\
        import os
        import socket
        import subprocess
        open({str(marker)!r}, "w").write("imported: " + __name__)
        socket.create_connection(("127.0.0.1", 9))
        subprocess.run(["touch", {str(marker) + "-proc"!r}])
        os.system("touch {marker}-system")
    """)
    root = tree(tmp_path, {
        "app/__init__.py": boom, "app/api/__init__.py": boom, "app/api/routes.py": boom,
        "app/worker/__init__.py": "from . import native_ext\n" + boom,
        "app/worker/native_ext.cpython-311-x86_64-linux-gnu.so": b"\x7fELF not really",
        "app/worker/native_ext.pyd": b"MZ not really",
        "conftest.py": boom, "setup.py": boom, "app/__main__.py": boom,
        # F22: modules named like what truthlint imports, where ``python -m`` looks first
        "tomllib.py": boom, "tomli.py": boom, "json.py": boom, "tempfile.py": boom,
        "fcntl.py": boom,
    })
    (root / "pyproject.toml").write_text("[tool.truthlint]\n")  # (so tomllib is needed)
    script = str(Path(sys.executable).with_name("truthlint"))
    runs = [truthlint("check", ".", cwd=root), truthlint("map", ".", cwd=root),
            truthlint("check", "-j", "2", ".", cwd=root),
            subprocess.run([script, "check", "--no-progress", "."], cwd=str(root),
                           capture_output=True, text=True, timeout=300),
            run_flake8(".", cwd=root), run_flake8("-j", "2", ".", cwd=root)]
    assert all(r.returncode in (0, 1) for r in runs), [r.stderr for r in runs]
    assert "TBV001" in runs[0].stdout  # it did look at the code
    assert list(tmp_path.glob("MARKER*")) == []
