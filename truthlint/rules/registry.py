"""The rule registry: the single source of every code's name, message and documentation.

``docs/rules/CODE.md`` and the README's rule table are generated from here
(``python -m truthlint.adapters.docs``) and a test fails when they drift.
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Tuple

FAMILIES = {
    "STI": "structural truth",
    "TBV": "temporal boundaries (when code runs)",
    "SOI": "state ownership",
}


class RuleDoc(NamedTuple):
    code: str
    name: str          # kebab-case; reads as "allow <name>"
    message: str       # str.format template, one line, without the code
    summary: str       # what it does
    rationale: str     # why it matters
    seed: str          # the seed audit IDs it generalises
    bad: str           # a flagged example
    good: str          # its fix
    options: Tuple[str, ...] = ()
    limits: Tuple[str, ...] = ()
    opt_in: bool = False
    enabled_by: str = ""  # an opt-in rule that a setting turns on, rather than selecting it

    @property
    def off_by_default(self) -> bool:
        """Opt-in rules that flake8 and the CLI skip until selected by code."""
        return self.opt_in and not self.enabled_by

    @property
    def family(self) -> str:
        return self.code[:3]


_RULES = (
    RuleDoc(
        code="STI001",
        name="db-write-in-api",
        message="DB write {call} in L2 module {module} (layer from {origin}); receiver "
                "{receiver} — move the write into an L4 service and call that service instead",
        summary="Flags a database write made directly inside an L2 (HTTP API) module: "
                "`session.add/add_all/delete/merge/flush/bulk_*`, and `execute`/`exec` of "
                "`insert()/update()/delete()` statements or of raw SQL that starts with INSERT, "
                "UPDATE, DELETE, UPSERT, MERGE, REPLACE, CREATE, DROP, ALTER or TRUNCATE. The "
                "receiver must be known to be a DB session or connection: by annotation "
                "(`Session`, `AsyncSession`, `Connection`, an `Annotated[Session, ...]` alias), "
                "`Depends(get_db)`-style defaults, `with Session(engine) as s`, "
                "`async with async_session() as s`, assignment from a session factory, or one "
                "of the conventional names in `session-names`.",
        rationale="The seed's Phase 2B guarantee is \"no DB writes in L2 APIs — all writes "
                  "owned by L4 services\". A route that writes directly couples HTTP shape to "
                  "persistence and bypasses the write services that own each entity. The grep "
                  "gate the seed's team tried was ~5% precise because it flagged reads; this "
                  "rule only flags writes on receivers known to be sessions.",
        seed="STI-001, Phase 2B guarantee",
        bad="""# app/api/items.py
@router.post("/items")
def create_item(item: ItemIn, session: Session = Depends(get_session)):
    session.add(Item(**item.dict()))
    session.commit()
""",
        good="""# app/api/items.py
@router.post("/items")
def create_item(item: ItemIn, items: ItemWriteService = Depends(get_item_service)):
    return items.create(item)
