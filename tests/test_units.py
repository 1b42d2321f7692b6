"""Unit tests: configuration parsing, layout and layer claims, the walker's guarantees."""

from __future__ import annotations

import ast
import logging
import os

import pytest

from truthlint.core.config import (SEED_LAYER_MAP, ConfigError, ConfigFinder, build_config,
                                   display_path, parse_layer, parse_settings)
from truthlint.engine.check import Engine
from truthlint.rules.registry import RULES
from truthlint.core.files import FileSystem, python_files
from truthlint.core.location import header_layer
from truthlint.project.layout import layer_from_map, locate
from truthlint.rules.soi.module_singleton import ModuleSingleton
from truthlint.rules.tbv.import_time_side_effect import ImportTimeSideEffect


@pytest.mark.parametrize("text, layer", [("L2", 2), ("l4", 4), ("L2a", 2), ("L3.5", 3),
                                         (" L6 ", 6)])
def test_parse_layer_accepts_suffixes(text, layer):
    assert parse_layer(text, "f", "k") == layer


@pytest.mark.parametrize("value", ["L9", "L0", "2", "layer2", 2, None, "L2-x"])
def test_parse_layer_rejects_with_file_and_key(value):
    with pytest.raises(ConfigError) as err:
        parse_layer(value, "pyproject.toml", "layers.api")
    assert str(err.value).startswith("pyproject.toml: key 'layers.api': expected a layer")


def test_settings_accept_underscores_and_flake8_pairs():
    parsed = parse_settings({"session_names": ["s"], "layers": ["api=L2", "jobs = L5"]}, "x")
    assert parsed == {"session-names": ("s",), "layers": {"api": 2, "jobs": 5}}
    with pytest.raises(ConfigError, match="expected name=value pairs"):
        parse_settings({"layers": ["api"]}, "x")


def test_build_config_merges_tables_and_replaces_lists(tmp_path):
    config = build_config(str(tmp_path / "pyproject.toml"), str(tmp_path),
                          {"layers": {"handlers": 2}, "session-names": ("a",), "roots": ("app",)},
                          {"layers": {"api": 3}, "session-names": ("b",),
                           "__source__": "command line"})
    assert config.layer_map["handlers"] == 2 and config.layer_map["api"] == 3
    assert "models" not in config.layer_map  # no preset chosen: only what was declared
    assert config.session_names == frozenset({"b"})
    assert config.roots == (str(tmp_path / "app"),)
    only = build_config(None, ".", {"layers": {"x": 4}})
    assert dict(only.layer_map) == {"x": 4}


def test_seed_preset_is_chosen_and_named_and_overridden(tmp_path):
    source = str(tmp_path / "pyproject.toml")
    config = build_config(source, str(tmp_path),
                          {"layer-preset": "seed", "layers": {"api": 3}, "__source__": source})
    assert config.layer_map["models"] == SEED_LAYER_MAP["models"] == 6
    assert config.layer_map["api"] == 3  # a declared entry wins over the preset's
    label = config.origin("layers", "models", "?")
    assert label == f"the seed preset ({display_path(source)} layer-preset)"
    assert config.origin("layers", "api", "?") == f"{display_path(source)} [tool.truthlint.layers]"


def test_header_layer_first_ten_lines_only():
    assert header_layer(["#!/usr/bin/env python\n", "# Layer: L3.5 — Shared\n"]) == (3, 2)
    assert header_layer(["\n"] * 10 + ["# Layer: L2\n"]) is None
    assert header_layer(["# player: L2\n"]) is None


def test_layer_from_map_prefers_longest_key():
    config = build_config(None, ".", {"layer-preset": "seed", "layers": {"auth/providers": 3}})
    assert layer_from_map(("auth", "providers", "jwt.py"), config)[0] == 3
    assert layer_from_map(("auth", "rbac.py"), config)[0] == 4
    assert layer_from_map(("db.py",), config)[0] == 6
    assert layer_from_map(("unknown", "x.py"), config) is None


def _tree(tmp_path, files):
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    return tmp_path


