"""STI002: a module whose behaviour contradicts the layer it claims."""

from __future__ import annotations

from ...core.context import FileContext
from ...facts.behaviour import BEHAVIOUR, Behaviour
from ..base import Rule, RuleDoc


class LayerClaimMismatch(Rule):
    """STI002: a module whose behaviour contradicts its claimed layer."""

    doc = RuleDoc(
        code="STI002",
        name="layer-claim-mismatch",
        severity="architecture",
        message="{module} claims L{layer} but {evidence} — split the module by "
                "layer, or correct its claim in the layer map or its `# Layer:` header",
        evidence="the claim: {origin}",
        summary="Infers the layers a module's behaviour shows — declares HTTP routes (L2), "
                "wraps an external protocol or SDK client (L3), runs background work: "
                "executors, schedulers, task decorators, `while True` polling loops (L5), defines "
                "ORM tables, engines or session factories (L6) — and flags a module whose claimed "
                "layer is contradicted by evidence of another layer while it shows none of its "
                "own, or that mixes routes with background work. It applies only to modules with "
                "a declared layer (`layers`, a chosen `layer-preset`, a `# Layer:` header, an "
                "import-linter or tach layers contract). The "
                "message names the evidence line of each behaviour; the finding sits on the "
                "first one.",
        rationale="The seed's \"claimed vs actual\" column: `auth/` claimed L4 but parsed JWTs "
                  "(L3) next to its RBAC rules, and `api/` was a hybrid before Phase 2B. A layer "
                  "map that nobody checks against behaviour drifts within a week.",
        seed="STI-002, GDI-001, GDI-004",
        bad="""# Layer: L4 — Domain Engine
router = APIRouter()

@router.get("/policies")
def list_policies(): ...
""",
        good="""# app/api/policies.py  (L2)
router = APIRouter()

@router.get("/policies")
def list_policies(engine: PolicyEngine = Depends(get_policy_engine)):
    return engine.list()
""",
        options=("layers", "layer-preset"),
        limits=(
            "Calling an external service (httpx, redis, boto3, an LLM SDK) is normal in every "
            "layer and is not evidence against a claim; only token decoding "
            "(`jwt`, `jose`, `authlib`, `itsdangerous`) inside an L4 module counts, the seed's "
            "auth/ hybrid. It supports an L3 claim, and storage clients support an L6 claim.",
            "L4 has no positive evidence of its own (it is what is left), so an L4 module is "
            "flagged only on positive evidence of another layer.",
            "`__init__.py` files are not judged (they re-export).",
            "A module with no declared layer is not judged: truthlint guesses no layers from "
            "directory names unless the project chooses the seed preset.",
            "A layer that is a position in an order (`layer-order`, an import-linter or tach "
            "contract) says which layers may import which, not what each one does: STI002 "
            "judges only the layers that carry truthlint's meanings (L2 routes, L3 adapters, "
            "L5 background work, L6 data), from `layers`, a preset or `# Layer:` headers.",
        ),
    )
    needs = (Behaviour,)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        loc = ctx.location
        return loc.layer is not None and not loc.is_init and not loc.ordered

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
        self.report(first[0], first[1], module=loc.module, layer=claimed,
                    origin=loc.layer_origin, evidence=what)