""",
        options=("session-names", "layers"),
        limits=(
            "Only the receiver kinds listed above count as sessions; a session passed through "
            "an untyped helper argument with an unconventional name is not seen.",
            "Writes made by calling a project helper that writes are not followed (the project "
            "index will add this).",
            "`commit()`/`rollback()` are SOI004's, so one line never carries both codes.",
        ),
    ),
    RuleDoc(
        code="STI002",
        name="layer-claim-mismatch",
        message="{module} claims L{layer} ({origin}) but {evidence} — split the module by "
                "layer, or correct its claim in the layer map or its `# Layer:` header",
        summary="Infers the layers a module's behaviour shows — declares HTTP routes (L2), "
                "wraps an external protocol or SDK client (L3), runs background work: "
                "executors, schedulers, task decorators, `while True` polling loops (L5), defines "
                "ORM tables, engines or session factories (L6) — and flags a module whose claimed "
                "layer is contradicted by evidence of another layer while it shows none of its "
                "own, or that mixes routes with background work. The message names the evidence "
                "line of each behaviour; the finding sits on the first one.",
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
        options=("layers",),
        limits=(
            "Calling an external service (httpx, redis, boto3, an LLM SDK) is normal in every "
            "layer and is not evidence against a claim; only token decoding "
            "(`jwt`, `jose`, `authlib`, `itsdangerous`) inside an L4 module counts, the seed's "
            "auth/ hybrid. It supports an L3 claim, and storage clients support an L6 claim.",
            "L4 has no positive evidence of its own (it is what is left), so an L4 module is "
            "flagged only on positive evidence of another layer.",
            "`__init__.py` files are not judged (they re-export).",
        ),
    ),
    RuleDoc(
        code="STI003",
        name="duplicate-sibling-package",
        message="{unit} and its sibling {other} both normalise to '{key}' — merge them, or rename "
                "one so the names say how they differ",
        summary="Flags sibling packages or modules whose names collide once case, a plural `s` "
                "(`ies` → `y`) and an `_impl(s)` suffix are set aside: `planner/` vs "
                "`planners/`, `worker/` vs `workers/`, `policy/` vs `policies.py`. Reported once "
                "per pair on each side: a package's `__init__.py`, the first module of a "
                "directory without one, or the module file itself, at line 1.",
        rationale="The seed had `planner/` next to `planners/` (which one is authoritative?) and "
                  "`worker/` next to `workers/`: imports pick one by accident and the other "
                  "rots.",
        seed="STI-003, naming collisions",
        bad="""app/planner/__init__.py     # stub planner
app/planners/__init__.py    # production planners
""",
        good="""app/planners/__init__.py
app/planners/stub.py        # the stub lives with the real ones
""",
        limits=("Names that merely share a prefix (`route/` vs `router/`) never collide.",),
    ),
    RuleDoc(
        code="STI004",
        name="hidden-module",
        message="package {package} exports none of its public submodules and no module imports "
                "{submodules} — re-export its API in __init__.py (or declare __all__), or delete "
                "dead modules",
        summary="Flags a package whose `__init__.py` exports none of its public submodules (no "
                "`__all__`, no import from a submodule, no lazy loader naming one) while some of "
                "them are imported by no module of the project either: code that is unreachable "
                "or dead. Reported at line 1 of the `__init__.py`, naming those submodules.",
        rationale="The seed found `observability/cost_tracker.py` and the four files of "
                  "`tasks/` reachable only by deep import: code that is either dead or wired "
                  "in by a path nobody can see from the package.",
        seed="STI-004, tasks/ \"silent module\"",
        bad="""# app/tasks/__init__.py
\"\"\"Background tasks.\"\"\"
# (tasks/recovery_queue.py and tasks/memory_update.py exist beside it)
""",
        good="""# app/tasks/__init__.py
\"\"\"Background tasks.\"\"\"
from .memory_update import update_memory
from .recovery_queue import enqueue_recovery

__all__ = ["enqueue_recovery", "update_memory"]
""",
        limits=(
            "The package root itself and test packages are never flagged.",
            "A submodule that any module imports (even by deep import, even inside a function) "
            "counts as reachable: packages used through deep imports by convention are not "
            "flagged.",
        ),
    ),
    RuleDoc(
        code="STI005",
        name="placeholder-package",
        message="{what} — populate it or delete it",
        summary="Flags a placeholder: a package whose `__init__.py` holds nothing but a "
                "docstring or comments and whose directory holds nothing else (no modules, "
                "subpackages or data files), or a module that "
                "says it holds jobs or tasks (by its package name or docstring) and defines no "
                "function or class.",
        rationale="The seed's `jobs/` was seven lines exporting nothing and `tasks/` was an "
                  "empty shell; placeholders make the layer map claim capabilities the code "
                  "does not have.",
        seed="STI-005, STI-010",
        bad="""# app/jobs/__init__.py  (no other files in jobs/)
\"\"\"Background aggregation jobs.\"\"\"
""",
        good="""# app/jobs/__init__.py
\"\"\"Background aggregation jobs.\"\"\"
from .daily import aggregate_daily_costs

