"""The project index: cache behaviour, answers that follow edits, parallel runs."""

from __future__ import annotations

import json
import shutil

import pytest

from truthlint.core.config import build_config
from truthlint.project.graph import strongly_connected
from truthlint.project.index import ProjectIndex, cache_version
from truthlint.project.summaries import summarize_file
from truthlint.core.files import FileSystem

from .conftest import REPO, run_flake8


@pytest.fixture
def examples(tmp_path):
    shutil.copytree(REPO / "examples", tmp_path / "examples",
                    ignore=shutil.ignore_patterns(".truthlint_cache"))
    return tmp_path


def _index(root, cache):
    config = build_config(None, str(root.parent))
    return ProjectIndex(str(root), config, FileSystem(), str(cache), summarize_file).build()


def test_strongly_connected_components():
    graph = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": [], "e": ["e"]}
    scc = strongly_connected(graph)
    assert scc["a"] == scc["b"] == scc["c"] != scc["d"] != scc["e"]


def test_cache_is_reused_then_updated_by_content(examples):
    root = examples / "examples" / "app"
    cache = examples / "cache"
    cold = _index(root, cache)
    assert cold.stats["parsed"] == len(list(root.rglob("*.py"))) and cold.stats["cached"] == 0
    warm = _index(root, cache)
    assert warm.stats == {"parsed": 0, "cached": cold.stats["parsed"], "followed": 0, "kept": 0}
    assert dict(warm.modules.items()) == dict(cold.modules.items())
    target = root / "policy" / "quotas.py"
    target.write_text(target.read_text() + "\nfrom app.db import init_db\n")
    after = _index(root, cache)
    assert after.stats["parsed"] == 1
    assert ["app.db", ["init_db"], 11, 0, "m"] in after.modules["app.policy.quotas"]["imports"]


def test_a_touched_file_leaves_every_saved_fact_as_it_was(examples):
    """Its text read again, its summary the same: the saved facts stand, not decoded or made
    again (an editor's run right after a save of another file re-reads that one)."""
    import os
    from truthlint.core.digest import canonical
    from truthlint.project.index import CACHED_FACTS

    root = examples / "examples" / "app"
    cache = examples / "cache"
    cold = _index(root, cache)
    before = {key: canonical(getattr(cold, method)()) for key, method in CACHED_FACTS.items()}
    target = root / "policy" / "quotas.py"
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    touched = _index(root, cache)
    assert touched.stats == {"parsed": 0, "cached": cold.stats["parsed"] - 1, "followed": 0,
                             "kept": len(CACHED_FACTS)}
    assert {key: canonical(getattr(touched, method)()) for key, method in CACHED_FACTS.items()} \
        == before
    again = _index(root, cache)  # the header was saved anew: nothing is read again
    assert again.stats["cached"] == cold.stats["parsed"] and again.stats["kept"] == 0


@pytest.mark.parametrize("damage", [
    "", "{not json", '{"version": 7, "root": 3}', "[]",
    '{"version": 7, "root": "%s", "files": {"x.py": 1}}',
    '{"version": 7, "root": "%s", "files": {"app/db.py": [1, 2, "x", 9]}}',
    '{"version": 7, "root": "%s", "files": {"app/db.py": [1, 2, "x", 1]}}\n{"broken',
    "TRUNCATE",
])
def test_corrupt_or_truncated_cache_is_rebuilt_silently(examples, damage):
    root = examples / "examples" / "app"
    cache = examples / "cache"
    good = _index(root, cache)
    (cache_file,) = cache.glob("index-*.json")
    text = cache_file.read_text()
    cache_file.write_text(text[: len(text) // 2] if damage == "TRUNCATE"
                          else damage.replace("%s", str(root)))
    rebuilt = _index(root, cache)
    assert dict(rebuilt.modules.items()) == dict(good.modules.items())
    assert json.loads(cache_file.read_text().split("\n")[0])["version"] == cache_version()


def test_cache_directory_is_ignored_by_git(examples):
    run_flake8("--select", "TBV004", "examples/app/policy/engine.py", cwd=examples)
    cache = examples / "examples" / ".truthlint_cache"
    assert (cache / ".gitignore").read_text().endswith("*\n")
    assert list(cache.glob("index-*.json"))


def test_an_edit_elsewhere_creates_and_removes_a_cycle(examples):
    target = "examples/app/services/guard_write_service.py"
    other = examples / "examples" / "app" / "models" / "killswitch.py"
    before = run_flake8("--select", "TBV004", target, cwd=examples)
    assert before.stdout == ""
    original = other.read_text()
    other.write_text(original + "\nfrom app.services import guard_write_service\n")
    created = run_flake8("--select", "TBV004", target, cwd=examples)
    source = (examples / target).read_text()
    buffer = run_flake8("--select", "TBV004", "--stdin-display-name", target, "-",
                        cwd=examples, stdin=source)
    assert created.stdout == buffer.stdout == (
        f"{target}:3:1: TBV004 import of app.models closes an import cycle: "
        "app.services.guard_write_service → app.models → app.models.killswitch → "
        "app.services.guard_write_service — move what both need into a module they both "
        "import, or import it inside the function that uses it\n")
    other.write_text(original)
    removed = run_flake8("--select", "TBV004", target, cwd=examples)
    assert removed.stdout == ""


def test_unsaved_buffer_replaces_the_file_on_disk(examples):
    target = "examples/app/policy/engine.py"
    on_disk = run_flake8("--select", "TBV004", target, cwd=examples)
    assert "TBV004" in on_disk.stdout
    fixed = (examples / target).read_text().replace(
        "from app.services.item_service import ItemService",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from app.services.item_service import ItemService")
    buffer = run_flake8("--select", "TBV004", "--stdin-display-name", target, "-",
                        cwd=examples, stdin=fixed)
    assert buffer.stdout == ""


@pytest.mark.slow  # three flake8 runs over examples/, two of them with -j 2
def test_parallel_runs_share_one_cache(examples):
    every = "STI,TBV,SOI,STI004,STI014,SOI002,SOI003,SOI004"
    args = ("--select", every, "-j", "2", "examples/")
    first = run_flake8(*args, cwd=examples)
    second = run_flake8(*args, cwd=examples)
    serial = run_flake8("--select", every, "-j", "1", "examples/", cwd=examples)
    assert first.stdout == second.stdout == serial.stdout != ""
    assert first.stderr == second.stderr == ""
    expected = (REPO / "examples" / "expected.txt").read_text()
    assert first.stdout == expected
