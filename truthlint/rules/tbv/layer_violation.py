"""TBV002: an import that the importing module's layer may not make."""

from __future__ import annotations

import ast
import os
from typing import Iterable, Optional, Tuple, cast

from ...core.context import FileContext
from ...core.names import resolve_relative
from ...project.layout import module_file, module_layer
from ..base import Rule, RuleDoc

LAZY = " in a function (a lazy import, but it still couples the layers)"


def _layers(layers: Iterable[int]) -> str:
    return ", ".join(f"L{n}" for n in sorted(layers))


class LayerViolation(Rule):
    """TBV002: an import the importing module's layer may not make."""

    doc = RuleDoc(
        code="TBV002",
        name="layer-violation",
        message="{importer} (L{layer}) imports {imported}{lazy}, but {why} — go through an "
                "allowed layer, or move the shared code into a layer both may import",
        summary="Flags an import of a project module whose layer the importing module's layer "
                "may not depend on (default matrix: L2 never imports L5, nothing imports upward "
                "into L2, L6 imports nothing above it), and any import a per-layer "
                "`denied-imports` list forbids (third-party packages included). Both layers are "
                "claimed layers: the layer map or a `# Layer:` header, read from the imported "
                "file too. Function-level imports are flagged and called lazy.",
        rationale="The seed's `api/guard.py` imported `worker/`: an HTTP handler reaching into "
                  "the worker pool couples request latency to background execution and makes "
                  "the API process load the worker's dependencies. The seed's grep gate for "
                  "service boundaries was ~0% precise because it flagged `TYPE_CHECKING` "
                  "imports and self-imports; this rule skips both.",
        seed="TBV-002, STI-001",
        bad="""# app/api/guard.py  (L2)
from app.worker.pool import WorkerPool
""",
        good="""# app/api/guard.py  (L2)
from app.services.runs import enqueue_run   # L4 owns the hand-off to the worker
""",
        options=("allowed-imports", "denied-imports", "layers"),
        limits=(
            "Imports under `if TYPE_CHECKING:`, imports within the module's own package "
            "(first directory below the root) and third-party imports are never flagged "
            "unless a `denied-imports` entry names them.",
            "Modules with no claimed layer (outside the map, outside every root) are skipped on "
            "either side of the import.",
            "Only direct imports are checked; a chain through an allowed middle layer is not a "
            "violation.",
        ),
    )

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return ctx.location.layer is not None and ctx.location.module is not None

    def begin(self) -> None:
        loc = self.ctx.location
        self.root = cast(str, loc.root)     # applies(): a module, so below a root,
        self.layer = cast(int, loc.layer)   # and with a claimed layer
        self.root_package = os.path.basename(self.root)
        self.own_package = loc.parts[0][:-3] if loc.parts[0].endswith(".py") else loc.parts[0]
        self.denied = self.ctx.config.denied_imports.get(self.layer, ())

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
        if parent and parent != module and module_file(self.ctx.fs, self.root, module) is None:
            # ``from app.worker.pool import WorkerPool``: a name, not a submodule
            shown = f"{module[len(parent) + 1:]} from {parent}"
            module = parent
        found = module_layer(self.root, module, config, self.ctx.fs)
        allowed = config.allowed_imports.get(self.layer)
        if found is None or allowed is None or found[0] == loc.layer or found[0] in allowed:
            return
        origin = config.origin("allowed-imports", loc.layer, "the default matrix")
        may = f"may import only {_layers(allowed)}" if allowed else "may import no other layer"
        why = f"L{loc.layer} {may} (allowed-imports L{loc.layer} in {origin})"
        self._report(node, shown, found, why)

    def _report(self, node: ast.AST, module: str, target: Optional[Tuple[int, str]], why: str) -> None:
        loc = self.ctx.location
        imported = f"{module} (L{target[0]}: {target[1]})" if target else module
        self.report(node, importer=loc.module, layer=loc.layer, imported=imported,
                    lazy=LAZY if self.ctx.scope.function is not None else "", why=why)
