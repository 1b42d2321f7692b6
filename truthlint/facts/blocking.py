"""Which calls block the calling thread: shared by TBV003 (in ``async def``) and the module
summary (in sync functions, so a coroutine that calls one is seen to block through it)."""

from __future__ import annotations

import ast
from typing import Optional, Tuple

SESSION_IO = frozenset({"execute", "exec", "scalar", "scalars", "get", "query", "commit",
                        "rollback", "flush", "refresh", "merge"})
PROCESS_CALLS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call",
                           "subprocess.check_output", "os.system"})
HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
# the sync HTTP functions (a ``requests.Session()`` or an exception class does no I/O)
SYNC_HTTP = frozenset({f"{module}.{verb}" for module in ("requests", "httpx") for verb in HTTP_VERBS}
                      | {"httpx.stream", "urllib.request.urlopen"})
OFFLOAD = "or offload it to a thread (`await asyncio.to_thread(...)`)"
# work handed to one of these runs in a thread (or is awaited properly): it cuts a chain
OFFLOADERS = frozenset({"asyncio.to_thread", "starlette.concurrency.run_in_threadpool",
                        "fastapi.concurrency.run_in_threadpool", "anyio.to_thread.run_sync",
                        "asgiref.sync.sync_to_async", "run_in_executor"})


BLOCKING_CALLS = frozenset({"time.sleep"}) | SYNC_HTTP | PROCESS_CALLS  # what the next one knows


def blocking_library_call(qual: str) -> Optional[Tuple[str, str]]:
    """(what is called, how to fix it) for a library call that blocks, else None."""
    if qual == "time.sleep":
        return "`time.sleep()`", "use `await asyncio.sleep(...)`"
    if qual in SYNC_HTTP:
        return f"`{qual}()`", f"use an async client (httpx.AsyncClient) {OFFLOAD}"
    if qual in PROCESS_CALLS:
        return f"`{qual}()`", f"use `asyncio.create_subprocess_exec` {OFFLOAD}"
    return None


def session_io(node: ast.Call) -> Optional[ast.AST]:
    """The receiver of ``<receiver>.execute(...)``-style DB I/O, else None (whether the
    receiver is a sync session is the session facts' question)."""
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in SESSION_IO:
        return func.value
    return None
