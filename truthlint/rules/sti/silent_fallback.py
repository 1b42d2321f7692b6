"""STI013: a factory that degrades to an in-memory or no-op stand-in without a warning."""

from __future__ import annotations

import ast
import re
from typing import Any, Dict, List, Optional, Set, Tuple, Union

from ...core.context import FileContext
from ...core.names import last_name
from ..base import Rule, RuleDoc

FALLBACK_RE = re.compile(r"^(InMemory|Memory|Noop|NoOp|Null|Dummy|Fake|Stub|Local|Logging|Console"
                         r"|Sqlite|SQLite|Default|Mock)[A-Z_]|InMemory|NoOp|Noop")
# (no leading ``\b\w*``: it always matches, and made the scan 15x slower)
# what the fall-through shape accepts: stand-ins that keep state only in memory, or drop it
STAND_IN_RE = re.compile(r"^(?:InMemory|Memory|Noop|NoOp|Null|Dummy|Fake|Stub)")
FALLBACK_TEXT_RE = re.compile(r"(?:InMemory|Memory|Noop|NoOp|Null|Dummy|Fake|Stub|Local|Logging"
                              r"|Console|Sqlite|SQLite|Default|Mock)\w{0,80}\(")
# (bounded: ``\w*`` retried from every "Memory" of "MemoryMemory…" made the scan quadratic)
FAILURE_WORDS = ("Import", "NotFound", "Connection", "Connect", "Timeout", "Unavailable",
                 "OSError", "KeyError", "Refused")
LOUD_METHODS = frozenset({"warning", "warn", "error", "exception", "critical", "fatal"})
ENV_CALLS = frozenset({"os.getenv", "os.environ.get", "os.environ.__getitem__"})
# a deliberate switch (``settings.TESTING``, ``DEBUG``, ``USE_REDIS``): choosing a stand-in on
# purpose is not a missing setting
SWITCH_RE = re.compile(r"^(?:TESTING|TEST|TESTS|DEBUG|DEV|DEVELOPMENT|LOCAL|MOCK|DRY_RUN|"
                       r"(?:USE|ENABLE|IS|DISABLE)_\w+|\w+_(?:ENABLED|DISABLED|MODE))$", re.IGNORECASE)


def _fallback(expr: Optional[ast.AST]) -> Optional[str]:
    """``InMemoryStore()`` -> "InMemoryStore()"; anything else -> None."""
    if isinstance(expr, ast.Call):
        name = last_name(expr.func) or ""
        if FALLBACK_RE.search(name):
            return f"{name}()"
    return None


