"""Layer rules: what a module may import (TBV002) and whether it is what it claims (STI002)."""

from __future__ import annotations

import ast
import os
from typing import Optional

from ..project.layout import module_file, module_layer
from ..core.names import dotted, resolve_relative
from ..core.context import FileContext
from ..facts.behaviour import BEHAVIOUR, Behaviour
from .base import Rule

LAZY = " in a function (a lazy import, but it still couples the layers)"


def _layers(layers) -> str:  # type: ignore[no-untyped-def]
    return ", ".join(f"L{n}" for n in sorted(layers))


class LayerViolation(Rule):
    """TBV002: an import the importing module's layer may not make."""

    codes = ("TBV002",)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return ctx.location.layer is not None and ctx.location.module is not None

    def begin(self) -> None:
        loc = self.ctx.location
        self.root_package = os.path.basename(loc.root)
        self.own_package = loc.parts[0][:-3] if loc.parts[0].endswith(".py") else loc.parts[0]
        self.denied = self.ctx.config.denied_imports.get(loc.layer, ())

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        loc = self.ctx.location
        base = (resolve_relative(loc.module, loc.is_init, node.level, node.module) if node.level
                else node.module or "")
        for alias in node.names:
            name = f"{base}.{alias.name}" if alias.name != "*" else base
            self._check(node, name, base)

    def _check(self, node: ast.AST, module: str, parent: Optional[str] = None) -> None:
        if self.ctx.scope.type_checking or not module:
            return
        for prefix in self.denied:
            if module == prefix or module.startswith(prefix + "."):
                config = self.ctx.config
                why = (f"denied-imports L{self.ctx.location.layer} forbids `{prefix}` "
                       f"({config.origin('denied-imports', self.ctx.location.layer, '?')})")
                self._report(node, module, None, why)
                return
        parts = module.split(".")
        if parts[0] != self.root_package or len(parts) < 2 or parts[1] == self.own_package:
            return  # third-party, the root package itself, or the module's own package
        loc, config = self.ctx.location, self.ctx.config
        shown = module
        if parent and parent != module and module_file(self.ctx.fs, loc.root, module) is None:
            # ``from app.worker.pool import WorkerPool``: a name, not a submodule
            shown = f"{module[len(parent) + 1:]} from {parent}"
            module = parent
        found = module_layer(loc.root, module, config, self.ctx.fs)
        allowed = config.allowed_imports.get(loc.layer)
        if found is None or allowed is None or found[0] == loc.layer or found[0] in allowed:
            return
        origin = config.origin("allowed-imports", loc.layer, "the default matrix")
        may = f"may import only {_layers(allowed)}" if allowed else "may import no other layer"
        why = f"L{loc.layer} {may} (allowed-imports L{loc.layer} in {origin})"
        self._report(node, shown, found, why)

    def _report(self, node: ast.AST, module: str, target, why: str) -> None:  # type: ignore[no-untyped-def]
        loc = self.ctx.location
        imported = f"{module} (L{target[0]}: {target[1]})" if target else module
        self.report("TBV002", node, importer=loc.module, layer=loc.layer, imported=imported,
                        lazy=LAZY if self.ctx.scope.function is not None else "", why=why)


class LayerClaimMismatch(Rule):
    """STI002: a module whose behaviour contradicts its claimed layer."""

    codes = ("STI002",)
    needs = (Behaviour,)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        loc = ctx.location
        return loc.layer is not None and not loc.is_init

    def end(self) -> None:
        loc = self.ctx.location
        claimed = loc.layer
        evidence = self.ctx.collector(Behaviour).evidence
        shown = set(evidence)
        mixed = {2, 5} <= shown
        contradicted = bool(shown) and claimed not in shown
        if not (mixed or contradicted):
            return
        others = sorted(shown - {claimed}) if not mixed else sorted(shown)
        parts = []
        for layer in others:
            line, _, text = evidence[layer]
            parts.append(f"{BEHAVIOUR[layer]} (L{layer}: line {line} `{text}`)")
        first = min((evidence[layer] for layer in others), key=lambda e: (e[0], e[1]))
        what = " and ".join(parts)
        if mixed:
            what += ", layers the map keeps apart"
        self.report("STI002", first[0], first[1], module=loc.module, layer=claimed,
                    origin=loc.layer_origin, evidence=what)