def test_root_detection_src_layout_and_gaps(tmp_path):
    root = _tree(tmp_path, ["pyproject.toml", "src/svc/__init__.py", "src/svc/api/__init__.py",
                            "src/svc/runtime/x.py", "scripts/run.py"])
    config, fs = build_config(None, str(root)), FileSystem()
    loc = locate(str(root / "src/svc/api/items.py"), [], config, fs)
    assert (loc.module, loc.layer, loc.parts) == ("svc.api.items", None, ("api", "items.py"))
    seed = build_config(None, str(root), {"layer-preset": "seed"})
    assert locate(str(root / "src/svc/api/items.py"), [], seed, fs).layer == 2
    gap = locate(str(root / "src/svc/runtime/x.py"), [], config, fs)
    assert gap.root == str(root / "src/svc") and gap.module == "svc.runtime.x"
    assert locate(str(root / "scripts/run.py"), [], config, fs).root is None


def test_app_directory_is_a_root_even_without_init(tmp_path):
    root = _tree(tmp_path, ["setup.cfg", "app/api/__init__.py", "app/main.py"])
    loc = locate(str(root / "app/main.py"), [], build_config(None, str(root)), FileSystem())
    assert loc.root == str(root / "app") and loc.module == "app.main"


def test_header_overrides_map_and_names_its_origin(tmp_path):
    root = _tree(tmp_path, ["pyproject.toml", "app/__init__.py", "app/api/__init__.py"])
    loc = locate(str(root / "app/api/x.py"), ["# Layer: L4\n"], build_config(None, str(root)),
                 FileSystem())
    assert loc.layer == 4 and loc.layer_origin == "the '# Layer: L4' header on line 1"


def test_config_finder_uses_nearest_table_and_caches(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.truthlint]\nsession-names = ['outer']\n")
    inner = tmp_path / "svc"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[project]\nname = 'no truthlint table'\n")
    deeper = inner / "sub"
    deeper.mkdir()
    (deeper / "pyproject.toml").write_text("[tool.truthlint]\nsession-names = ['inner']\n")
    finder = ConfigFinder()
    assert finder.for_file(str(inner / "x.py")).session_names == frozenset({"outer"})
    assert finder.for_file(str(deeper / "x.py")).session_names == frozenset({"inner"})
    assert finder.for_file(str(deeper / "y.py")) is finder.for_file(str(deeper / "x.py"))


def test_unreadable_directory_is_just_empty(tmp_path):
    assert FileSystem().listdir(str(tmp_path / "missing")) == frozenset()


def test_deep_nesting_does_not_overflow():
    pos = dict(lineno=1, col_offset=0, end_lineno=1, end_col_offset=1)
    node: ast.expr = ast.Name(id="x", ctx=ast.Load(), **pos)
    for _ in range(20000):  # far deeper than the parser allows: only the walker is tested
        node = ast.BinOp(left=node, op=ast.Add(), right=ast.Constant(1, **pos), **pos)
    func = ast.Name(id="init_db", ctx=ast.Load(), **pos)
    call = ast.Call(func=func, args=[node], keywords=[], **pos)
    tree = ast.Module(body=[ast.Expr(value=call, **pos)], type_ignores=[])
    findings = Engine().check([], "deep.py", tree).findings
    assert [f.code for f in findings] == ["TBV001"]


def test_source_that_does_not_parse_has_no_findings():
    project = Engine()
    assert project.check_source("def f(:\n", "x.py") == []
    assert project.check_source("x = 1\x00\n", "x.py") == []
    assert project.check_source("(" * 1000 + ")" * 1000, "x.py") == []


def test_failing_rule_is_dropped_for_the_file_and_others_still_report(monkeypatch, caplog):
    def boom(self, node):
        raise RuntimeError("rule bug")

    monkeypatch.setattr(ModuleSingleton, "visit_Assign", boom)
    source = "import threading\nrate_limiter = RateLimiter()\ninit_db()\n"
    with caplog.at_level(logging.WARNING, logger="truthlint"):
        findings = Engine(codes=RULES).check_source(source, "x.py")
    assert [f.code for f in findings] == ["TBV001"]
    assert "ModuleSingleton failed on x.py" in caplog.text


