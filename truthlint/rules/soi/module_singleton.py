"""SOI002: per-process mutable state held at module level."""

from __future__ import annotations

import ast
import re
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union, cast

from ...core.names import last_name, singular
from ...facts.catalogue import (CLIENT_FACTORIES, CONTAINER_FACTORIES, MUTATING_METHODS,
                                ONCE_WORDS, PER_PROCESS_WORDS, STATEFUL_PREFIXES,
                                STATEFUL_WORDS, STATELESS_MODULES, STATELESS_NAMES,
                                side_effect)
from ...facts.methods import Methods
from ..base import Rule, RuleDoc

SETUP_METHODS = frozenset({"__init__", "__post_init__", "__new__", "__set_name__",
                           "__init_subclass__", "init_app", "setup", "configure", "initialize"})


class FunctionState:
    """The names one function binds locally and the ones it declares ``global``."""

    __slots__ = ("name", "locals", "globals", "params")

    def __init__(self, name: str) -> None:
        self.name = name
        self.locals: Set[str] = set()
        self.globals: Set[str] = set()
        self.params: Set[str] = set()


def _says(name: str, words: Sequence[str]) -> bool:
    """A word of the name (split at ``_`` and case changes; plurals too) is one of ``words``:
    ``_locks`` and ``TASK_HANDLES`` say it, ``blocked_ips`` does not."""
    parts = [p.lower() for p in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)]
    return any(p in words or singular(p) in words for p in parts)


def _computed(value: Optional[ast.AST], params: Set[str]) -> bool:
    """A stored value the function computed by a call, not one it was handed
    (``store[k] = v``) or counted (``hits[k] = hits.get(k, 0) + 1``)."""
    if not isinstance(value, (ast.Call, ast.Await)):
        return False
    values = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    return not (values and values <= params)


def _advice(what: str) -> str:
    """The fix that fits the object: data belongs in a shared store; an object that keeps
    state is built once in the lifespan and injected (backed by a shared store if it must
    agree across workers)."""
    if what.startswith(("is a lazy singleton", "holds a")):
        return ("build it in the app's lifespan and inject it, backed by Redis or the DB if "
                "workers must agree")
    return "keep it in Redis or the DB, or build it in the app's lifespan and inject it"


def _is_class_name(name: str) -> bool:
    return bool(name) and name[0].isupper() and any(c.islower() for c in name)


