"""SOI005 (opt-in, on once ``owners`` is set): a write of an owned model outside the module that owns it."""

from __future__ import annotations

import ast
from typing import Dict, Optional, Tuple

from ...core.context import FileContext
from ...core.names import last_name, root_call
from ...facts.sessions import SessionFacts
from ..base import Rule, RuleDoc


class WriteOutsideOwner(Rule):
    """SOI005: a write of an owned model outside the module that owns its writes."""

    doc = RuleDoc(
        code="SOI005",
        name="write-outside-owner",
        severity="architecture",
        message="{call} writes {model} in {module}, but {owner} owns {model}'s writes "
                "— call the owner's write API instead",
        evidence="the owner: {origin}",
        summary="With an owners table (`[tool.truthlint.owners] Model = \"module\"`), flags a "
                "DB write of an owned model anywhere but its owner module: `session.add(Model(...))`"
                ", `add_all`, `merge`/`delete` of a variable built from the model in the same "
                "function, and `execute` of `insert/update/delete(Model)`. Same receiver rules as "
                "STI001.",
        rationale="Phase 2B of the seed made write ownership explicit per entity (e.g. "
                  "`GuardWriteService` owns `KillSwitchState`); without a check, the next "
                  "shortcut writes the entity from somewhere else and the ownership map is "
                  "fiction again.",
        seed="Phase 2B \"write ownership explicit per entity\"",
        bad="""# pyproject.toml: [tool.truthlint.owners] KillSwitchState = "app.services.guard_write_service"
# app/worker/runner.py
session.add(KillSwitchState(tenant_id=t, frozen=True))
""",
        good="""# app/worker/runner.py
GuardWriteService(session).freeze(t)
""",
        options=("owners", "session-names"),
        limits=(
            "The model is known only from a constructor call, a variable assigned from one in "
            "the same function, or the statement's first argument; objects loaded from queries "
            "are not tracked.",
        ),
        opt_in=True,
        enabled_by="owners",
    )
    needs = (SessionFacts,)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return bool(ctx.config.owners) and ctx.location.module is not None

    def begin(self) -> None:
        self.facts = self.ctx.collector(SessionFacts)  # once per file, not per call
        self.instances: Dict[Tuple[Optional[ast.AST], str], str] = {}  # (function, var) -> model

    def _model(self, expr: Optional[ast.AST]) -> Optional[str]:
        """The owned model an expression builds or names: ``Item(...)``, ``item``, ``Item``."""
        owners = self.ctx.config.owners
        if isinstance(expr, ast.Call):
            name = last_name(expr.func)
            return name if name in owners else None
        if isinstance(expr, ast.Name):
            found = self.instances.get((self.ctx.scope.function, expr.id))
            if found:
                return found
            return expr.id if expr.id in owners else None
        if isinstance(expr, ast.Attribute):
            return expr.attr if expr.attr in owners else None
        if isinstance(expr, (ast.List, ast.Tuple)):
            for elt in expr.elts:
                found = self._model(elt)
                if found:
                    return found
        return None

    def visit_Assign(self, node: ast.Assign) -> None:
        model = self._model(node.value) if isinstance(node.value, ast.Call) else None
        if model:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.instances[(self.ctx.scope.function, target.id)] = model

    def visit_Call(self, node: ast.Call) -> None:
        if self.ctx.scope.type_checking or not isinstance(node.func, ast.Attribute):
            return
        facts = self.facts
        found = facts.write(node)
        if found is None or facts.session(found[1]) is None or not node.args:
            return
        write = found[0]
        argument: Optional[ast.expr] = node.args[0]
        if node.func.attr in ("execute", "exec", "executemany", "scalar", "scalars"):
            call = root_call(node.args[0])
            argument = call.args[0] if call is not None and call.args else None
        model = self._model(argument)
        module = self.ctx.location.module
        owner = self.ctx.config.owners.get(model) if model else None
        if owner is None or module == owner:
            return
        origin = self.ctx.config.origin("owners", model, "owners")
        self.report(node, call=write, model=model, module=module, owner=owner, origin=origin)