__all__ = ["aggregate_daily_costs"]
""",
        limits=(
            "Namespace-marker `__init__.py` files of packages with submodules are never "
            "flagged (STI004 covers packages that hide their submodules), nor are resource "
            "packages whose directory holds data files.",
        ),
    ),
    RuleDoc(
        code="STI006",
        name="missing-init",
        message="{directory} has no __init__.py, so {module} lives in an implicit namespace "
                "package under root {root} — add {directory}/__init__.py, or list the directory "
                "in namespace-packages",
        summary="Flags every `.py` file in a directory below a package root that has no "
                "`__init__.py` (an implicit namespace package), at line 1 of the file.",
        rationale="The seed's `runtime/` and `workers/` had no `__init__.py`: no public API, "
                  "tools that discover packages skip them, and `workers/` silently shadowed "
                  "nothing while colliding in name with `worker/`.",
        seed="STI-006, STI-007",
        bad="""# app/runtime/replay.py   (app/runtime/__init__.py does not exist)
def replay(run_id): ...
""",
        good="""# app/runtime/__init__.py
\"\"\"Runtime helpers: failure catalogue and replay.\"\"\"
from .replay import replay
""",
        options=("roots", "namespace-packages"),
        limits=(
            "Files outside every package root (scripts/, a tests/ directory with no "
            "`__init__.py` above it) are never checked.",
            "Root detection takes the topmost directory with an `__init__.py` below the "
            "project directory (or one named `app`); set `roots` when that guess is wrong.",
        ),
    ),
    RuleDoc(
        code="STI011",
        name="authoritative-language",
        message="advisory module {module} states '{word}' as fact in a {kind} — hedge it "
                "(\"likely\", \"predicted\", \"may\"): advisory output must not read as a "
                "verdict",
        summary="In packages configured as advisory (`advisory-packages`, default "
                "`predictions`), flags string literals, docstrings and log/exception messages — "
                "and comments when `check-comments` is on — that use authoritative wording from "
                "`authoritative-words` (default: confirmed, guaranteed, certain, definitely, "
                "will fail, will occur, must happen, detected root cause). Words match whole, in "
                "any case.",
        rationale="The seed's `predictions/` is an advisory-only canary, but nothing stopped "
                  "its output from saying \"failure confirmed\": operators act on the wording, "
                  "not on the package's intent (the seed's semantic enforcement gap).",
        seed="STI-011",
        bad="""# app/predictions/canary.py
def explain(score):
    return f"Failure confirmed: the run will fail (score {score})"
""",
        good="""# app/predictions/canary.py
def explain(score):
    return f"Failure likely: the run may fail (score {score})"
""",
        options=("advisory-packages", "authoritative-words", "check-comments"),
        limits=(
            "Identifiers are never checked, nor words inside longer words (`uncertain`).",
            "Single-word strings (`\"confirmed\"` as a status value) are values, not prose, "
            "and are not checked.",
        ),
    ),
    RuleDoc(
        code="STI012",
        name="permission-anomaly",
        message="{problem} — a container or service running as another user cannot read it; "
                "make files 0644 and directories 0755",
        summary="Flags a source file that other users cannot read (mode 600, 640 …), a "
                "directory between the package root and the file that other users cannot enter "
                "(700, 750 …), and, for a package's `__init__.py`, a data file beside it with the "
                "same problem. Reported at line 1.",
        rationale="The seed found 600 JSON files in `schemas/`, a 700 `secrets/` directory and "
                  "600 specs: images built from that tree break as soon as the app runs as a "
                  "non-root user.",
        seed="STI-012",
        bad="""$ ls -l app/schemas/
-rw------- 1 dev dev  812 failure_catalog.json
""",
        good="""$ chmod 0644 app/schemas/failure_catalog.json
