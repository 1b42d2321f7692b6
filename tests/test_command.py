"""The command for real teams: fixes, suppression, exit statuses and the summary, through the
installed ``truthlint`` and ``flake8`` scripts, on trees written here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import REPO, run_flake8, run_truthlint, write_tree

FILES = {
    "pyproject.toml": "[tool.truthlint]\n",
    "app/__init__.py": "",
    "app/runtime/replay.py": '"""Replays a run."""\n\n\ndef replay(run_id):\n    return run_id\n',
    "app/runtime/catalogue.py": "FAILURES = {}\n",
    "app/jobs/nightly.py": "def run():\n    return 1\n",
    "app/boot.py": "import os\n\ninit_db()\nvalue = 1\n",
}


def tree(root: Path, files=FILES) -> Path:
    return write_tree(root, files)


def check(root: Path, *args: str) -> subprocess.CompletedProcess:
    return run_truthlint(root, "check", "--no-progress", *args)


def codes(stdout: str):
    return [(line.split(":")[0], int(line.split(":")[1]), line.split()[1])
            for line in stdout.splitlines()]


@pytest.mark.slow
def test_fix_creates_each_missing_init_once_and_the_recheck_is_clean(tmp_path):
    root = tree(tmp_path)
    before = check(root)
    assert [c for c in codes(before.stdout) if c[2] == "STI006"] == [
        ("app/jobs/nightly.py", 1, "STI006"), ("app/runtime/catalogue.py", 1, "STI006"),
        ("app/runtime/replay.py", 1, "STI006")]
    assert before.stderr.splitlines()[-1] == (
        "truthlint: 4 findings in 4 of 5 files; 3 fixable with --fix")
    fixed = check(root, "--fix")
    assert "truthlint: fixed 3 findings: created app/jobs/__init__.py, app/runtime/__init__.py" \
        in fixed.stderr
    assert (root / "app/jobs/__init__.py").read_text() == ""
    assert codes(fixed.stdout) == [("app/boot.py", 3, "TBV001")]  # what is left, re-checked
    again = check(root, "--fix")  # idempotent
    assert "created" not in again.stderr and again.stdout == fixed.stdout


@pytest.mark.slow
def test_add_noqa_silences_every_finding_in_place_and_only_once(tmp_path):
    boot_py = 'import os\n\ninit_db()  # noqa: E501\nvalue = """a\nb"""\ninit_db(\n    value)\n'
    files = dict(FILES, **{"app/boot.py": boot_py})
    root = tree(tmp_path, files)
    before = check(root)
    assert len(before.stdout.splitlines()) == 5
    added = check(root, "--add-noqa")
    assert "truthlint: added 5 noqa comments to 4 files" in added.stderr
    assert added.stdout == "" and added.returncode == 0
    boot = (root / "app/boot.py").read_text()
    assert "init_db()  # noqa: E501, TBV001\n" in boot
    assert "init_db(  # noqa: TBV001\n    value)\n" in boot
    assert (root / "app/runtime/replay.py").read_text().startswith(
        '"""Replays a run."""  # noqa: STI006\n')
    assert check(root).returncode == 0
    flake8 = run_flake8("--select", "STI,TBV,SOI", ".", cwd=root)
    assert flake8.stdout == ""  # flake8 reads the comments the same way
    again = check(root, "--add-noqa")
    assert "added 0 noqa comments to 0 files" in again.stderr
    assert (root / "app/boot.py").read_text() == boot


@pytest.mark.slow
def test_a_file_level_noqa_silences_its_codes_in_both_entry_points(tmp_path):
    files = dict(FILES, **{"app/boot.py": "# truthlint: noqa: TBV001\nimport os\n\ninit_db()\n",
                           "app/setup_db.py": "# truthlint: noqa\ninit_db()\n",
                           "app/other.py": "# truthlint: noqa: STI006\ninit_db()\n"})
    root = tree(tmp_path, files)
    found = {c for c in codes(check(root).stdout) if c[0].startswith("app/") and "/" not in c[0][4:]}
    assert found == {("app/other.py", 2, "TBV001")}
    plugin = run_flake8("--select", "TBV", "app/boot.py", "app/setup_db.py", "app/other.py",
                        cwd=root)
    assert [tuple(line.split()[:2]) for line in plugin.stdout.splitlines()] == [
        ("app/other.py:2:1:", "TBV001")]


@pytest.mark.slow
def test_exit_statuses(tmp_path):
    root = tree(tmp_path)
    assert check(root).returncode == 1
    assert check(root, "--exit-zero").returncode == 0
    force = check(root, "--force")
    assert force.returncode == 2 and "--force works only with --update-baseline" in force.stderr
    (root / "pyproject.toml").write_text("[tool.truthlint]\nroots = 3\n")
    bad = check(root, "--exit-zero")  # a configuration error is never hidden
    assert bad.returncode == 2 and "key 'roots'" in bad.stderr


@pytest.mark.slow
def test_the_summary_counts_what_the_baseline_grandfathers(tmp_path):
    root = tree(tmp_path)
    assert check(root, "--write-baseline", "bl.json").returncode == 0
    (root / "app/late.py").write_text("init_db()\n")
    result = check(root, "--baseline", "bl.json")
    assert result.stderr.splitlines()[-1] == (
        "truthlint: 1 finding in 1 of 6 files; 4 grandfathered by the baseline")


def test_progress_says_what_it_counts(capsys):
    from truthlint.run.pipeline import Bar

    bar = Bar(10)
    bar.advance(3)
    bar.stage("indexing modules", 4, done=1)
    shown = capsys.readouterr().err.split("\r")
    assert shown[1] == "truthlint: checking files [..............................] 0/10"
    assert shown[2] == "truthlint: checking files [#########.....................] 3/10"
    assert shown[3] == "truthlint: indexing modules [#######.......................] 1/4"


def test_the_examples_fix_is_what_the_readme_says(tmp_path):
    """--fix on a copy of examples/ creates the two __init__.py files its STI006 rows name."""
    copy = tmp_path / "examples"
    shutil.copytree(REPO / "examples", copy, ignore=shutil.ignore_patterns(".truthlint_cache"))
    from truthlint.run.fixes import create_inits, missing_inits
    from truthlint.run.filecheck import Located
    from truthlint.core.context import Finding

    rows = [line for line in (REPO / "examples/expected.txt").read_text().splitlines()
            if " STI006 " in line]
    items = [Located(str(copy.parent / line.split(":")[0]), Finding(1, 0, "STI006",
                     line.split(" STI006 ", 1)[1]), "") for line in rows]
    created = create_inits(missing_inits(items))
    assert [os.path.relpath(p, tmp_path) for p in created] == [
        os.path.join("examples", "app", "runtime", "__init__.py"),
        os.path.join("examples", "app", "workers", "__init__.py")]
    assert create_inits(missing_inits(items)) == []


CONFIGURED = {
    "pyproject.toml": textwrap.dedent("""\
        [tool.truthlint]
        exclude = ["app/vendored"]
        extend-exclude = ["*_pb2.py"]

        [tool.truthlint.per-file-ignores]
        "app/scripts/*" = ["TBV001"]
        """),
    "setup.cfg": textwrap.dedent("""\
        [flake8]
        extend-exclude = app/legacy
        per-file-ignores =
            app/boot.py:TBV001
            app/runtime/*:STI006
        extend-ignore = E501, TBV004
        select = E, F, W
        """),
    "app/__init__.py": "",
    "app/boot.py": "init_db()\n",
    "app/main.py": "init_db()\nfrom app import cycle_a\n",
    "app/cycle_a.py": "from app import main\n",
    "app/runtime/replay.py": "init_db()\n",
    "app/scripts/__init__.py": "",
    "app/scripts/seed.py": "init_db()\n",
    "app/vendored/__init__.py": "",
    "app/vendored/lib.py": "init_db()\n",
    "app/legacy/__init__.py": "",
    "app/legacy/old.py": "init_db()\n",
    "app/api_pb2.py": "init_db()\n",
}


@pytest.mark.slow
def test_both_entry_points_honour_the_same_excludes_and_ignores(tmp_path):
    """[tool.truthlint] exclude / extend-exclude / per-file-ignores, and flake8's own
    extend-exclude / per-file-ignores / extend-ignore (its `select` is not taken over)."""
    root = tree(tmp_path, CONFIGURED)
    cli = check(root)
    plugin = run_flake8("--select", "STI,TBV,SOI", ".", cwd=root)
    found = sorted(codes(cli.stdout))
    assert found == sorted((p.lstrip("./"), n, c) for p, n, c in codes(plugin.stdout))
    assert found == [("app/main.py", 1, "TBV001"), ("app/runtime/replay.py", 1, "TBV001")]
    assert cli.stderr.splitlines()[-1] == "truthlint: 2 findings in 2 of 7 files"


@pytest.mark.slow
def test_the_flags_exclude_and_ignore_too(tmp_path):
    root = tree(tmp_path, CONFIGURED)
    more = check(root, "--extend-exclude", "runtime", "--per-file-ignores", "app/main.py:TBV")
    assert codes(more.stdout) == []
    instead = check(root, "--exclude", "app/boot.py")  # replaces both configured lists
    assert ("app/vendored/lib.py", 1, "TBV001") in codes(instead.stdout)
    assert ("app/legacy/old.py", 1, "TBV001") in codes(instead.stdout)
    assert not [c for c in codes(instead.stdout) if c[0] == "app/boot.py"]
    bad = check(root, "--per-file-ignores", "app/main.py")
    assert bad.returncode == 2 and "pattern:codes" in bad.stderr


@pytest.mark.slow
def test_config_prints_the_effective_settings_as_toml_with_their_sources(tmp_path):
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        tomllib = pytest.importorskip("tomli")
    root = tree(tmp_path, CONFIGURED)
    result = run_truthlint(root, "config", "app")
    assert result.returncode == 0, result.stderr
    table = tomllib.loads(result.stdout)["tool"]["truthlint"]
    assert table["exclude"] == ["app/vendored"] and table["extend-exclude"] == ["*_pb2.py"]
    assert table["per-file-ignores"] == {"app/scripts/*": ["TBV001"]}
    assert table["session-names"] == ["session", "db", "db_session"]
    lines = result.stdout.splitlines()
    assert 'exclude = ["app/vendored"]  # pyproject.toml exclude' in lines
    assert 'session-names = ["session", "db", "db_session"]  # default' in lines
    assert "#   ignore (truthlint codes): TBV004" in lines


@pytest.mark.slow
def test_show_source_and_colour(tmp_path):
    files = dict(FILES, **{"app/boot.py": "import os\n\nif os.environ:\n    init_db()\n"})
    root = tree(tmp_path, files)
    shown = check(root, "--show-source", "app/boot.py")
    assert shown.stdout.splitlines()[1:] == ["    init_db()", "    ^"]
    plain = check(root, "app/boot.py")
    assert "\033[" not in plain.stdout  # auto: not a terminal
    coloured = check(root, "--color", "always", "app/boot.py")
    assert coloured.stdout.startswith("\033[1mapp/boot.py:4:5:\033[0m \033[1m\033[31mTBV001\033[0m ")
    never = run_truthlint(root, "check", "--color", "never", "app/boot.py", env={"NO_COLOR": "1"})
    assert never.stdout == plain.stdout


def test_colour_auto_honours_no_color(monkeypatch):
    from truthlint.adapters.cli import _colour

    class Terminal:
        @staticmethod
        def isatty():
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert _colour("auto", None) is True
    assert _colour("auto", "out.txt") is False  # a file is no terminal
    monkeypatch.setenv("NO_COLOR", "1")
    assert _colour("auto", None) is False and _colour("always", None) is True


def _readme_hook_rev() -> str:
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("### pre-commit", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    return re.search(r"rev: (\S+)", block).group(1)


@pytest.mark.skipif(not (REPO / ".git").exists(), reason="a checkout with its history")
def test_the_readme_hook_rev_is_a_commit_of_this_repository_with_these_hooks():
    rev = _readme_hook_rev()
    manifest = subprocess.run(["git", "show", f"{rev}:.pre-commit-hooks.yaml"], cwd=str(REPO),
                              capture_output=True, text=True)
    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=str(REPO),
                             capture_output=True, text=True).stdout.strip() == "true"
    if manifest.returncode != 0 and shallow:
        pytest.skip("a shallow checkout does not hold the commit")
    assert manifest.returncode == 0, manifest.stderr
    assert "- id: truthlint\n" in manifest.stdout and "- id: truthlint-baseline\n" in manifest.stdout


@pytest.mark.slow  # a virtualenv and an install
def test_the_hook_installs_from_the_repository_as_pre_commit_does_and_runs(tmp_path):
    """pre-commit clones the hook repository, makes a virtualenv and ``pip install .`` into
    it, then runs the manifest's entry with the staged files. The same, offline: the clone is
    a copy of this checkout, and the dependencies come from the environment running the
    tests (``--system-site-packages``, ``--no-index``)."""
    import re
    import venv

    source = tmp_path / "hook-repo"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".ci", "*.egg-info", ".truthlint_cache", "__pycache__", "build"))
    env_dir = tmp_path / "hook-env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                          "['purelib'])"], capture_output=True, text=True, check=True).stdout
    # what pre-commit would download, from here: pip, setuptools, flake8 (after its own)
    (Path(own.strip()) / "offline-dependencies.pth").write_text("\n".join(
        p for p in sys.path if p.endswith("site-packages")) + "\n")
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-index",
                              "--no-deps", "--no-build-isolation", str(source)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    manifest = (source / ".pre-commit-hooks.yaml").read_text()
    entry = re.search(r"- id: truthlint\n(?:  .*\n)*?  entry: (.+)\n", manifest).group(1)
    sample = tree(tmp_path / "sample")
    subprocess.run(["git", "init", "-q"], cwd=sample, check=True)
    subprocess.run(["git", "add", "app/boot.py", "app/runtime/replay.py"], cwd=sample, check=True)
    staged = subprocess.run(["git", "diff", "--cached", "--name-only"], cwd=sample,
                            capture_output=True, text=True, check=True).stdout.split()
    command = entry.split()
    script = python.with_name(command[0])
    result = subprocess.run([str(script), *command[1:], *staged], cwd=str(sample),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert sorted(codes(result.stdout)) == [("app/boot.py", 3, "TBV001"),
                                            ("app/runtime/replay.py", 1, "STI006")]
    where = subprocess.run([str(python), "-c", "import truthlint; print(truthlint.__file__)"],
                           capture_output=True, text=True, cwd=str(tmp_path)).stdout
    assert str(env_dir) in where  # the hook's own install, not the checkout under test


@pytest.mark.slow
def test_verbose_prints_the_evidence_that_the_short_message_leaves_out(tmp_path):
    files = dict(FILES, **{
        "app/boot.py": "from app.loader import load\n\nFLAGS = load()\n",
        "app/loader.py": ("from app.reader import read\n\n\ndef load():\n    return read()\n"),
        "app/reader.py": "def read():\n    with open('/etc/flags') as f:\n        return f.read()\n",
        "app/broken.py": "def broken(:\n    pass\n",
    })
    root = tree(tmp_path, files)
    paths = ("app/boot.py", "app/broken.py", "app/jobs/nightly.py")
    short = check(root, "--select", "TBV001,STI006", *paths)
    lines = short.stdout.splitlines()
    assert lines[0] == ("app/boot.py:3:9: TBV001 `load()` → … `open()` reads a file at import "
                        "time — move it into a function called from the app's lifespan/startup "
                        "handler (or a lazy getter)")
    verbose = check(root, "--select", "TBV001,STI006", "--verbose", "--show-source", *paths)
    assert verbose.stdout.splitlines() == [
        lines[0],
        "    evidence: the chain: `load()` → app/loader.py:5 `read()` → app/reader.py:2 `open()`",
        "FLAGS = load()",
        "        ^",
        "app/broken.py:1:12: E999 SyntaxError: invalid syntax",
        lines[2],
        "    evidence: under the package root app",
        "def run():",
        "^",
    ]
    assert lines[2].startswith("app/jobs/nightly.py:1:1: STI006 app/jobs has no __init__.py, ")
    # flake8 prints the same short message (its first line is flake8's own format)
    flake8 = run_flake8("--select", "TBV001", "app/boot.py", cwd=root)
    assert flake8.stdout.splitlines() == [lines[0]]


def test_a_reader_that_leaves_early_gets_no_traceback():
    """`truthlint explain TBV003 | head -1`: the pipe closes before the page is written."""
    from .conftest import installed

    read, write = os.pipe()
    os.close(read)  # the reader has gone before truthlint writes a byte
    try:
        done = subprocess.run([*installed("truthlint"), "explain", "TBV003"], stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)
    assert "Traceback" not in done.stderr and done.returncode == 2


@pytest.mark.slow
def test_map_leaves_out_the_test_and_script_roots_unless_asked(tmp_path):
    root = write_tree(tmp_path, {
        "pyproject.toml": "[tool.truthlint]\n",
        "app/__init__.py": "", "app/a.py": "X = 1\n",
        "tests/__init__.py": "", "tests/test_a.py": "def test_x():\n    assert True\n",
        "scripts/__init__.py": "", "scripts/seed.py": "print(1)\n",
    })

    def titles(*args: str):
        done = run_truthlint(root, "map", *args)
        assert done.returncode == 0, done.stderr
        return [line for line in done.stdout.splitlines() if line.startswith("# ")]

    assert titles(".") == ["# Structural Truth Map — app"]
    assert titles("--all-roots", ".") == ["# Structural Truth Map — app",
                                          "# Structural Truth Map — scripts",
                                          "# Structural Truth Map — tests"]
    assert titles("tests") == ["# Structural Truth Map — tests"]  # named, so mapped
