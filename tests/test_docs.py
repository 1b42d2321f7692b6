"""The docs are rendered from the registry: committed files must equal what it renders."""

from __future__ import annotations

import re

from truthlint.core.config import SETTINGS
from truthlint.adapters.docs import render_rule, rendered_blocks
from truthlint.rules.registry import RULES
from truthlint.rules import ALL_RULES

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_rule_page_is_current():
    pages = {p.stem for p in (REPO / "docs" / "rules").glob("*.md")}
    assert pages == set(RULES)
    for code, rule in RULES.items():
        assert (REPO / "docs" / "rules" / f"{code}.md").read_text(encoding="utf-8") == render_rule(rule)


def test_readme_tables_are_current():
    for name, body in rendered_blocks().items():
        match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", README, re.S)
        assert match, name
        assert match.group(1) == body


def test_registry_and_rule_classes_agree():
    emitted = [code for rule in ALL_RULES for code in rule.codes]
    assert sorted(emitted) == sorted(RULES)
    for code, rule in RULES.items():
        assert re.fullmatch(r"(STI|TBV|SOI)\d{3}", code)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
        assert "\n" not in rule.message and " — " in rule.message
        assert rule.summary and rule.rationale and rule.bad and rule.good and rule.limits
    assert len({r.name for r in RULES.values()}) == len(RULES)


def test_options_named_by_rules_exist():
    keys = {s.key for s in SETTINGS}
    for rule in RULES.values():
        assert set(rule.options) <= keys


def test_readme_keeps_the_two_commands_near_the_top():
    head = README.split("## What it checks")[0]
    assert "pip install . && flake8 --select STI,TBV,SOI examples/" in head
    assert "pip install -e '.[test]' && pytest --cov=truthlint" in head
