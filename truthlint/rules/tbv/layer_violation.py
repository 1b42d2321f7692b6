"""TBV002: an import that the importing module's layer may not make."""

from __future__ import annotations

import ast
import os
from typing import Iterable, List, Optional, Tuple, cast

from ...core.context import FileContext
from ...core.names import resolve_relative
from ...project.layout import module_file, module_layer
from ..base import Rule, RuleDoc

LAZY = " in a function (a lazy import, but it still couples the layers)"


def layer_name(number: int, ordered: bool) -> str:
    """``L3``; in an order (``layer-order``, a contract), its place: ``layer 2 of the order``
    (the first entry is layer 1)."""
    return f"layer {number - 1} of the order" if ordered else f"L{number}"


def _layers(layers: Iterable[int], ordered: bool) -> str:
    if ordered:
        return "layers " + ", ".join(str(n - 1) for n in sorted(layers))
    return ", ".join(f"L{n}" for n in sorted(layers))


class LayerViolation(Rule):
    """TBV002: an import the importing module's layer may not make."""

    doc = RuleDoc(
        code="TBV002",
        name="layer-violation",
        severity="architecture",
        message="{importer} ({layer}) imports {imported}{lazy}, but {why} — go through an "
                "allowed layer, or move the shared code into a layer both may import",
        evidence="{detail}",
        summary="Flags an import of a project module whose layer the importing module's layer "
                "may not depend on (default matrix: L2 never imports L5, nothing imports upward "
                "into L2, L6 imports nothing above it), and any import a per-layer "
                "`denied-imports` list forbids (third-party packages included), once per import "
                "statement. It applies only where the project declares layers: in `layers`, by "
                "choosing a `layer-preset`, in `# Layer:` headers (read from the imported "
                "file too), or in an import-linter `layers` contract or tach's `layers`, which "
                "it reads. Function-level imports are flagged and called lazy.",
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
        options=("allowed-imports", "denied-imports", "layers", "layer-preset"),
        limits=(
            "Imports under `if TYPE_CHECKING:`, imports within the module's own package "
            "(first directory below the root) and third-party imports are never flagged "
            "unless a `denied-imports` entry names them. A package the declared layers split "
            "(an import-linter contract's `containers`, or keys such as `billing/views` and "
            "`billing/models`) is judged inside too.",
            "Modules with no declared layer (none in `layers`, the chosen preset or a header, or "
            "outside every root) are skipped on either side of the import: with nothing "
            "declared the rule is silent, because a directory name is not an architecture.",
            "Only direct imports are checked; a chain through an allowed middle layer is not a "
            "violation (import-linter follows indirect chains too). Modules of one layer may "
            "import each other (import-linter's `|` independence is not enforced). Measured "
            "against import-linter 2.17 and tach 0.35.3 themselves on four contract shapes "
            "(tests/test_contract_tools.py, rerun with benchmarks/contract_tools.py): the "
            "same verdict on every direct import except those two differences (import-linter "
            "also counts a `TYPE_CHECKING` import unless `exclude_type_checking_imports` is "
            "set; tach skips it, as TBV002 does).",
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
        # a package the declared layers split (a contract's containers: ``billing/views``,
        # ``billing/models``) is judged inside too; an undivided one is one unit
        self.divided = any(key.startswith(self.own_package + "/")
                           for key in self.ctx.config.layer_map)
        self.denied = self.ctx.config.denied_imports.get(self.layer, ())

    def visit_Import(self, node: ast.Import) -> None:
        self._statement(node, [(alias.name, None) for alias in node.names])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        loc = self.ctx.location
        base = (resolve_relative(loc.module, loc.is_init, node.level, node.module) if node.level
                else node.module or "")
        self._statement(node, [(f"{base}.{alias.name}" if alias.name != "*" else base, base)
                               for alias in node.names])

    def _statement(self, node: ast.AST, names: List[Tuple[str, Optional[str]]]) -> None:
        """One finding per import statement (a root cause), naming each forbidden import."""
        if self.ctx.scope.type_checking:
            return
        found = [v for v in (self._check(name, parent) for name, parent in names) if v]
        if not found:
            return
        loc = self.ctx.location
        whys = list(dict.fromkeys(why for _, why, _ in found))
        details = list(dict.fromkeys(detail for _, _, detail in found))
        self.report(node, importer=loc.module, layer=layer_name(self.layer, loc.ordered),
                    imported=", ".join(dict.fromkeys(imported for imported, _, _ in found)),
                    lazy=LAZY if self.ctx.scope.function is not None else "",
                    why="; ".join(whys), detail="; ".join(details))

    def _check(self, module: str, parent: Optional[str]) -> Optional[Tuple[str, str, str]]:
        """(what is imported, with its layer; why it may not be; where the layers and the
        rule come from) for a forbidden import."""
        if not module:
            return None
        loc, config = self.ctx.location, self.ctx.config
        for prefix in self.denied:
            if module == prefix or module.startswith(prefix + "."):
                return (module, f"denied-imports L{loc.layer} forbids `{prefix}`",
                        f"denied-imports L{loc.layer}: "
                        f"{config.origin('denied-imports', loc.layer, '?')}")
        parts = module.split(".")
        if parts[0] != self.root_package or len(parts) < 2 or (
                parts[1] == self.own_package and not self.divided):
            return None  # third-party, the root package itself, or the module's own package
        shown = module
        if parent and parent != module and module_file(self.ctx.fs, self.root, module) is None:
            # ``from app.worker.pool import WorkerPool``: a name, not a submodule
            shown = f"{module[len(parent) + 1:]} from {parent}"
            module = parent
        found = module_layer(self.root, module, config, self.ctx.fs)
        allowed = config.allowed_imports.get(self.layer)
        if found is None or allowed is None or found[0] == loc.layer or found[0] in allowed:
            return None
        origin = config.origin("allowed-imports", loc.layer, "the default matrix")
        ordered = loc.ordered
        may = (f"may import only {_layers(allowed, ordered)}" if allowed
               else "may import no other layer")
        here = layer_name(self.layer, ordered)
        rule = origin if ordered else f"allowed-imports L{loc.layer} in {origin}"
        return (f"{shown} ({layer_name(found[0], ordered)})", f"{here} {may}",
                f"{module} is {layer_name(found[0], ordered)} by {found[1]}; the rule: {rule}")
