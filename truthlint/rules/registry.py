"""The rule registry: every code's name, message and documentation, gathered from the rules.

Each rule carries its :class:`RuleDoc` beside its class (``doc = RuleDoc(...)`` in its module
under ``sti/``, ``tbv/`` or ``soi/``). ``docs/rules/CODE.md`` and the README's rule table are
generated from here (``python -m truthlint.adapters.docs``) and a test fails when they drift.
"""

from __future__ import annotations

from typing import Dict

from . import ALL_RULES
from .base import RuleDoc

__all__ = ["FAMILIES", "RULES", "RuleDoc"]

FAMILIES = {
    "STI": "structural truth",
    "TBV": "temporal boundaries (when code runs)",
    "SOI": "state ownership",
}

# in the order of ALL_RULES: by family (as above), then by code. The README tables, SARIF rule
# indexes and the command's code order follow it; a test checks it.
RULES: Dict[str, RuleDoc] = {rule.doc.code: rule.doc for rule in ALL_RULES}
