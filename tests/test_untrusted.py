"""Untrusted trees: what a pull request, a fresh clone or a CI checkout can hold does not hang
truthlint, exhaust its memory, make it write outside the project or read outside it.

``mk`` builds the reproducers' tree: a project whose seven findings every case must still
report (or, where a case is about one file, that file's).
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from .conftest import installed

ITEMS = """\
    from app.services import svc


    def create(session):
        session.add(1)
        session.commit()
    """


def mk(root: Path) -> Path:
    """The issue's tree: a cycle api <-> services, a write and a commit, ``init_db()``."""
    files = {
        "pyproject.toml": "[tool.truthlint]\n",
        "app/__init__.py": "", "app/api/__init__.py": "", "app/services/__init__.py": "",
        "app/models/__init__.py": "",
        "app/api/items.py": textwrap.dedent(ITEMS),
        "app/services/svc.py": "from app.api import items\n",
        "app/models/m.py": "init_db()\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def entry_point(name: str) -> str:
    return installed(name)[0]  # (see conftest.installed)


def run(args, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(args, cwd=str(cwd), capture_output=True, text=True, env=env,
                          timeout=timeout)


def check(cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return run([entry_point("truthlint"), "check", "--no-progress", *args], cwd, timeout)


def flake8(cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return run([entry_point("flake8"), *args], cwd, timeout)


def codes(stdout: str):
    return sorted((line.split(":")[0], line.split()[1]) for line in stdout.splitlines()
                  if line[:1] not in ("", " ") and ":" in line)


@pytest.mark.slow  # CLI and flake8 subprocesses
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_named_like_a_module_is_skipped_not_waited_on(tmp_path):
    """F11: ``mkfifo app/api/fifo.py`` hung both entry points (nothing ever writes to it)."""
    root = mk(tmp_path)
    clean = codes(check(root).stdout)
    os.mkfifo(root / "app/api/fifo.py")
    result = check(root)
    assert codes(result.stdout) == clean
    assert result.stderr.count("fifo.py") == 1 and "not a regular file" in result.stderr
    plugin = flake8(root, "--select", "TBV", "app/models/m.py")
    assert codes(plugin.stdout) == [("app/models/m.py", "TBV001")]


@pytest.mark.slow
def test_a_link_to_a_device_is_not_read(tmp_path):
    """F12: ``ln -s /dev/zero app/api/zero.py`` read forever and exhausted memory."""
    root = mk(tmp_path)
    clean = codes(check(root).stdout)
    os.symlink("/dev/zero", root / "app/api/zero.py")
    result = check(root, timeout=120)
    assert codes(result.stdout) == clean  # (a link out of the project is not even listed)
    plugin = flake8(root, "--select", "TBV", "app/models/m.py", timeout=120)
    assert codes(plugin.stdout) == [("app/models/m.py", "TBV001")]


@pytest.mark.slow
@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_baseline_that_is_not_a_file_stops_with_one_error(tmp_path, target):
    """F13: ``truthlint-baseline = /dev/zero`` (or a FIFO) in setup.cfg exhausted memory."""
    root = mk(tmp_path)
    if target == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("POSIX FIFOs")
        os.mkfifo(root / "bl.json")
        target = "bl.json"
    (root / "setup.cfg").write_text(f"[flake8]\ntruthlint-baseline = {target}\n")
    result = flake8(root, "--select", "TBV", "app/models/m.py")
    assert result.returncode == 2
    assert "not a regular file" in result.stderr and "baseline" in result.stderr
    cli = check(root, "--baseline", target)
    assert cli.returncode == 2 and "not a regular file" in cli.stderr


@pytest.mark.slow
def test_file_links_out_of_the_project_are_left_out(tmp_path):
    """F23: a file symlink whose real path lies outside the project was read and reported
    (directory symlinks already were not followed); one inside the project still counts."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leak.py").write_text("init_db()\n")
    root = mk(tmp_path / "project")
    clean = codes(check(root).stdout)
    os.symlink(outside / "leak.py", root / "app/api/leak.py")
    assert codes(check(root).stdout) == clean
    os.symlink(root / "app/models/m.py", root / "app/api/alias.py")
    assert ("app/api/alias.py", "TBV001") in codes(check(root).stdout)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
def test_no_write_goes_through_a_planted_link(tmp_path):
    """F3: ``<baseline>.tmp`` was opened through a planted link and overwrote its target;
    F4: the results cache's ``….<pid>.tmp`` likewise; F5: a dangling
    ``.truthlint_cache/.gitignore`` link created its target."""
    root = mk(tmp_path / "project")
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    os.symlink(victim, root / "truthlint-baseline.json.tmp")
    cache = root / ".truthlint_cache"
    cache.mkdir()
    os.symlink(tmp_path / "created-by-truthlint", cache / ".gitignore")
    assert check(root, "--write-baseline", "truthlint-baseline.json").returncode == 0
    assert check(root).returncode == 1  # (writes the results cache)
    assert victim.read_text() == "precious\n"
    assert not (tmp_path / "created-by-truthlint").exists()
    assert (root / "truthlint-baseline.json").is_file()
    assert not list(root.glob(".truthlint-*.tmp")) and not list(cache.glob(".truthlint-*.tmp"))


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
def test_the_results_cache_writes_through_no_predictable_name(tmp_path, monkeypatch):
    """F4: the results cache wrote ``results-<h>.json.<pid>.tmp``, a name a tree can plant a
    link at (the pid is guessable); in process, so the pid is known."""
    from truthlint.engine.check import Engine
    from truthlint.run.results import ResultsCache

    root = mk(tmp_path / "project")
    monkeypatch.chdir(root)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    cache = ResultsCache(Engine(), [str(root / "app/models/m.py")])
    os.makedirs(os.path.dirname(cache.path))
    os.symlink(victim, f"{cache.path}.{os.getpid()}.tmp")
    cache.begin()
    cache.save([], [])
    assert victim.read_text() == "precious\n" and os.path.isfile(cache.path)


@pytest.mark.slow
@pytest.mark.parametrize("setting", ['"/tmp/truthlint-elsewhere"', '"../outside"', "link"])
def test_a_tree_cannot_choose_where_truthlint_writes(tmp_path, setting):
    """F6: ``cache-dir = "/abs/path"`` or ``"../outside"`` in a repository's own
    pyproject.toml, or a symlinked ``.truthlint_cache``, made truthlint write outside it."""
    root = mk(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if setting == "link":  # the default place, a link planted there
        os.symlink(elsewhere, root / ".truthlint_cache")
    else:
        (root / "pyproject.toml").write_text(f"[tool.truthlint]\ncache-dir = {setting}\n")
    result = check(root)
    assert result.returncode == 2, result.stderr
    assert "cache-dir" in result.stderr and "pyproject.toml" in result.stderr
    assert "TRUTHLINT_CACHE_DIR" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    plugin = flake8(root, "--select", "TBV", "app/models/m.py")
    assert plugin.returncode == 2 and "cache-dir" in plugin.stderr
    assert list(elsewhere.iterdir()) == []


@pytest.mark.slow
def test_the_user_chooses_the_cache_directory_in_the_environment(tmp_path):
    root = mk(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"
    env = dict(os.environ, TRUTHLINT_CACHE_DIR=str(elsewhere), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run([entry_point("truthlint"), "check", "--no-progress"], cwd=str(root),
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1 and list(elsewhere.glob("index-*.json"))
    assert not (root / ".truthlint_cache").exists()


@pytest.mark.slow
def test_a_baseline_or_output_that_cannot_be_written_is_one_error(tmp_path):
    """On a read-only directory (or a full disk) writing the baseline or ``--output-file``
    ended in a traceback with exit 1, which CI reads as "findings", and left temp files."""
    root = mk(tmp_path / "project")
    missing = root / "no" / "such" / "dir"  # (a read-only directory, for a test run as root)
    for args in (["--write-baseline", str(missing / "bl.json")],
                 ["--output-file", str(missing / "out.txt")]):
        result = check(root, *args)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and "cannot write" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_a_console_that_cannot_encode_the_messages(tmp_path):
    """With a cp1252 stdout the `→` of a cycle message crashed the run with exit 1."""
    root = mk(tmp_path / "project")
    env = dict(os.environ, PYTHONIOENCODING="cp1252", PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run([entry_point("truthlint"), "check", "--no-progress"], cwd=str(root),
                            capture_output=True, env=env, timeout=60)
    assert result.returncode == 1 and b"Traceback" not in result.stderr
    assert b"app.api.items ? app.services.svc ? app.api.items" in result.stdout


ADVERSARIAL = {
    # F14: STI013's pre-scan retried ``\w*`` from every "Memory" (29 s on this input)
    "fallback": 'X = "' + "Memory" * 50_000 + '"\n',
    # F15: SOI003's instance-name regex backtracked on a run of underscores (minutes here)
    "instance": '"""one instance"""\nclass A:\n    def f(cls):\n        cls.' + "_" * 30_000
                + "x = 1\n",
    # STI014's class-name splitter on a long all-caps name (minutes here)
    "class name": "class " + "A" * 30_000 + "_x:\n    pass\n",
}


@pytest.mark.parametrize("case", sorted(ADVERSARIAL))
def test_no_rule_is_worse_than_linear_in_its_input(tmp_path, case):
    """Inputs sized so that a quadratic form takes tens of seconds to minutes and a linear
    one milliseconds; the bound (2 s of CPU, every rule on) is generous for the linear one."""
    import time

    from truthlint.engine.check import Engine
    from truthlint.rules.registry import RULES

    root = mk(tmp_path)
    path = root / "app" / "adversarial.py"
    path.write_text(ADVERSARIAL[case])
    engine = Engine(codes=RULES)
    start = time.process_time()
    engine.check_source(ADVERSARIAL[case], str(path))
    assert time.process_time() - start < 2.0


@pytest.mark.slow  # a 2,000-module project, checked once
def test_a_huge_import_cycle_keeps_output_and_cache_linear(tmp_path):
    """F16: each finding of a 10,000-module cycle spelled out the whole cycle (1.39 GB of
    output, a 1.69 GB results cache, 7 GB of memory)."""
    size = 2_000
    root = tmp_path
    (root / "pyproject.toml").write_text("[tool.truthlint]\n")
    (root / "ring").mkdir()
    (root / "ring" / "__init__.py").write_text("")
    for n in range(size):
        (root / "ring" / f"m{n:04d}.py").write_text(f"from ring import m{(n + 1) % size:04d}\n")
    result = check(root, timeout=600)
    lines = result.stdout.splitlines()
    assert len(lines) == size and all(" TBV004 " in line for line in lines)
    assert max(len(line) for line in lines) < 400
    assert "(2,000 modules)" in lines[0]
    cache = sum(p.stat().st_size for p in (root / ".truthlint_cache").rglob("*") if p.is_file())
    assert cache < 5_000 * size  # every cache together: a few kilobytes a module (it was 40 MB)


@pytest.mark.slow
def test_a_file_name_that_is_not_utf8(tmp_path):
    """F17: one such name crashed every run, even one checking another file
    (UnicodeEncodeError in the results cache and the index digests)."""
    root = mk(tmp_path)
    try:
        with open(os.fsencode(root / "app" / "api") + b"/bad\xff\xfe.py", "w") as fh:
            fh.write("init_db()\n")
    except (OSError, UnicodeError):
        pytest.skip("this file system takes UTF-8 names only")
    result = check(root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ("app/models/m.py", "TBV001") in codes(result.stdout)
    assert any(path.startswith("app/api/bad") for path, _ in codes(result.stdout))
    for form in ("json", "sarif", "github"):
        out = check(root, "--format", form)
        assert out.returncode == 1 and "Traceback" not in out.stderr, form
    assert check(root, "--write-baseline", "bl.json").returncode == 0
    assert check(root, "--baseline", "bl.json").returncode == 0
    plugin = flake8(root, "--select", "TBV", "app/models/m.py")
    assert codes(plugin.stdout) == [("app/models/m.py", "TBV001")]


def _forge(cache: Path) -> int:
    """Empty every finding a cache holds, as a pull request's committed cache could."""
    import json

    forged = 0
    for path in cache.rglob("*.json"):
        if path.name.startswith("index-"):
            continue
        lines = path.read_text().splitlines()
        if path.name == "bundle.json":  # a header line with offsets, then entries: drop it
            path.unlink()
            continue
        data = json.loads(lines[0])
        for field in ("findings", "located"):
            if field in data:
                data[field] = []
                forged += 1
        path.write_text(json.dumps(data))
    return forged


@pytest.mark.slow
def test_a_cache_someone_else_wrote_is_never_read(tmp_path):
    """F7: the caches' digests were unkeyed, so a ``.truthlint_cache/`` committed in a pull
    request hid (or injected) findings on a fresh CI checkout. Every cache key now derives
    from a secret of the user (or of CI, in TRUTHLINT_CACHE_KEY)."""
    root = mk(tmp_path)

    def run_as(key: str) -> subprocess.CompletedProcess:
        env = dict(os.environ, TRUTHLINT_CACHE_KEY=key, PYTHONDONTWRITEBYTECODE="1")
        return subprocess.run([entry_point("truthlint"), "check", "--no-progress"],
                              cwd=str(root), capture_output=True, text=True, env=env, timeout=60)

    truth = run_as("author")
    assert truth.returncode == 1 and ("app/models/m.py", "TBV001") in codes(truth.stdout)
    assert _forge(root / ".truthlint_cache") > 0
    assert run_as("author").returncode == 0  # (control: the author's own runs trust it)
    again = run_as("ci-secret")
    assert again.returncode == 1 and codes(again.stdout) == codes(truth.stdout)


def test_the_cache_key_is_kept_for_the_user_alone(tmp_path, monkeypatch):
    from truthlint.core.digest import cache_key

    monkeypatch.delenv("TRUTHLINT_CACHE_KEY", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = cache_key()
    key_file = tmp_path / "truthlint" / "key"
    assert key_file.stat().st_mode & 0o777 == 0o600 and len(first) == 32
    assert cache_key() == first  # the same for every later run
    monkeypatch.setenv("TRUTHLINT_CACHE_KEY", "given by CI")
    assert cache_key() != first


@pytest.mark.slow
def test_a_same_size_edit_that_keeps_the_time_is_seen(tmp_path):
    """F9, the "racy git" problem: an edit of the same size whose file keeps its time (an
    edit in the same clock tick as the last run, or a tool that restores times) gave stale
    findings. A file not older than the cache is compared by content."""
    root = mk(tmp_path)
    target = root / "app/models/m.py"
    assert ("app/models/m.py", "TBV001") in codes(check(root).stdout)
    before = target.stat()
    target.write_text("x = 12345\n")  # the same ten bytes long
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert target.stat().st_size == before.st_size
    assert ("app/models/m.py", "TBV001") not in codes(check(root).stdout)


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_a_data_file_mode_change_is_seen(tmp_path):
    """F10: changing a data file's mode did not invalidate STI012's cached result."""
    root = mk(tmp_path)
    data = root / "app/models/catalogue.json"
    data.write_text("{}\n")
    os.chmod(data, 0o644)
    assert not [c for c in codes(check(root).stdout) if c[1] == "STI012"]
    os.chmod(data, 0o600)
    assert ("app/models/__init__.py", "STI012") in codes(check(root).stdout)


def _entries(path: Path):
    import json

    return json.loads(path.read_text())["entries"]


def _update_keeps(root: Path, recorded, *args: str) -> None:
    """``--update-baseline`` (with ``args``) calls nothing fixed and leaves the file as it was."""
    result = check(root, "--baseline", "bl.json", "--update-baseline", *args)
    assert "0 baseline entries are fixed" in result.stderr, result.stderr
    assert _entries(root / "bl.json") == recorded


@pytest.mark.slow
def test_a_run_from_another_directory_keeps_the_debt(tmp_path):
    """F1: the results cache replayed paths relative to the first run's working directory,
    so a run from app/ called every entry fixed and emptied the baseline."""
    root = mk(tmp_path)
    assert check(root, "--write-baseline", "bl.json").returncode == 0
    recorded = _entries(root / "bl.json")
    assert check(root).returncode == 1  # (fills the results cache)
    inside = check(root / "app", "--baseline", "../bl.json", "--update-baseline", "..")
    assert inside.returncode == 0, inside.stdout
    assert "0 baseline entries are fixed" in inside.stderr
    assert _entries(root / "bl.json") == recorded
    assert check(root, "--baseline", "bl.json").returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize("how", ["subset", "select", "syntax error"])
def test_update_baseline_drops_only_what_it_looked_at(tmp_path, how):
    """F2: --update-baseline deleted entries of files it did not check, of codes it did not
    select, and of a file that no longer parsed; a subset run advised removing them."""
    root = mk(tmp_path)
    assert check(root, "--write-baseline", "bl.json").returncode == 0
    recorded = _entries(root / "bl.json")
    assert {e["path"] for e in recorded} >= {"app/models/m.py", "app/api/items.py"}
    args = {"subset": ["app/models/m.py"], "select": ["--select", "TBV001"],
            "syntax error": []}[how]
    if how == "syntax error":
        (root / "app/api/items.py").write_text("from app.services import svc\ndef (:\n")
    _update_keeps(root, recorded, *args)


@pytest.mark.slow
def test_update_baseline_still_drops_what_was_fixed(tmp_path):
    root = mk(tmp_path)
    assert check(root, "--write-baseline", "bl.json").returncode == 0
    (root / "app/models/m.py").write_text("x = 1\n")
    result = check(root, "--baseline", "bl.json", "--update-baseline", "app/models/m.py")
    assert "1 baseline entries are fixed" in result.stderr
    assert "app/models/m.py" not in {e["path"] for e in _entries(root / "bl.json")}


@pytest.mark.slow
def test_a_new_dead_module_is_new_debt_not_hidden_by_the_old_one(tmp_path):
    """F19: with a.py grandfathered under STI004, a new dead b_new_dead.py landed on the same
    recorded line (the package's __init__.py) and passed with exit 0."""
    root = mk(tmp_path)
    (root / "app/api/__init__.py").write_text('"""The routes."""\n')
    (root / "app/api/a.py").write_text("x = 1\n")
    assert check(root, "--select", "STI004", "--write-baseline", "bl.json").returncode == 0
    assert check(root, "--select", "STI004", "--baseline", "bl.json").returncode == 0
    (root / "app/api/b_new_dead.py").write_text("y = 2\n")
    result = check(root, "--select", "STI004", "--baseline", "bl.json")
    assert result.returncode == 1 and "b_new_dead.py" in result.stdout


@pytest.mark.slow
def test_a_copy_above_a_grandfathered_line_is_the_new_one(tmp_path):
    """F20: duplicating a violating line above the old one reported the old line as new."""
    root = mk(tmp_path)
    model = root / "app/models/m.py"
    model.write_text("import os\n\n\n\ninit_db()\n")
    assert check(root, "--write-baseline", "bl.json").returncode == 0
    model.write_text("init_db()\nimport os\n\n\n\ninit_db()\n")
    result = check(root, "--baseline", "bl.json")
    assert result.returncode == 1
    assert [line.split(":")[:2] for line in result.stdout.splitlines()] == [["app/models/m.py", "1"]]


@pytest.mark.slow
def test_a_baseline_of_the_old_format_is_a_clear_error(tmp_path):
    root = mk(tmp_path)
    (root / "bl.json").write_text('{"version": 1, "tool": "truthlint", "entries": []}\n')
    result = check(root, "--baseline", "bl.json")
    assert result.returncode == 2 and "older truthlint" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("where", ["pyproject", "setup.cfg", "flag"])
def test_update_baseline_keeps_what_per_file_ignores_hide(tmp_path, where):
    """A code a per-file ignore drops for a file is not checked there: its entries are not
    fixed (F2's rule, for per-file ignores: truthlint's, flake8's, the flag's)."""
    root = mk(tmp_path)
    assert check(root, "--write-baseline", "bl.json").returncode == 0
    recorded = _entries(root / "bl.json")
    args = []
    if where == "pyproject":
        (root / "pyproject.toml").write_text(
            '[tool.truthlint]\n[tool.truthlint.per-file-ignores]\n"app/models/m.py" = ["TBV001"]\n')
    elif where == "setup.cfg":
        (root / "setup.cfg").write_text("[flake8]\nper-file-ignores = app/models/m.py:TBV001\n")
    else:
        args = ["--per-file-ignores", "app/models/m.py:TBV001"]
    _update_keeps(root, recorded, *args)


@pytest.mark.slow
def test_update_baseline_keeps_what_flake8s_ignore_hides(tmp_path):
    root = mk(tmp_path)
    assert check(root, "--write-baseline", "bl.json").returncode == 0
    recorded = _entries(root / "bl.json")
    (root / "setup.cfg").write_text("[flake8]\nextend-ignore = E501, TBV004\n")
    _update_keeps(root, recorded)


@pytest.mark.slow
def test_a_file_that_does_not_parse_does_not_unbaseline_the_rest(tmp_path):
    """While a file does not parse no entry is fixed, but every entry still grandfathers the
    findings it matches: the other files' debt is not reported as new."""
    root = mk(tmp_path)
    assert check(root, "--write-baseline", "bl.json").returncode == 0
    recorded = len(_entries(root / "bl.json"))
    (root / "app/broken.py").write_text("def (:\n")
    result = check(root, "--baseline", "bl.json")
    assert f"{recorded} findings grandfathered" in result.stderr, result.stderr
    assert [line.split()[1] for line in result.stdout.splitlines()] == ["E999"]
