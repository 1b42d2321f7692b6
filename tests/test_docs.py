"""The docs are rendered from the registry: committed files must equal what it renders."""

from __future__ import annotations

import inspect
import re

from truthlint.core.config import SETTINGS
from truthlint.adapters.docs import render_rule, rendered_blocks
from truthlint.rules.base import SEVERITIES, RuleDoc
from truthlint.rules.registry import FAMILIES, RULES
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
        # the evidence says where facts come from: one line, no fix, and its rule page has it
        assert "\n" not in rule.evidence and " — " not in rule.evidence
        page = (REPO / "docs" / "rules" / f"{code}.md").read_text(encoding="utf-8")
        assert ("Evidence (printed" in page) == bool(rule.evidence), code
        assert not rule.evidence or f"`{rule.evidence}`" in page, code
        assert rule.summary and rule.rationale and rule.bad and rule.good and rule.limits
        assert rule.severity in SEVERITIES, code
    assert len({r.name for r in RULES.values()}) == len(RULES)


def test_every_rule_carries_its_own_doc_in_its_own_module():
    """One module per rule, named after it in its family's package, the doc in the class body."""
    for rule in ALL_RULES:
        doc = rule.__dict__.get("doc")
        assert isinstance(doc, RuleDoc) and RULES[doc.code] is doc, rule
        assert rule.codes == (doc.code,), rule
        assert rule.__module__ == f"truthlint.rules.{doc.family.lower()}.{doc.name.replace('-', '_')}"
        module = inspect.getmodule(rule)
        assert module is not None and inspect.getsource(module).count(f'code="{doc.code}"') == 1
    found = {f"truthlint.rules.{p.parent.name}.{p.stem}"
             for p in (REPO / "truthlint" / "rules").glob("*/*.py") if not p.stem.startswith("_")}
    assert found == {rule.__module__ for rule in ALL_RULES}  # helpers live in _private modules


def test_registry_lists_codes_in_family_order():
    families = list(FAMILIES)
    assert families == ["STI", "TBV", "SOI"]
    assert list(RULES) == sorted(RULES, key=lambda code: (families.index(code[:3]), code))
    assert list(RULES) == [rule.doc.code for rule in ALL_RULES]


def test_options_named_by_rules_exist():
    keys = {s.key for s in SETTINGS}
    for rule in RULES.values():
        assert set(rule.options) <= keys


def test_readme_keeps_the_two_commands_near_the_top():
    head = README.split("## What it checks")[0]
    assert "pip install . && flake8 --select STI,TBV,SOI,STI004,STI014,SOI002,SOI003,SOI004 examples/" in head
    assert "pip install -e '.[test]' && pytest --cov=truthlint" in head
