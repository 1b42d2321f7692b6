"""TBV003: blocking work inside ``async def``."""

from __future__ import annotations

import ast
from typing import List, Optional, Set, Tuple

from ...core.context import FileContext
from ...core.names import dotted
from ...core.walker import COROUTINE
from ...facts.blocking import BLOCKING_CALLS, OFFLOAD, blocking_library_call, session_io
from ...facts.sessions import SessionFacts
from ...facts.summary import Summary
from ...project.view import view_of
from ..base import ParkingRule, RuleDoc
from ._call_text import call_text


class SyncInAsync(ParkingRule):
    """TBV003: blocking work inside ``async def``."""

    doc = RuleDoc(
        code="TBV003",
        name="sync-in-async",
        severity="quality",
        message="{call} blocks the event loop inside `async def {function}`{chain} — {fix}",
        evidence="{detail}",
        summary="Flags blocking work inside `async def`: `time.sleep`, sync HTTP calls "
                "(`requests.get` …, `httpx.get` …, `urllib.request.urlopen`), "
                "`subprocess.run/call/check_*`, `os.system`, `asyncio.run` inside the running "
                "loop, `.result()` on an executor future (`executor.submit(...)`), I/O on a "
                "sync DB session or connection, and a call of a sync project function that "
                "does any of these, directly or through further project functions (the message "
                "names the call that blocks at the end of the chain, `--verbose` the whole "
                "chain). A session is sync on evidence followed across modules: a "
                "`Session`-typed parameter or an alias of one (`SessionDep = "
                "Annotated[Session, Depends(get_db)]`, imported under any name), a "
                "`Depends(...)` whose dependency yields or returns a sync session, "
                "`Session(engine)`, a sync session factory, `engine.connect()` of a sync "
                "engine, a session held as `self.session`, Flask-SQLAlchemy's `db.session`.",
        rationale="The seed's Phase 2B debt: async routes using sync DB sessions. One blocking "
                  "call stalls every request on that worker for its whole duration; under load "
                  "the service looks down while the CPU idles. The blocking call is most often "
                  "one or two helpers away (a service function doing `session.exec()`), so "
                  "the rule follows sync project functions through the project index.",
        seed="TBV-003, Phase 2B debt",
        bad="""# app/api/deps.py
SessionDep = Annotated[Session, Depends(get_db)]

# app/api/routes/reports.py
@router.get("/reports/monthly")
async def monthly(session: SessionDep):
    time.sleep(0.1)
    return monthly_report(session)  # app/orders/service.py: session.exec(...)
""",
        good="""@router.get("/reports/monthly")
async def monthly(session: SessionDep):
    await asyncio.sleep(0.1)
    return await run_in_threadpool(monthly_report, session)
""",
        options=("session-names",),
        limits=(
            "Work handed to `asyncio.to_thread`, `loop.run_in_executor`, "
            "`run_in_threadpool`, `anyio.to_thread.run_sync` or `sync_to_async` is passed as "
            "a callable, not called, and so is never flagged (nor is a call inside a "
            "`lambda`); neither are awaited calls.",
            "A session known only by its conventional name (`session-names`), or from a "
            "dependency whose definition does not say sync or async, has no known kind and "
            "is not flagged.",
            "Sync project functions are followed up to 3 calls below the coroutine's call: "
            "each step is a branch the blocking call may not be on, and a longer chain no "
            "longer reads as one cause. Calls through variables or callbacks, and methods of "
            "objects whose class is not known from an annotation, `Depends(Class)` or "
            "`x = Class(...)`, are not followed; neither is a function with a decorator that "
            "may run it elsewhere (a task, a thread, a cache).",
            "Reading or writing files is not counted as blocking.",
        ),
    )
    needs = (SessionFacts, Summary)
    where = {"visit_Call": COROUTINE, "visit_Assign": COROUTINE, "visit_Await": COROUTINE}

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return "async" in ctx.text

    def begin(self) -> None:
        self.facts = self.ctx.collector(SessionFacts)  # once per file, not per call
        # id(call) -> the project function it calls, as the summary (which sees each call
        # before any rule does) recorded it: only those calls are followed in judge()
        self.callees = (self.ctx.collector(Summary).callees if self.ctx.has_collector(Summary)
                        else {})  # (a file outside every package root has no summary)
        self.awaited: Set[int] = set()
        self.executor_futures: Set[Tuple[Optional[ast.AST], str]] = set()  # (function, name)
        self.project_calls: List[Tuple[ast.Call, str]] = []  # (call, coroutine), followed in end()

    def visit_Await(self, node: ast.Await) -> None:
        if isinstance(node.value, ast.Call):
            self.awaited.add(id(node.value))

    def visit_Assign(self, node: ast.Assign) -> None:
        """``future = executor.submit(...)``: a concurrent future, whose result() blocks (an
        asyncio future's result() does not: it only reads a finished one)."""
        if self._is_submit(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.executor_futures.add((self.ctx.scope.function, target.id))

    def _blocking(self, node: ast.Call) -> Optional[Tuple[str, str, str]]:
        """(what is called, how to fix it, the evidence) for a blocking call, else None."""
        func = node.func
        qual = self.ctx.imports.qualify(func) or ""
        if qual in BLOCKING_CALLS:
            found = blocking_library_call(qual)
            if found is not None:
                return (*found, "")
        if qual == "asyncio.run":
            return ("`asyncio.run()`", "`await` the coroutine: the event loop is already running",
                    "")
        if not isinstance(func, ast.Attribute) or id(node) in self.awaited:
            return None
        if func.attr == "result" and not node.args and self._is_future(func.value):
            return (f"`{call_text(node)}`", "`await` it (asyncio.wrap_future for executor futures)",
                    "")
        receiver = session_io(node)
        if receiver is not None:
            session = self.facts.session(receiver)
            if session is not None and session.kind == "sync":
                return (f"`{call_text(node)}` on a sync DB session",
                        f"use an AsyncSession and await it, {OFFLOAD}",
                        f"receiver {session.evidence}")
        return None

    @staticmethod
    def _is_submit(expr: ast.AST) -> bool:
        return (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)
                and expr.func.attr == "submit")

    def _is_future(self, expr: ast.AST) -> bool:
        if isinstance(expr, ast.Name):
            return (self.ctx.scope.function, expr.id) in self.executor_futures
        return self._is_submit(expr)

    def visit_Call(self, node: ast.Call) -> None:
        scope = self.ctx.scope
        if not scope.in_async or scope.type_checking:
            return
        found = self._blocking(node)
        if found:
            call, fix, detail = found
            self.report(node, call=call, function=getattr(scope.function, "name", "?"),
                        chain="", fix=fix, detail=detail)
        elif (id(node) in self.callees and id(node) not in self.awaited
              and not scope.error_path and not _on_self(node)):
            self.project_calls.append((node, getattr(scope.function, "name", "?")))

    def park(self) -> Optional[List[Tuple[int, int, str, str, str, str]]]:
        """The coroutines' calls of project functions: (line, col, call text, callable shown,
        coroutine, callee), followed to what blocks in :meth:`judge`."""
        if not self.project_calls:
            return None
        callees = self.callees
        calls = []
        for node, name in self.project_calls:
            text = call_text(node)
            calls.append((node.lineno, node.col_offset, text,
                          dotted(node.func) or text.removesuffix("()"), name, callees[id(node)]))
        return calls

    def judge(self, state: List[Tuple[int, int, str, str, str, str]]) -> None:
        view = view_of(self.ctx)
        if view is None:
            return
        for line, col, text, shown, name, callee in state:
            chain = view.blocking_chain(callee)
            if chain is None:
                continue
            rows, what = chain
            steps = " → ".join(f"{path}:{n} `{step}`" for path, n, step in rows)
            depth = f", {len(rows)} calls down" if len(rows) > 1 else ""
            self.report(line, col, call=f"`{text}`", function=name,
                        chain=f" (it reaches `{rows[-1][2]}`{depth})",
                        fix=f"make `{shown}` async, or offload it to a thread "
                            f"(`await asyncio.to_thread({shown}, ...)`)",
                        detail=f"the chain: {steps} {what}")


def _on_self(node: ast.Call) -> bool:
    """``self._helper()`` from a coroutine method: what the helper does depends on the
    object's state (a flag set at construction, a cached value), which the chain cannot see."""
    func = node.func
    return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id in ("self", "cls"))
