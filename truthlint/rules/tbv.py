"""TBV — temporal boundaries: code that runs at the wrong time."""

from __future__ import annotations

import ast
from typing import List, Set, Tuple

from ..core.names import dotted, last_name
from ..facts.summary import Summary
from ..core.context import FileContext
from ..project.view import view_of
from .base import Rule
from ..facts.sessions import SessionFacts
from ..facts.catalogue import FILE, THREAD, THREAD_TYPES, is_thread_start, side_effect

PATH_TYPES = frozenset({"pathlib.Path", "Path", "pathlib.PurePath"})


class ImportTimeSideEffect(Rule):
    """TBV001: work done while the module is being imported."""

    codes = ("TBV001",)

    needs = (Summary,)

    def begin(self) -> None:
        self.consumed: Set[int] = set()
        self.threads: Set[str] = set()
        self.project_calls: List[Tuple[ast.Call, str, bool]] = []  # followed in end()
        loc = self.ctx.location
        self.root_package = loc.module.split(".")[0] if loc.module else None

    def visit_Assign(self, node: ast.Assign) -> None:
        if (self.ctx.scope.import_time and isinstance(node.value, ast.Call)
                and self.ctx.qualify(node.value.func) in THREAD_TYPES):
            self.threads.update(t.id for t in node.targets if isinstance(t, ast.Name))

    def _effect(self, node: ast.Call):  # type: ignore[no-untyped-def]
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
        if not self.ctx.scope.import_time or id(node) in self.consumed:
            return
        effect = self._effect(node)
        if effect is None:
            self._remember_project_call(node)
            return
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call):
                self.consumed.add(id(inner))
        self.report("TBV001", node, call=f"`{call_text(node)}`", effect=effect)

    def _remember_project_call(self, node: ast.Call) -> None:
        """A call of a project function at import time: its effects are looked up in end()."""
        if self.root_package is None:
            return
        func = node.func
        if isinstance(func, ast.Name) and func.id not in self.ctx.imports.aliases:
            self.project_calls.append((node, func.id, True))
            return
        head = dotted(func)
        if head is None:
            return
        target = self.ctx.imports.aliases.get(head.split(".")[0], "")
        if target.split(".")[0] == self.root_package:
            self.project_calls.append((node, self.ctx.qualify(func) or head, False))

    def end(self) -> None:
        if not self.project_calls:
            return
        view = view_of(self.ctx)
        if view is None:
            return
        for node, qual, local in self.project_calls:
            found = view.effect_chain(qual, local)
            if found:
                rows, effect = found
                steps = " → ".join(f"{path}:{line} `{text}`" for path, line, text in rows)
                self.report("TBV001", node, call=f"`{call_text(node)}` → {steps}",
                                effect=effect)


def call_text(node: ast.Call) -> str:
    """How a call reads in a message: ``redis.Redis.from_url()``, ``Thread(...).start()``."""
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
        inner = dotted(func.value.func) or last_name(func.value.func) or "call"
        return f"{inner}(...).{func.attr}()"
    return f"{dotted(func) or last_name(func) or 'call'}()"


SESSION_IO = frozenset({"execute", "exec", "scalar", "scalars", "get", "query", "commit",
                        "rollback", "flush", "refresh", "merge"})
PROCESS_CALLS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call",
                           "subprocess.check_output", "os.system"})
OFFLOAD = "or offload it with `await asyncio.to_thread(...)` / `run_in_threadpool(...)`"


class SyncInAsync(Rule):
    """TBV003: blocking work inside ``async def``."""

    codes = ("TBV003",)
    needs = (SessionFacts,)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return "async" in ctx.text

    def begin(self) -> None:
        self.awaited: Set[int] = set()
        self.executor_futures: Set[Tuple[ast.AST, str]] = set()  # (function, name)

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

    def _blocking(self, node: ast.Call):  # type: ignore[no-untyped-def]
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
            facts: SessionFacts = self.ctx.collector(SessionFacts)
            session = facts.session(func.value)
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
            self.report("TBV003", node, call=call, function=name, fix=fix)
