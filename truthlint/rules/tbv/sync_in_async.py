"""TBV003: blocking work inside ``async def``."""

from __future__ import annotations

import ast
from typing import Optional, Set, Tuple

from ...core.context import FileContext
from ...facts.sessions import SessionFacts
from ..base import Rule, RuleDoc
from ._call_text import call_text

SESSION_IO = frozenset({"execute", "exec", "scalar", "scalars", "get", "query", "commit",
                        "rollback", "flush", "refresh", "merge"})
PROCESS_CALLS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call",
                           "subprocess.check_output", "os.system"})
OFFLOAD = "or offload it with `await asyncio.to_thread(...)` / `run_in_threadpool(...)`"


class SyncInAsync(Rule):
    """TBV003: blocking work inside ``async def``."""

    doc = RuleDoc(
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
    )
    needs = (SessionFacts,)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return "async" in ctx.text

    def begin(self) -> None:
        self.facts = self.ctx.collector(SessionFacts)  # once per file, not per call
        self.awaited: Set[int] = set()
        self.executor_futures: Set[Tuple[Optional[ast.AST], str]] = set()  # (function, name)

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

    def _blocking(self, node: ast.Call) -> Optional[Tuple[str, str]]:
        """(what is called, how to fix it) for a blocking call, else None."""
        qual = self.ctx.qualify(node.func) or ""
        if qual == "time.sleep":
            return "`time.sleep()`", "use `await asyncio.sleep(...)`"
        if qual.startswith(("requests.", "urllib.request.")):
            return f"`{qual}()`", f"use an async client (httpx.AsyncClient) {OFFLOAD}"
        if qual in PROCESS_CALLS:
            return f"`{qual}()`", f"use `asyncio.create_subprocess_exec` {OFFLOAD}"
        if qual == "asyncio.run":
            return "`asyncio.run()`", "`await` the coroutine: the event loop is already running"
        func = node.func
        if not isinstance(func, ast.Attribute) or id(node) in self.awaited:
            return None
        if func.attr == "result" and not node.args and self._is_future(func.value):
            return f"`{call_text(node)}`", "`await` it (asyncio.wrap_future for executor futures)"
        if func.attr in SESSION_IO:
            session = self.facts.session(func.value)
            if session is not None and session.kind == "sync":
                return (f"`{call_text(node)}` on a sync DB session ({session.evidence})",
                        f"use an AsyncSession and await it, {OFFLOAD}")
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
            call, fix = found
            name = getattr(scope.function, "name", "?")
            self.report(node, call=call, function=name, fix=fix)