def test_a_failing_collector_drops_the_rules_that_read_it(monkeypatch, tmp_path, caplog):
    """STI002 judges the evidence the Behaviour collector gathers: when the collector fails
    half-way, STI002 must not judge the half it saw."""
    from truthlint.facts.behaviour import Behaviour

    (tmp_path / "pyproject.toml").write_text("[tool.truthlint]\nlayer-preset = \"seed\"\n")
    models = tmp_path / "app" / "models"
    models.mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (models / "__init__.py").write_text("")
    source = "@app.task\ndef refresh(): ...\n\nclass Item:\n    __tablename__ = 'items'\n"
    path = str(models / "item.py")
    (models / "item.py").write_text(source)
    assert [f.code for f in Engine().check_source(source, path)] == []  # L6, and shows L6

    def boom(self, node):
        raise RuntimeError("collector bug")

    monkeypatch.setattr(Behaviour, "visit_ClassDef", boom)
    with caplog.at_level(logging.WARNING, logger="truthlint"):
        assert [f.code for f in Engine().check_source(source, path)] == []
    assert "Behaviour failed" in caplog.text and "LayerClaimMismatch failed" in caplog.text


def test_a_rule_failing_after_it_reported_loses_those_findings(monkeypatch):
    def boom(self):
        raise RuntimeError("rule bug in end")

    source = "import json\nCONFIG = json.load(open('x'))\ninit_db()\n"
    assert [f.code for f in Engine().check_source(source, "x.py")] == ["TBV001", "TBV001"]
    monkeypatch.setattr(ImportTimeSideEffect, "end", boom)
    assert Engine().check_source(source, "x.py") == []


def test_the_file_walker_skips_virtualenvs_by_content_and_build_output_by_name(tmp_path):
    for rel in ("app/__init__.py", "app/env/__init__.py", "app/env/settings.py",
                "venv/lib/site.py", "env/bin/tool.py", "build/lib/app/x.py", "app/dist/y.py",
                ".hidden/z.py", "app/__pycache__/w.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    found = [os.path.relpath(p, tmp_path).replace(os.sep, "/") for p in python_files([str(tmp_path)])]
    assert found == ["app/__init__.py", "app/env/__init__.py", "app/env/settings.py"]
    # a file named explicitly is taken as it is
    assert python_files([str(tmp_path / "build" / "lib" / "app" / "x.py")]) == [
        str(tmp_path / "build" / "lib" / "app" / "x.py")]


def test_anonymous_stdin_has_no_location():
    ctx = Engine().context([], "stdin")
    assert ctx.location.path is None and ctx.location.layer is None


def test_explicit_config_applies_everywhere(tmp_path):
    cfg = tmp_path / "shared.toml"
    cfg.write_text("[tool.truthlint]\nsession-names = ['uow']\n")
    finder = ConfigFinder(explicit=str(cfg))
    assert finder.for_file(os.path.join(os.sep, "elsewhere", "x.py")).session_names == {"uow"}
    with pytest.raises(ConfigError, match="file not found"):
        ConfigFinder(explicit=str(tmp_path / "missing.toml")).for_dir(str(tmp_path))


@pytest.mark.parametrize("other", ["", "é", "\u2028"])
@pytest.mark.parametrize("sep", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_split_lines_numbers_lines_as_the_parser_does(sep: str, other: str) -> None:
    """str.splitlines breaks on these characters, the parser does not: the ASCII fast path
    and the regex path both keep them inside their line."""
    from truthlint.core.source import _LINES, split_lines
    source = f"a = 1  # {other}x{sep}y\r\n# c{sep}\nb = 2\rc = 3"
    tree = ast.parse(source)
    lines = split_lines(source)
    assert lines == _LINES.findall(source)
    assert [lines[s.lineno - 1][:5] for s in tree.body] == ["a = 1", "b = 2", "c = 3"]
    assert len(lines) == 4