-rw-r--r-- 1 dev dev  812 failure_catalog.json
""",
        limits=(
            "Editor buffers (stdin) are not checked; nor are platforms without POSIX modes.",
            "Directories above the package root (a home directory with mode 700) are not "
            "judged.",
        ),
    ),
    RuleDoc(
        code="STI013",
        name="silent-fallback",
        message="{function}() falls back to {fallback} when {trigger}, without a warning — log "
                "at warning level, call warnings.warn, or raise in strict mode",
        summary="Flags configuration auto-detection that degrades silently: inside a function, a "
                "`return` of an in-memory, no-op or local stand-in (`InMemory*`, `Noop*`, "
                "`Null*`, `Dummy*`, `Fake*`, `Stub*`, `Local*`, `Logging*`, `Sqlite*` …) in an "
                "`except` handler for an import, connection, timeout or lookup error, or in a "
                "branch taken when an environment variable or setting is missing — unless that "
                "handler or branch warns or raises.",
        rationale="The seed's `stores/` picked an in-memory budget store whenever Redis was not "
                  "configured: a production deploy with a typo in REDIS_URL ran with per-process "
                  "budgets and nobody knew.",
        seed="STI-013",
        bad="""def get_budget_store():
    url = os.getenv("REDIS_URL")
    if not url:
        return InMemoryBudgetStore()
    return RedisBudgetStore(url)
""",
        good="""def get_budget_store():
    url = os.getenv("REDIS_URL")
    if not url:
        logger.warning("REDIS_URL unset: budgets are per-process (in-memory)")
        return InMemoryBudgetStore()
    return RedisBudgetStore(url)
""",
        limits=(
            "Logging at info or debug level does not count as visible.",
            "Fallbacks are recognised by their class name; a stand-in with an ordinary name "
            "is missed.",
        ),
    ),
    RuleDoc(
        code="STI014",
        name="duplicate-implementation",
        message="class {cls} duplicates the role of {others} — finish the migration to one "
                "implementation and delete the other",
        summary="Flags two classes of the same role (the last word of the name: `Middleware`, "
                "`Engine`, `Service` …) in different modules whose names normalise to the same "
                "word (`TenancyMiddleware` / `TenantMiddleware`): the legacy/new debt pair. "
                "Opt-in: enable it with `--extend-select STI014`.",
        rationale="The seed's middleware/ kept an old and a new TenancyMiddleware, and two RBAC "
                  "implementations enforced different rules (STI-014, PEI-001).",
        seed="STI-014, PEI-001",
        bad="""# app/middleware/tenancy.py
class TenancyMiddleware: ...
# app/middleware/tenant.py
class TenantMiddleware: ...
""",
        good="""# app/middleware/tenant.py
class TenantMiddleware: ...   # the one implementation
""",
        limits=(
            "Protocols, ABCs, abstract bases and classes that inherit from each other are not "
            "duplicates; test doubles (`Fake*`, `Mock*`, `Stub*`, `Dummy*`) are ignored.",
            "Name normalisation is a light stemmer: it pairs `Tenancy`/`Tenant`, not synonyms.",
        ),
        opt_in=True,
    ),
    RuleDoc(
        code="TBV001",
        name="import-time-side-effect",
        message="{call} {effect} at import time — move it into a function called from the "
                "app's lifespan/startup handler (or a lazy getter)",
        summary="Flags a call that does real work when the module is imported: DB engines, "
                "connections and `init_db()`/`metadata.create_all()`, network and SDK clients "
                "(`redis.Redis`, `httpx.Client`, `boto3.client`, `anthropic.Anthropic()`, "
                "`openai.OpenAI()`), thread and process starts, subprocesses, file loads "
                "(`open()`, `json.load(...)`), `asyncio.run`/`uvicorn.run`, and any call listed "
                "in `side-effect-calls`. Module level, class bodies, decorators and default "
                "arguments all run at import.",
        rationale="The seed's `main.py` ran `init_db()` at import: every process that imports "
                  "the app (tests, workers, scripts, Alembic) connects to the database, and an "
                  "unreachable DB breaks the import itself.",
        seed="TBV-001",
        bad="""# app/main.py
app = FastAPI()
init_db()
engine = create_engine(settings.database_url)
""",
        good="""# app/main.py
@asynccontextmanager
async def lifespan(app):
    init_db()
    yield

