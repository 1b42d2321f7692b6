"""STI012: file modes cannot live in git, so these fixtures are made here."""

from __future__ import annotations

import os
import stat

import pytest

from truthlint.engine.check import Engine

from .conftest import run_flake8

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes only")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    for name in ("app/__init__.py", "app/schemas/__init__.py", "app/secrets/__init__.py",
                 "app/api/__init__.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text('"""Package."""\n__all__ = []\n')
    for name in ("app/schemas/models.py", "app/secrets/vault.py", "app/api/items.py"):
        (tmp_path / name).write_text("x = 1\n")
    (tmp_path / "app/schemas/catalog.json").write_text("{}")
    return tmp_path


def findings(path):
    source = path.read_text()
    return [(f.line, f.col, f.code, f.message) for f in Engine().check_source(source, str(path))]


def test_readable_tree_is_clean(project):
    for name in ("app/schemas/models.py", "app/schemas/__init__.py", "app/api/items.py"):
        assert findings(project / name) == []


def test_private_source_file(project):
    os.chmod(project / "app/secrets/vault.py", 0o600)
    assert findings(project / "app/secrets/vault.py") == [(1, 0, "STI012", (
        "app/secrets/vault.py has mode 0600, not readable by other users — a container or "
        "service running as another user cannot read it; make files 0644 and directories 0755"))]


def test_private_directory(project):
    os.chmod(project / "app/secrets", 0o700)
    try:
        assert [f[3].split(" —")[0] for f in findings(project / "app/secrets/vault.py")] == [
            "directory app/secrets has mode 0700, not readable by other users"]
    finally:
        os.chmod(project / "app/secrets", 0o755)


def test_private_data_file_is_reported_on_the_package_init(project):
    os.chmod(project / "app/schemas/catalog.json", 0o600)
    assert [f[3].split(" —")[0] for f in findings(project / "app/schemas/__init__.py")] == [
        "data file app/schemas/catalog.json has mode 0600, not readable by other users"]
    assert findings(project / "app/schemas/models.py") == []


def test_stdin_buffer_is_not_judged_by_the_file_on_disk(project):
    os.chmod(project / "app/secrets/vault.py", 0o600)
    on_disk = run_flake8("--select", "STI012", "app/secrets/vault.py", cwd=project)
    assert "STI012" in on_disk.stdout
    buffer = run_flake8("--select", "STI012", "--stdin-display-name", "app/secrets/vault.py",
                        "-", cwd=project, stdin="x = 1\n")
    assert buffer.stdout == "" and buffer.returncode == 0


def test_directories_above_the_root_are_not_judged(tmp_path):
    outer = tmp_path / "home"
    outer.mkdir()
    (outer / "proj" / "app").mkdir(parents=True)
    (outer / "proj" / "pyproject.toml").write_text("")
    (outer / "proj" / "app" / "__init__.py").write_text('"""App."""\n')
    (outer / "proj" / "app" / "x.py").write_text("x = 1\n")
    os.chmod(outer, 0o700)
    try:
        assert findings(outer / "proj" / "app" / "x.py") == []
    finally:
        os.chmod(outer, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