class ModuleSingleton(Rule):
    """SOI002: per-process mutable state held at module level."""

    doc = RuleDoc(
        code="SOI002",
        name="module-singleton",
        severity="quality",
        message="module-level {name} {what}: per-process state, lost on restart and not shared "
                "between workers — {advice}",
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
            "Not flagged either: containers whose names say they hold per-process things "
            "(locks, tasks, threads, connections, sockets, loggers, clients, pools) or what "
            "every process fills alike (registries, plugins, handlers, hooks); containers only "
            "decorators or `register*` functions fill; memo caches (a function looks the key "
            "up, then stores what it computed); one-time flags (`_initialized = True`); "
            "anything under `if __name__ == \"__main__\":`; a class whose only change to "
            "`self` is in `init_app`/`setup`/`configure` or an in-place operator.",
            "Opt-in (`--select SOI002`): on six real backends 7% of its findings were true "
            "(docs/precision.md), well under the 90% a default rule needs. Real backends keep "
            "much of their module state per process on purpose (caches they invalidate, "
            "state mirrored to Redis, backends a setting selects), and telling that from lost "
            "state needs data flow the rule does not have yet.",
        ),
        opt_in=True,
    )
    needs = (Methods,)

    def begin(self) -> None:
        self.methods = self.ctx.collector(Methods)  # once per file, not per mutation
        self.bindings: Dict[str, Tuple[ast.AST, Optional[ast.AST]]] = {}
        self.functions: Dict[ast.AST, FunctionState] = {}
        self.mutations: List[Tuple[str, ast.AST, int]] = []   # (name, function, line)
        self.rebinds: List[Tuple[str, ast.AST, int, Optional[ast.AST]]] = []
        self.stateful_classes: Dict[str, str] = {}           # class -> evidence
        self.local_classes: Set[str] = set()
        self.decorators: Set[str] = set()                    # names used as decorators
        # (name, function): stores a value it computed / looks the name up before storing
        self.computed: Set[Tuple[str, ast.AST]] = set()
        self.probed: Set[Tuple[str, ast.AST]] = set()

    # --- collection -------------------------------------------------------------------------

    def _function(self) -> Optional[FunctionState]:
        func = self.ctx.scope.function
        if func is None or isinstance(func, ast.Lambda):
            return None
        state = self.functions.get(func)
        if state is None:
            state = self.functions[func] = FunctionState(getattr(func, "name", "?"))
        return state

    def visit_FunctionDef(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> None:
        state = self.functions[node] = FunctionState(node.name)
        args = node.args
        for arg in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if arg is not None:
                state.locals.add(arg.arg)
                state.params.add(arg.arg)
        for decorator in node.decorator_list:  # @register / @register("x"): filled at import
            name = last_name(decorator.func if isinstance(decorator, ast.Call) else decorator)
            if name:
                self.decorators.add(name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if self.ctx.scope.function is None and self.ctx.scope.cls is None:
            self.local_classes.add(node.name)
        for decorator in node.decorator_list:
            name = last_name(decorator.func if isinstance(decorator, ast.Call) else decorator)
            if name:
                self.decorators.add(name)

    def visit_Global(self, node: ast.Global) -> None:
        state = self._function()
        if state is not None:
            state.globals.update(node.names)

    def _bind(self, *targets: Optional[ast.AST]) -> None:
        """Names a function binds are its locals (unless declared ``global``). Taken from
        the statements that bind, not from every ``Name`` node: the walk then skips names."""
        state = self._function()
        if state is None:
            return
        stack = list(targets)
        while stack:
            target = stack.pop()
            if isinstance(target, ast.Name):
                if target.id not in state.globals:
                    state.locals.add(target.id)
            elif isinstance(target, (ast.Tuple, ast.List)):
                stack.extend(target.elts)
            elif isinstance(target, ast.Starred):
                stack.append(target.value)

    def visit_For(self, node: Union[ast.For, ast.AsyncFor, ast.comprehension, ast.NamedExpr]) -> None:
        self._bind(node.target)

    visit_AsyncFor = visit_comprehension = visit_NamedExpr = visit_For

    def visit_withitem(self, node: ast.withitem) -> None:
        self._bind(node.optional_vars)

    def visit_TypeAlias(self, node: ast.AST) -> None:  # Python 3.12+
        self._bind(node.name)  # type: ignore[attr-defined]

    def visit_Assign(self, node: ast.Assign) -> None:
        self._bind(*node.targets)
        self._assigned(node.targets, node.value, node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._bind(node.target)
        self._assigned([node.target], node.value, node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._bind(node.target)
        self._assigned([node.target], None, node, augmented=True)

    def visit_Delete(self, node: ast.Delete) -> None:
        self._assigned(node.targets, None, node, augmented=True)

    def _assigned(self, targets: List[ast.expr], value: Optional[ast.AST], node: ast.stmt,
                  augmented: bool = False) -> None:
        scope = self.ctx.scope
        state = self._function()
        function = cast(ast.AST, scope.function)  # not None whenever ``state`` is not
        for target in targets:
            if state is None:
                if (scope.cls is None and scope.import_time and isinstance(target, ast.Name)
                        and target.id not in self.bindings and not augmented):
                    self.bindings[target.id] = (node, value)
                continue
            if isinstance(target, ast.Name):
                if target.id in state.globals:
                    self.rebinds.append((target.id, function, node.lineno, value))
                continue
            base = target.value if isinstance(target, (ast.Subscript, ast.Attribute)) else None
            if isinstance(target, ast.Subscript) and isinstance(base, ast.Name):
                self.mutations.append((base.id, function, node.lineno))
                if not augmented and _computed(value, state.params):
                    self.computed.add((base.id, function))
            self._self_mutation(target, node.lineno)

    def visit_Compare(self, node: ast.Compare) -> None:
        """``key in _cache``: a lookup before the store (a memo's first half)."""
        function = self.ctx.scope.function
        if function is not None and isinstance(node.ops[0], (ast.In, ast.NotIn)) \
                and isinstance(node.comparators[0], ast.Name):
            self.probed.add((node.comparators[0].id, function))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        function = self.ctx.scope.function
        if (isinstance(func, ast.Attribute) and func.attr == "get" and isinstance(func.value, ast.Name)
                and function is not None):
            self.probed.add((func.value.id, function))
        if not isinstance(func, ast.Attribute) or func.attr not in MUTATING_METHODS:
            return
        state = self._function()
        if state is None:
            return
        if isinstance(func.value, ast.Name):
            function = cast(ast.AST, self.ctx.scope.function)  # not None: ``state`` is not
            self.mutations.append((func.value.id, function, node.lineno))
        else:
            self._self_mutation(func.value, node.lineno, method=func.attr)

    def _self_mutation(self, target: ast.AST, line: int, method: str = "") -> None:
        """``self.x = ...``/``self.x[k] = ...``/``self.x.append()`` outside the constructor."""
        current = self.methods.current()
        if (current is None or current.first is None or current.name in SETUP_METHODS
                or (current.name.startswith("__i") and current.name.endswith("__"))):
            return  # set-up, or an in-place operator (``x /= y`` on a module constant is rare)
        while isinstance(target, ast.Subscript):
            target = target.value
        if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                and target.value.id == current.first):
            self.stateful_classes.setdefault(
                current.cls.name, f"{current.cls.name}.{current.name}() changes self.{target.attr} "
                                  f"(line {line})")

    # --- judgement --------------------------------------------------------------------------

    def _once_flag(self, name: str, value: Optional[ast.AST]) -> bool:
        """``_initialized = True``: one-time work done once in each process, by design."""
        return (isinstance(value, ast.Constant) and isinstance(value.value, bool)
                and _says(name, ONCE_WORDS))

    def _registry_or_memo(self, name: str) -> bool:
        """Every function that mutates the container is a decorator or a ``register*``
        function (a registry, filled the same way at import in every process), or stores by
        its own arguments (a memo cache of what the arguments determine)."""
        funcs = {func for n, func, _ in self.mutations if n == name}
        return bool(funcs) and all(
            self.functions[f].name in self.decorators or self.functions[f].name.startswith(
                ("register", "_register", "add_", "_add_"))
            or ((name, f) in self.computed and (name, f) in self.probed)
            for f in funcs if f in self.functions)

    def _harmless_value(self, value: Optional[ast.AST]) -> bool:
        """Values a lazy global may hold without being per-process *state*."""
        if not isinstance(value, ast.Call):
            return isinstance(value, ast.Constant) and value.value is None
        qual = self.ctx.qualify(value.func) or ""
        return (qual in CLIENT_FACTORIES or side_effect(value, qual) is not None
                or self._stateless(qual))

    def _stateless(self, qual: str) -> bool:
        name = qual.split(".")[-1]
        extra = self.ctx.config.stateless_types
        return (name in STATELESS_NAMES or qual.startswith(STATELESS_MODULES)
                or qual in extra or name in extra)

    def _instance_state(self, value: ast.Call) -> Optional[str]:
        qual = self.ctx.qualify(value.func) or ""
        name = last_name(value.func)
        if name is None or not _is_class_name(name) or self._stateless(qual) or qual in CLIENT_FACTORIES:
            return None
        if side_effect(value, qual) is not None:
            return None  # a client or connection: TBV001's business, not state
        if name in self.local_classes:
            evidence = self.stateful_classes.get(name)
            return f"holds a {name} instance, and {evidence}" if evidence else None
        if name.endswith(STATEFUL_WORDS) or name.startswith(STATEFUL_PREFIXES):
            return f"holds a {name} instance (its name says it keeps state)"
        return None

    def _container(self, value: Optional[ast.AST]) -> Optional[str]:
        if isinstance(value, ast.Dict):
            return "dict"
        if isinstance(value, ast.List):
            return "list"
        if isinstance(value, ast.Set):
            return "set"
        if isinstance(value, ast.Call):
            qual = self.ctx.qualify(value.func)
            if qual in CONTAINER_FACTORIES:
                return qual.split(".")[-1]
        return None

    def end(self) -> None:
        rebinds: Dict[str, List[Tuple[ast.AST, int, Optional[ast.AST]]]] = {}
        for name, func, line, value in self.rebinds:
            rebinds.setdefault(name, []).append((func, line, value))
        mutated: Dict[str, Tuple[ast.AST, int]] = {}
        for name, func, line in self.mutations:
            state = self.functions.get(func)
            if state is not None and (name not in state.locals or name in state.globals):
                mutated.setdefault(name, (func, line))
        for name, (node, value) in self.bindings.items():
            what = self._judge(name, value, rebinds.get(name, ()), mutated.get(name))
            if what:
                self.report(node, name=f"`{name}`", what=what, advice=_advice(what))

    def _judge(self, name: str, value: Optional[ast.AST],
               rebinds: Sequence[Tuple[ast.AST, int, Optional[ast.AST]]],
               mutated: Optional[Tuple[ast.AST, int]]) -> Optional[str]:
        if _says(name, PER_PROCESS_WORDS):
            return None  # per-process by nature, or the same in every process
        risky = [(f, line) for f, line, v in rebinds
                 if not self._harmless_value(v) and not self._once_flag(name, v)]
        if risky:
            func, line = risky[0]
            fname = self.functions[func].name
            if isinstance(value, ast.Constant) and value.value is None:
                return f"is a lazy singleton that {fname}() fills via `global` (line {line})"
            return f"is rebound by {fname}() via `global` (line {line})"
        kind = self._container(value)
        if kind and mutated and not self._registry_or_memo(name):
            func, line = mutated
            return f"is a {kind} that {self.functions[func].name}() mutates (line {line})"
        if isinstance(value, ast.Call) and not rebinds:
            return self._instance_state(value)
        return None