app = FastAPI(lifespan=lifespan)
""",
        options=("side-effect-calls",),
        limits=(
            "Calls to project functions are followed through the project index (up to 8 calls "
            "deep) and the message shows the chain, e.g. `get_planner()` → "
            "app/planners/__init__.py:9 `anthropic.Anthropic()`; calls through variables, "
            "callbacks or methods of instances are not followed. `init_db()` is flagged by name.",
            "Calls under `if __name__ == \"__main__\":` and `if TYPE_CHECKING:` never run on "
            "import and are not flagged.",
        ),
    ),
    RuleDoc(
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
    ),
    RuleDoc(
        code="TBV003",
        name="sync-in-async",
        message="{call} blocks the event loop inside `async def {function}` — {fix}",
        summary="Flags blocking work inside `async def`: `time.sleep`, `requests.*`, "
                "`urllib.request.*`, `subprocess.run/call/check_*`, `os.system`, `asyncio.run` "
                "inside the running loop, `.result()` on an executor future (`executor.submit(...)`), "
                "and I/O on a "
                "sync DB session (a `Session`-typed parameter, `Session(...)`, a session factory "
                "known to be sync, or a FastAPI `Depends(...)` whose dependency, defined in the "
                "same file, yields a sync session).",
        rationale="The seed's Phase 2B debt: async routes using sync DB sessions. One blocking "
                  "call stalls every request on that worker for its whole duration; under load "
                  "the service looks down while the CPU idles.",
        seed="TBV-003, Phase 2B debt",
        bad="""@router.get("/runs/{run_id}")
async def get_run(run_id: int, session: Session = Depends(get_session)):
    run = session.get(Run, run_id)
    time.sleep(0.1)
    return run
""",
        good="""@router.get("/runs/{run_id}")
async def get_run(run_id: int, session: AsyncSession = Depends(get_async_session)):
    run = await session.get(Run, run_id)
    await asyncio.sleep(0.1)
    return run
""",
        options=("session-names",),
        limits=(
            "Work handed to `asyncio.to_thread`, `loop.run_in_executor` or "
            "`run_in_threadpool` is passed as a callable, not called, and so is never flagged; "
            "neither are awaited calls.",
            "A session known only by its conventional name, or from a dependency defined in "
            "another module, has no known kind and is not flagged (the project index will "
            "resolve dependencies across files).",
            "Blocking calls inside a sync helper that the coroutine calls are not followed.",
        ),
    ),
    RuleDoc(
        code="TBV004",
        name="import-cycle",
        message="import of {imported} closes an import cycle: {cycle} — move what both need "
                "into a module they both import, or import it inside the function that uses it",
        summary="Flags a module-level import that is an edge of a cycle in the project's "
                "module-level import graph, on every such import in the file; the message lists "
                "the shortest cycle through it. The graph comes from the project index.",
        rationale="The seed's dependency map recorded \"circular dependencies: 0\" as a health "
                  "metric; a cycle makes import order matter, breaks partial imports and hides "
                  "layering mistakes. The metric stays true only if every new edge is checked.",
        seed="seed metric \"circular dependencies: 0\"",
        bad="""# app/services/runs.py
from app.policy.engine import evaluate
# app/policy/engine.py
from app.services.runs import Run
""",
        good="""# app/contracts/runs.py   (both import the shared type from here)
class Run: ...
""",
        limits=(
            "Imports inside functions and under `if TYPE_CHECKING:` do not run at import and "
            "are not edges.",
            "An import of `a.b.c` is an edge to that module only, not to the packages `a` and "
            "`a.b` whose `__init__` also runs.",
        ),
    ),
    RuleDoc(
        code="SOI001",
        name="duplicate-table-model",
        message="model {model} maps table '{table}', as does {others} — keep one model per "
                "table and import it everywhere",
        summary="Flags two ORM models in the project that map to the same table — by explicit "
                "`__tablename__`, SQLModel's default name (`table=True`: the lower-cased class "
                "name) or `Table(\"name\", ...)` — on both classes, each naming the other.",
        rationale="The seed's `db.py` and `models/costsim_cb.py` defined sync and async twins of "
                  "the circuit-breaker tables: two schemas for one table drift apart silently "
                  "until a migration or a write breaks.",
        seed="SOI-001, STI-008",
        bad="""# app/db.py
class CostSimCBState(SQLModel, table=True):
    __tablename__ = "costsim_cb_state"
# app/models/costsim_cb.py
class CostSimCBStateModel(SQLModel, table=True):
    __tablename__ = "costsim_cb_state"
