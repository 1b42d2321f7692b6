"""SOI003: a class that caches its only instance on itself."""

from __future__ import annotations

import ast
from typing import List, Set

from ...core.context import FileContext
from ...facts.methods import Methods
from ..base import Rule, RuleDoc


def instance_attribute(name: str) -> bool:
    r"""``_instance``, ``__singleton``, ``_shared_instances``: a name for the one instance.
    (What ``^_*(?:\w*_)?(?:instance|singleton)s?$`` says, without its backtracking, which
    took seconds on a long run of underscores.)"""
    lowered = name.lower()
    if lowered.endswith("s"):
        lowered = lowered[:-1]
    for word in ("instance", "singleton"):
        if lowered.endswith(word):
            prefix = lowered[:-len(word)]
            return not prefix or prefix.endswith("_")
    return False


class ClassSingleton(Rule):
    """SOI003: a class that caches its only instance on itself."""

    doc = RuleDoc(
        code="SOI003",
        name="class-singleton",
        severity="quality",
        message="class {cls} caches its only instance in {attr} (line {line}): a per-process "
                "singleton — create one instance in the app's lifespan and inject it",
        summary="Flags a class that stores its own only instance on itself: `cls._instance = "
                "...` in `__new__`, `get_instance()` or another classmethod (also "
                "`ClassName._instance = ...` and metaclass `_instances[cls] = ...`).",
        rationale="The seed's `RBACEngine._instance` and `GuardCache._instance` cached policy "
                  "decisions per process: workers disagree and tests leak state into each "
                  "other.",
        seed="SOI-004, SOI-005",
        bad="""class RBACEngine:
    _instance = None

    @classmethod
    def get_instance(cls):
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance
""",
        good="""class RBACEngine:
    ...

def get_rbac_engine(request: Request) -> RBACEngine:
    return request.app.state.rbac_engine
""",
        limits=("Classes that only declare `_instance = None` without assigning it are not "
                "flagged.",
                "Opt-in (`--select SOI003`): on six real backends none of its 10 findings was "
                "worth acting on (docs/precision.md). A class that keeps its one instance is "
                "usually a per-process resource on purpose — a registry filled at import, "
                "instrumentation, an in-memory backend a setting selects — and the rule cannot "
                "yet tell those from shared state kept in one process.",),
        opt_in=True,
    )
    needs = (Methods,)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        text = ctx.text.lower()
        return "instance" in text or "singleton" in text

    def begin(self) -> None:
        self.methods = self.ctx.collector(Methods)  # once per file, not per statement
        self.reported: Set[ast.ClassDef] = set()

    def _check(self, targets: List[ast.expr], line: int) -> None:
        current = self.methods.current()
        if current is None or current.cls in self.reported:
            return
        owners = {current.cls.name} | ({current.first} if current.first else set())
        for target in targets:
            subscripted = isinstance(target, ast.Subscript)
            if isinstance(target, ast.Subscript):
                target = target.value
            if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                    and target.value.id in owners and instance_attribute(target.attr)):
                continue
            if target.attr.endswith("s") and not subscripted:
                continue  # `cls._instances = {}` resets a registry; the per-key store is flagged
            if current.first == "self" and target.value.id == "self":
                continue  # an instance attribute, not the class's
            self.reported.add(current.cls)
            self.report(current.cls, cls=f"`{current.cls.name}`",
                        attr=f"`{target.value.id}.{target.attr}`", line=line)
            return

    def visit_Assign(self, node: ast.Assign) -> None:
        self._check(node.targets, node.lineno)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._check([node.target], node.lineno)
