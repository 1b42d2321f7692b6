"""The bases every rule derives from, and the documentation each rule carries beside its class."""

from __future__ import annotations

import ast
import re
import string
from typing import Any, ClassVar, Dict, NamedTuple, Optional, Tuple, Union

from ..core.context import FileContext, Phase
from ..core.walker import Visitor
from ..facts.summary import Summary
from ..project.view import IndexView, view_of


_TEMPLATES: Dict[str, "re.Pattern[str]"] = {}  # a message template -> the pattern reading it

# what a finding puts at risk, most urgent first, with the SARIF level each maps to: the
# architecture a team declared (layers, owners, cycles), the code's behaviour in production,
# and the repository's governance (packaging, naming, wording)
SEVERITIES = {"architecture": "error", "quality": "warning", "governance": "note"}


class RuleDoc(NamedTuple):
    code: str
    name: str          # kebab-case; reads as "allow <name>"
    severity: str      # a key of SEVERITIES
    message: str       # str.format template, one line, without the code: the fact and the fix
    summary: str       # what it does
    rationale: str     # why it matters
    seed: str          # the seed audit IDs it generalises
    bad: str           # a flagged example
    good: str          # its fix
    options: Tuple[str, ...] = ()
    limits: Tuple[str, ...] = ()
    opt_in: bool = False
    enabled_by: str = ""  # an opt-in rule that a setting turns on, rather than selecting it
    # message fields that say what a finding is about when its line cannot (a package's
    # ``__init__.py``, line 1 of a file): baselines key such findings by them too
    identity: Tuple[str, ...] = ()
    # str.format template of where the fact comes from (the configuration key that set a
    # layer, the annotation that makes a receiver a session, the whole call chain): shown by
    # ``--verbose``, JSON and SARIF, kept out of the one-line message
    evidence: str = ""

    def fields(self, message: str) -> Optional[Dict[str, str]]:
        """The fields of a message this rule wrote (``{"directory": "app/runtime", ...}``),
        read back through its template; None for a message the template did not make."""
        pattern = _TEMPLATES.get(self.message)
        if pattern is None:
            parts, seen = [], set()
            for literal, field, _, _ in string.Formatter().parse(self.message):
                parts.append(re.escape(literal))
                if field is not None:
                    parts.append(f"(?P<{field}>.*?)" if field not in seen else ".*?")
                    seen.add(field)
            pattern = _TEMPLATES[self.message] = re.compile("".join(parts) + r"\Z", re.S)
        match = pattern.match(message)
        return None if match is None else {k: v or "" for k, v in match.groupdict().items()}

    @property
    def off_by_default(self) -> bool:
        """Opt-in rules that flake8 and the CLI skip until selected by code."""
        return self.opt_in and not self.enabled_by

    @property
    def level(self) -> str:
        """SARIF's level for the rule's findings."""
        return SEVERITIES[self.severity]

    @property
    def family(self) -> str:
        return self.code[:3]


class Rule(Visitor):
    """A rule: carries its documentation (``doc``, which names its one code) and declares the
    collectors it reads; ``applies`` gates it per file."""

    doc: ClassVar[RuleDoc]                # set by every rule class, beside its code
    # judged in ``end`` from the project index alone (the file's summary included): a cold
    # run judges it after building the index, without walking the file again
    from_index = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A rule class that carries its doc emits the doc's code (bases like ProjectRule
        carry none)."""
        super().__init_subclass__(**kwargs)
        doc = cls.__dict__.get("doc")
        if isinstance(doc, RuleDoc):
            cls.codes = (doc.code,)

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        """Cheap per-file test, so a rule that cannot fire costs nothing during the walk."""
        return True

    def report(self, at: Union[ast.AST, int], col: int = 0, **fields: Any) -> None:
        """A finding of this rule's code at a node or line, its message rendered from the
        template in the rule's doc."""
        doc = self.doc
        self.ctx.add(doc.code, at, col, doc.message.format(**fields),
                     doc.evidence.format(**fields) if doc.evidence else "")


class ProjectRule(Rule):
    """A rule judged once the walk is done, against the project index."""

    needs = (Summary,)
    from_index = True

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return ctx.location.module is not None

    def end(self) -> None:
        view = view_of(self.ctx)
        if view is not None:
            self.judge(view)

    def judge(self, view: IndexView) -> None:
        raise NotImplementedError


class ParkingRule(Rule):
    """A rule whose walk collects plain data (positions, texts, qualified names) that its
    judgement then resolves against the project index. In phase one of a cold run the data
    is parked (``ctx.parked``) and the judgement follows in phase two from the index, without
    walking the file again; in a whole check the judgement follows at once."""

    _parked: Any = None  # the data parked in phase one, handed back for phase two

    def end(self) -> None:
        state = self._parked if self._parked is not None else self.park()
        if state is None:
            return
        if self.ctx.phase is Phase.LOCAL:
            self.ctx.parked[self.doc.code] = state
            return
        self.judge(state)

    def park(self) -> Any:
        """What the judgement needs from the walk, as plain data; None: nothing to judge."""
        raise NotImplementedError

    def judge(self, state: Any) -> None:
        """Judge the parked data, asking the project index (``view_of(self.ctx)``)."""
        raise NotImplementedError
