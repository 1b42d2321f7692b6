"""TBV001: work done while the module is being imported."""

from __future__ import annotations

import ast
from typing import Any, Dict, List, Optional, Set, Tuple

from ...core.names import last_name
from ...core.walker import MODULE
from ...facts.catalogue import (FILE, RESOURCE_CALLS, THREAD, THREAD_TYPES, WRITE,
                                is_thread_start, side_effect)
from ...core.context import FileContext
from ...facts.summary import Summary, project_call
from ...project.view import IndexView, view_of
from ..base import ParkingRule, RuleDoc
from ._call_text import call_text

PATH_TYPES = frozenset({"pathlib.Path", "Path", "pathlib.PurePath"})


class ImportTimeSideEffect(ParkingRule):
    """TBV001: work done while the module is being imported."""

    doc = RuleDoc(
        code="TBV001",
        name="import-time-side-effect",
        severity="quality",
        message="{call} {effect} at import time{also} — move it into a function called from "
                "the app's lifespan/startup handler (or a lazy getter)",
        evidence="{detail}",
        summary="Flags a call that does real work when the module is imported: DB "
                "connections (`sqlite3.connect`, `psycopg.connect` …) and "
                "`init_db()`/`metadata.create_all()`, network requests (`requests.get`, "
                "`urlopen`) and clients that connect or resolve credentials when built "
                "(`boto3.client`, `pymongo.MongoClient`, Kafka producers), thread and process "
                "starts, subprocesses, file loads (`open()`, `json.load(...)`), "
                "`asyncio.run`/`uvicorn.run`, and any call listed in `side-effect-calls`. Module "
                "level, class bodies, decorators and default arguments all run at import.",
        rationale="The seed's `main.py` ran `init_db()` at import: every process that imports "
                  "the app (tests, workers, scripts, Alembic) connects to the database, and an "
                  "unreachable DB breaks the import itself.",
        seed="TBV-001",
        bad="""# app/main.py
app = FastAPI()
init_db()
FLAGS = json.load(open("/etc/app/flags.json"))
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
            "deep); the message shows the first call and the effect, `--verbose` the whole "
            "chain, e.g. `get_planner()` → app/planners/__init__.py:9 `anthropic.Anthropic()`; "
            "so is a module-level instance "
            "of a project class (`scheduler = Scheduler()`) into its `__init__` and the methods "
            "it calls (a thread, scheduler or executor it builds and starts or submits to). "
            "Calls through variables, callbacks or methods of other instances are not followed. "
            "`init_db()` is flagged by name.",
            "Calls under `if __name__ == \"__main__\":` and `if TYPE_CHECKING:` never run on "
            "import and are not flagged.",
            "A module whose import is not the app's is not judged: `__main__.py`, a "
            "serverless handler module (`def handler(event, context)`), a script (a "
            "`__main__` guard) no module imports, a module every importer imports inside a "
            "function. The ASGI/WSGI app module is judged even with a `__main__` guard.",
            "Reading the package's own data (a path built from `__file__` or "
            "`importlib.resources.files()`, or a project function that builds one) is not "
            "flagged, nor is what runs only in development (`if settings.DEBUG:`, "
            "`if app.debug:`).",
            "Building a client or an engine that does no I/O until first use "
            "(`create_engine`, `redis.Redis`, `httpx.Client`, `anthropic.Anthropic()` …) is "
            "not flagged: it is the libraries' documented module-level idiom.",
        ),
    )
    needs = (Summary,)
    where = {"visit_Call": MODULE, "visit_Assign": MODULE}  # what runs on import

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return not ctx.location.parts or ctx.location.parts[-1] != "__main__.py"  # the program itself

    def begin(self) -> None:
        self.blocks: List[Tuple[int, int]] = []
        # (line, col, text, effect, also, evidence)
        self.found: List[Tuple[int, int, str, str, str, str]] = []
        self.consumed: Set[int] = set()
        self.threads: Set[str] = set()
        self.bundled: Set[str] = set()  # module names bound to paths of the package's own files
        self.derived: Set[str] = set()  # names bound to paths built further from those
        # (line, col, call text, function), followed in judge()
        self.project_calls: List[Tuple[int, int, str, str]] = []

    def visit_Module(self, node: ast.Module) -> None:
        """The module's compound statements (``if``, ``try``, ``with``, ``for``): the effects
        of one block at import are one root cause (an ``if CUSTOM_NAME:`` that downloads a
        logo and writes it), reported once."""
        self.blocks = [(s.lineno, getattr(s, "end_lineno", s.lineno) or s.lineno) for s in node.body
                       if isinstance(s, (ast.If, ast.Try, ast.With, ast.For, ast.While))]

    def visit_Assign(self, node: ast.Assign) -> None:
        if not self.ctx.scope.import_time:
            return
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if isinstance(node.value, ast.Call) and self.ctx.qualify(node.value.func) in THREAD_TYPES:
            self.threads.update(names)
        if names and self._bundled(node.value, direct=True):
            self.bundled.update(names)
        elif names and self._bundled(node.value):
            self.derived.update(names)  # a further path from one: not known to be shipped

    def _bundled(self, expr: ast.AST, direct: bool = False) -> bool:
        """A path into the package's own files (``Path(__file__).parent / "x.json"``,
        ``importlib.resources.files(pkg)``, or a name bound to one of those directly):
        reading data the package ships is not reading the world. A path the environment can
        move (``os.getenv``), or one derived further (``BASE / "data"``), may be anywhere."""
        found = False
        for node in ast.walk(expr):
            if isinstance(node, ast.Name):
                if node.id == "__file__" or (not direct and node.id in self.bundled):
                    found = True
                elif node.id in self.derived:
                    return False
            elif isinstance(node, ast.Attribute) and node.attr in ("getenv", "environ"):
                return False
            elif isinstance(node, ast.Call) and last_name(node.func) in RESOURCE_CALLS:
                found = True
        return found

    def _effect(self, node: ast.Call) -> Optional[str]:
        ctx = self.ctx
        effect = side_effect(node, ctx.qualify(node.func), ctx.config.side_effect_calls)
        if effect:
            return effect
        func = node.func
        if isinstance(func, ast.Attribute):
            if is_thread_start(node, ctx.qualify) or (
                    func.attr == "start" and isinstance(func.value, ast.Name)
                    and func.value.id in self.threads):
                return THREAD
            if func.attr in ("read_text", "read_bytes") and self._is_path(func.value):
                return FILE
        return None

    def _is_path(self, expr: ast.AST) -> bool:
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            return True
        return isinstance(expr, ast.Call) and self.ctx.qualify(expr.func) in PATH_TYPES

    def visit_Call(self, node: ast.Call) -> None:
        scope = self.ctx.scope
        if not scope.import_time or scope.dev_only or id(node) in self.consumed:
            return
        effect = self._effect(node)
        if effect is None or (effect in (FILE, WRITE) and self._bundled(node)):
            if effect is None and not self._bundled(node):
                self._remember_project_call(node)
            return
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call):
                self.consumed.add(id(inner))
        self.found.append((node.lineno, node.col_offset, f"`{call_text(node)}`", effect, "",
                           ""))

    def _remember_project_call(self, node: ast.Call) -> None:
        """A call of a project function at import time: its effects are looked up in end()."""
        called = project_call(self.ctx, node.func)
        if called is not None:
            self.project_calls.append((node.lineno, node.col_offset, call_text(node), called))

    def park(self) -> Optional[Dict[str, Any]]:
        # a serverless handler module (``def handler(event, context)``): work at import is
        # the documented place for a cold start
        ctx = self.ctx
        handler = ctx.has_collector(Summary) and ctx.collector(Summary).data.get("handler")
        if handler or not (self.found or self.project_calls):
            return None
        return {"found": self.found, "calls": self.project_calls, "blocks": self.blocks}

    def judge(self, state: Dict[str, Any]) -> None:
        found = [tuple(f) for f in state["found"]]
        blocks = [tuple(b) for b in state["blocks"]]
        view = view_of(self.ctx)
        if view is not None and view.import_start():
            return  # its import is not the app's: a lazily loaded module or a script
        if view is not None:
            found += self._follow(view, state["calls"])
        by_block: Dict[Tuple[int, int], List[int]] = {}  # block -> lines of its later effects
        first: List[Tuple[int, int, str, str, str, str, Optional[Tuple[int, int]]]] = []
        for line, col, text, effect, also, detail in sorted(found, key=lambda f: (f[0], f[1])):
            block = next((b for b in blocks if b[0] <= line <= b[1]), None)
            if block is not None and block in by_block:
                by_block[block].append(line)
                continue
            if block is not None:
                by_block[block] = []
            first.append((line, col, text, effect, also, detail, block))
        for line, col, text, effect, also, detail, block in first:
            more = by_block.get(block, []) if block is not None else []
            if more:
                lines = ", ".join(str(n) for n in sorted(set(more)))
                word = "line" if len(set(more)) == 1 else "lines"
                also += f" (and {len(more)} more in the same block)"
                detail = "; ".join(filter(None, (detail, f"the same block's other effects: "
                                                         f"{word} {lines}")))
            self.report(line, col, call=text, effect=effect, also=also, detail=detail)

    def _follow(self, view: IndexView,
                calls: List[Any]) -> List[Tuple[int, int, str, str, str, str]]:
        """The project calls, followed to their effects. A function that several modules
        call at import is one root cause: reported once, in the first of them by name."""
        found = []
        for line, col, text, qual in calls:
            chain = view.effect_chain(qual)
            if not chain:
                continue
            rows, effect = chain
            # the modules whose import really runs the call; the first of them reports it
            callers = [m for m in view.index.entry("import_callers", qual) or ()
                       if view.import_start(m) is None]
            if view.module in callers and callers[0] != view.module:
                continue
            others = [view.path_of(m) for m in callers if m != view.module]
            also = detail = ""
            if others:
                shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
                also = f" (one root cause: {len(others) + 1} modules make this call at import)"
                detail = f"the same call at import in {shown}"
            steps = " → ".join(f"{path}:{line} `{step}`" for path, line, step in rows)
            shown_call = f"`{text}` → " + (f"… `{rows[-1][2]}`" if len(rows) > 1 else steps)
            whole = f"the chain: `{text}` → {steps}" if len(rows) > 1 else ""
            found.append((line, col, shown_call, effect, also,
                          "; ".join(filter(None, (whole, detail)))))
        return found