""",
        good="""# app/models/costsim_cb.py   (the one model)
class CostSimCBState(SQLModel, table=True):
    __tablename__ = "costsim_cb_state"
# app/db.py
from app.models.costsim_cb import CostSimCBState
""",
        limits=(
            "Abstract bases (`__abstract__ = True`, SQLModel classes without `table=True`) and "
            "Alembic or other `migrations/` files are not models; a re-export is the same model.",
            "SQLAlchemy declarative classes without an explicit `__tablename__` (names made by a "
            "`declared_attr` on a base) are not seen.",
        ),
    ),
    RuleDoc(
        code="SOI002",
        name="module-singleton",
        message="module-level {name} {what}: per-process state, lost on restart and not shared "
                "between workers — keep it in Redis or the DB, or build it in the app's "
                "lifespan and inject it",
        summary="Flags per-process mutable state at module level: instances of classes with "
                "mutable state (a class in the same file whose methods change `self`, or an "
                "imported class whose name says it keeps state: `*Limiter`, `*Tracker`, "
                "`*Cache`, `*Registry`, `InMemory*` …), containers that functions mutate, flags "
                "that functions rebind with `global`, and the lazy `_x = None` + `global _x` "
                "getter. Reported at the module-level binding.",
        rationale="The seed's `main.py` held `rate_limiter = RateLimiter()` and "
                  "`budget_tracker = BudgetTracker()`: with four uvicorn workers each enforces "
                  "a quarter of the limit, and every deploy resets them.",
        seed="SOI-002, SOI-003, PEI-004",
        bad="""# app/main.py
rate_limiter = RateLimiter()

_cache = {}

def remember(key, value):
    _cache[key] = value
""",
        good="""# app/main.py
@asynccontextmanager
async def lifespan(app):
    app.state.rate_limiter = RedisRateLimiter(redis_url)
    yield
""",
        options=("stateless-types",),
        limits=(
            "Loggers, routers and apps, compiled regexes, locks, constants (containers no "
            "function mutates), TypeVars, ContextVars, declarative bases, prometheus metrics, "
            "auth scheme objects, templates and settings are never flagged; add your own "
            "stateless classes to `stateless-types`.",
            "Lazy globals that hold DB engines, session factories or network/SDK clients are "
            "per-process by design and not flagged.",
            "An imported class is judged by its name only, until the project index can look "
            "inside it.",
        ),
    ),
    RuleDoc(
        code="SOI003",
        name="class-singleton",
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
                "flagged.",),
    ),
    RuleDoc(
        code="SOI004",
        name="transaction-outside-owner",
        message="{call} controls a transaction in {module}, outside the transaction owners "
                "({owners}); receiver {receiver} — let the owning service commit or roll back",
        summary="Flags `commit()`, `rollback()`, `begin()` and `begin_nested()` on a DB session "
                "(same receiver rules as STI001) in a module outside `transaction-owners` "
                "(default: the `services` package).",
        rationale="The seed's CI signal \"transaction ownership\" was ~20% precise as a grep "
                  "because `write_service.commit()` is correct delegation. Only the services "
                  "that own an entity's writes should decide when its transaction ends.",
        seed="CI signal \"transaction ownership\"",
        bad="""# app/worker/runner.py
def finish_run(session: Session, run: Run):
    run.status = "done"
    session.commit()
""",
        good="""# app/worker/runner.py
def finish_run(runs: RunWriteService, run: Run):
    runs.mark_done(run)
""",
        options=("transaction-owners", "session-names"),
        limits=(
            "Generator dependencies that `yield` the session (the unit-of-work provider "
            "pattern) own the request's transaction and are not flagged.",
            "Test files (`tests/`, `test_*.py`, `*_test.py`, `conftest.py`) are not checked.",
        ),
    ),
    RuleDoc(
        code="SOI005",
        name="write-outside-owner",
        message="{call} writes {model} in {module}, but {owner} owns {model}'s writes ({origin}) "
                "— call the owner's write API instead",
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
    ),
)

RULES: Dict[str, RuleDoc] = {rule.code: rule for rule in _RULES}