class SilentFallback(Rule):
    """STI013: a factory that degrades to an in-memory/no-op implementation without a word."""

    doc = RuleDoc(
        code="STI013",
        name="silent-fallback",
        severity="quality",
        message="{function}() falls back to {fallback} when {trigger}, without a warning — log "
                "it at warning level or call warnings.warn on that path (a raise only in strict "
                "mode leaves the other path silent)",
        summary="Flags configuration auto-detection that degrades silently: an in-memory, "
                "no-op or local stand-in (`InMemory*`, `Noop*`, `Null*`, `Dummy*`, `Fake*`, "
                "`Stub*`, `Local*`, `Logging*`, `Sqlite*` …) returned — directly, or assigned to "
                "a local or module global the function returns — in an `except` handler for an "
                "import, connection, timeout or lookup error, in a branch taken when an "
                "environment variable or setting is missing, or at the end of a factory whose "
                "configured branches were skipped or failed; unless the path warns or always "
                "raises.",
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
            "Logging at info or debug level does not count as visible, nor does a raise "
            "under a condition (strict mode only): the other path stays silent.",
            "An explicit switch (`settings.TESTING`, `DEBUG`, `USE_*`, `*_ENABLED`, `*_MODE`) "
            "chooses the stand-in on purpose and is not a missing setting.",
            "Fallbacks are recognised by their class name; a stand-in with an ordinary name "
            "is missed.",
        ),
    )

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        """Only files that construct a stand-in at all (one C-speed scan of the text)."""
        return FALLBACK_TEXT_RE.search(ctx.text) is not None

    def begin(self) -> None:
        self.env_names: Dict[Optional[ast.AST], Set[str]] = {}  # function -> names read from the env
        self.reported: Set[int] = set()
        # function -> the names it returns (its nested functions' returns included), as the
        # walk finds them; read in end(), once every return is known
        self.returned: Dict[ast.AST, Set[str]] = {}
        self.parents: Dict[ast.AST, Optional[ast.AST]] = {}  # function -> the one around it
        # judged in end(), in walk order: (branch statements, trigger, function) for a branch;
        # ([], trigger, function, return, stand-in) for a conditional return found in the walk
        self.pending: List[Tuple[Any, ...]] = []
        self.pending_tail: Dict[ast.AST, List[ast.stmt]] = {}  # judged in end()

    def _loud(self, statements: List[ast.stmt]) -> bool:
        """A warning anywhere in the branch, or a raise it always reaches (a raise under an
        ``if``, such as strict mode only, leaves the other path silent)."""
        if any(isinstance(stmt, ast.Raise) for stmt in statements):
            return True
        for stmt in statements:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call):
                    qual = self.ctx.qualify(node.func) or ""
                    if qual == "warnings.warn" or last_name(node.func) in LOUD_METHODS:
                        return True
        return False

    def _returns(self, statements: List[ast.stmt], function: Optional[ast.AST] = None
                 ) -> List[Tuple[ast.AST, str]]:
        """Stand-ins the statements return: ``return InMemoryX()``, or ``x = InMemoryX()``
        (a local or a module global) when the function returns ``x``."""
        found: List[Tuple[ast.AST, str]] = []
        returned = self._returned_names(function)
        for stmt in statements:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Return):
                    fallback = _fallback(node.value)
                    if fallback:
                        found.append((node, fallback))
                elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                        node.targets[0], ast.Name) and node.targets[0].id in returned:
                    fallback = _fallback(node.value)
                    if fallback:
                        found.append((node, fallback))
        return found

    def _returned_names(self, function: Optional[ast.AST] = None) -> Set[str]:
        func = function or self.ctx.scope.function
        return self.returned.get(func, set()) if func is not None else set()

    def _env_test(self, test: ast.AST, function: Optional[ast.AST] = None) -> Optional[str]:
        """What missing configuration a condition checks for, or None."""
        names = self.env_names.get(function or self.ctx.scope.function, set())
        for node in ast.walk(test):
            if isinstance(node, ast.Call) and self.ctx.qualify(node.func) in ENV_CALLS:
                return "the environment variable is unset"
            if isinstance(node, ast.Attribute) and (self.ctx.qualify(node) or "") == "os.environ":
                return "the environment variable is unset"
            if isinstance(node, ast.Name) and node.id in names:
                return f"`{node.id}` (from the environment) is unset"
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    node.value.id in ("settings", "config", "cfg", "conf"):
                if SWITCH_RE.match(node.attr):
                    return None  # an explicit switch: the stand-in is chosen on purpose
                return f"`{node.value.id}.{node.attr}` is not configured"
        return None

    def visit_FunctionDef(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> None:
        """The fall-through shape: a branch on a missing setting, or a ``try`` whose failure
        is swallowed, then, at the end of the body, an in-memory / no-op stand-in assigned to
        the name the factory returns (a plain ``return Default()`` after ``if settings.X:``
        is a default, not a fallback)."""
        self.parents[node] = self.ctx.scope.function
        body = node.body
        if len(body) < 2:
            return
        names = self.env_names.setdefault(node, set())  # read before the walk reaches them
        for stmt in body:
            if (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)
                    and self.ctx.qualify(stmt.value.func) in ENV_CALLS):
                names.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
        configured = any(
            (isinstance(s, ast.If) and self._env_test(s.test, node))
            or (isinstance(s, ast.Try) and any(not self._loud(h.body) for h in s.handlers))
            for s in body[:-2])
        if configured and not self._loud(body[-3:]):
            self.pending_tail[node] = body[-2:]

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        func = self.ctx.scope.function
        if func is not None and isinstance(node.value, ast.Call) and \
                self.ctx.qualify(node.value.func) in ENV_CALLS:
            self.env_names.setdefault(func, set()).update(
                t.id for t in node.targets if isinstance(t, ast.Name))

    def visit_Try(self, node: ast.Try) -> None:
        if self.ctx.scope.function is None:
            return
        for handler in node.handlers:
            caught = ast.unparse(handler.type) if handler.type is not None else "everything"
            if handler.type is not None and not any(w in caught for w in FAILURE_WORDS):
                continue
            if self._loud(handler.body):
                continue
            self.pending.append((handler.body, f"`{caught}` is raised", self.ctx.scope.function))

    def visit_If(self, node: ast.If) -> None:
        if self.ctx.scope.function is None:
            return
        trigger = self._env_test(node.test)
        if trigger is None or self._loud(node.body):
            return
        self.pending.append((node.body, trigger, self.ctx.scope.function))

    def visit_Return(self, node: ast.Return) -> None:
        value = node.value
        function = self.ctx.scope.function
        if isinstance(value, ast.Name):
            while function is not None:  # (what ``_returned_names`` reads in end())
                self.returned.setdefault(function, set()).add(value.id)
                function = self.parents.get(function)
            return
        if isinstance(value, ast.IfExp) and function is not None:
            fallback = _fallback(value.orelse)
            trigger = self._env_test(value.test) if fallback else None
            if fallback and trigger:
                self.pending.append(([], trigger, function, node, fallback))

    def end(self) -> None:
        for statements, trigger, function, *found in self.pending:
            for ret, fallback in [tuple(found)] if found else self._returns(statements, function):
                self._report(ret, fallback, trigger, function)
        for func, tail in self.pending_tail.items():
            for stmt, fallback in self._returns(tail, func):
                # an assignment of the tail itself, of a stand-in (not a Local*/Default* default)
                if stmt in tail and isinstance(stmt, ast.Assign) and STAND_IN_RE.match(fallback):
                    self._report(stmt, fallback, "its configured branches are skipped or fail",
                                 func)

    def _report(self, node: ast.AST, fallback: str, trigger: str,
                function: Optional[ast.AST] = None) -> None:
        if id(node) in self.reported:
            return
        self.reported.add(id(node))
        name = getattr(function or self.ctx.scope.function, "name", "?")
        self.report(node, function=name, fallback=f"`{fallback}`", trigger=trigger)
