"""One traversal per file: every enabled rule subscribes to the node types it needs.

The walk is iterative, so a 1,000-deep expression cannot raise RecursionError, and it
tracks the few facts about position that nearly every rule asks: am I running at import
time, inside which function and class, under ``if TYPE_CHECKING:`` or a ``__main__`` guard.
"""

from __future__ import annotations

import ast
import re
from typing import (Any, Callable, Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Set,
                    Tuple, Type)


def warn(message: str, *args: Any) -> None:
    """A warning on the ``truthlint`` logger, with the traceback when debugging. (logging is
    imported here, on the rare path, not at start-up: 14 ms of a small command run.)"""
    import logging

    log = logging.getLogger("truthlint")
    log.warning(message, *args, exc_info=log.isEnabledFor(logging.DEBUG))


FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class Scope(NamedTuple):
    function: Optional[ast.AST] = None   # innermost def/lambda whose body holds the node
    cls: Optional[ast.ClassDef] = None   # class whose body directly holds the node
    type_checking: bool = False          # under ``if TYPE_CHECKING:``
    main_guard: bool = False             # under ``if __name__ == "__main__":``
    dev_only: bool = False               # under ``if settings.DEBUG:`` / ``if app.debug:``
    error_path: bool = False             # in an ``except`` handler of the innermost function
    on_state: bool = False               # under ``if self.x:`` there: a branch on the object's state

    @property
    def import_time(self) -> bool:
        """True when the node runs as the module is imported."""
        return self.function is None and not self.type_checking and not self.main_guard

    @property
    def in_async(self) -> bool:
        return isinstance(self.function, ast.AsyncFunctionDef)


MODULE_SCOPE = Scope()


def is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def is_main_guard(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    has_name = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    has_main = any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
    return has_name and has_main


DEV_SWITCH_RE = re.compile(r"^(?:debug|dev|development|testing|reload|auto_reload)$", re.IGNORECASE)


def is_dev_guard(test: ast.expr) -> bool:
    """``if settings.DEBUG:``, ``if app.debug and x:``: a branch taken only in development,
    not what the deployed app does (``if not settings.DEBUG:`` is the opposite)."""
    terms = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
    for term in terms:
        name = term.attr if isinstance(term, ast.Attribute) else term.id if isinstance(
            term, ast.Name) else None
        if name and DEV_SWITCH_RE.match(name):
            return True
    return False


def reads_self(test: ast.expr) -> bool:
    """``if self.supports_slug:``, ``if not self._key or x:``: the branch depends on the
    object's configuration or cache. (Only the shapes conditions take: this runs on every
    ``if`` in every function, so no generic walk.)"""
    stack: List[ast.expr] = [test]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Attribute:
            value = node.value  # type: ignore[attr-defined]
            if type(value) is ast.Name and value.id == "self":
                return True
            stack.append(value)
        elif kind is ast.BoolOp:
            stack.extend(node.values)  # type: ignore[attr-defined]
        elif kind is ast.UnaryOp:
            stack.append(node.operand)  # type: ignore[attr-defined]
        elif kind is ast.Compare:
            stack.append(node.left)  # type: ignore[attr-defined]
            stack.extend(node.comparators)  # type: ignore[attr-defined]
        elif kind is ast.Call:
            stack.append(node.func)  # type: ignore[attr-defined]
            stack.extend(node.args)  # type: ignore[attr-defined]
    return False


Handler = Callable[[Any], None]


class Visitor:
    """Base of everything the walker drives: rules and the shared fact collectors.

    Subclasses define ``visit_<NodeType>`` methods; ``begin`` and ``end`` run before and after
    the walk (what needs a node's children waits for ``end``).
    """

    needs: Tuple[Type["Visitor"], ...] = ()  # the collectors whose facts it reads
    codes: Tuple[str, ...] = ()              # the codes it reports (rules only)
    # handlers that only ever act on nodes at module level (``MODULE``: outside every def and
    # lambda) or only inside coroutines (``COROUTINE``): the walk does not call them elsewhere
    where: Dict[str, str] = {}
    # handlers this instance does not need in this file (set before the walk, from its text)
    skipped: FrozenSet[str] = frozenset()

    def begin(self) -> None:
        """Called once before the walk."""

    def end(self) -> None:
        """Called once after the walk."""

    @classmethod
    def subscriptions(cls, prefix: str) -> List[Tuple[Type[ast.AST], str]]:
        """``visit_Call`` -> (ast.Call, "visit_Call")."""
        subs = []
        for name in dir(cls):
            if name.startswith(prefix):
                node_type = getattr(ast, name[len(prefix):], None)
                if isinstance(node_type, type) and issubclass(node_type, ast.AST):
                    subs.append((node_type, name))
        return subs


class Walker:
    """Dispatches each node once to every subscribed visitor, guarding each visitor."""

    def __init__(self, visitors: Iterable[Visitor], ctx: Any) -> None:
        self.ctx = ctx
        self.visitors = list(visitors)
        self.failed: Set[Visitor] = set()
        plan = _plan(tuple((type(v), v.skipped) for v in self.visitors))
        vs = self.visitors
        bound: Dict[Tuple[int, str], Handler] = {}

        def table(subs: Dict[type, Tuple[Tuple[int, str], ...]]
                  ) -> Dict[type, List[Tuple[Visitor, Handler]]]:
            out = {}
            for node_type, entries in subs.items():
                row = []
                for i, name in entries:
                    handler = bound.get((i, name))
                    if handler is None:
                        handler = bound[i, name] = getattr(vs[i], name)
                    row.append((vs[i], handler))
                out[node_type] = row
            return out

        # the enter handlers by the type of the innermost function around the node (None at
        # module level): each list holds only the handlers that may act there
        kinds = {kind: table(subs) for kind, subs in plan.enter.items()}
        self.enter: Dict[type, Dict[type, List[Tuple[Visitor, Handler]]]] = {
            type(None): kinds[MODULE], ast.FunctionDef: kinds[FUNCTION],
            ast.Lambda: kinds[FUNCTION], ast.AsyncFunctionDef: kinds[COROUTINE]}
        self.walked = plan.walked
        self.hooks = plan.hooks

    def _fail(self, visitor: Visitor) -> None:
        """A rule bug must never abort the user's flake8 run: drop the rule for this file, and
        every visitor that reads what a failed collector collected (its ``needs``): it would
        judge on partial facts. The caller drops the findings of every failed visitor."""
        self.failed.add(visitor)
        for table in {id(t): t for t in self.enter.values()}.values():
            for node_type, handlers in table.items():
                table[node_type] = [(v, h) for v, h in handlers if v is not visitor]
        warn("truthlint: %s failed on %s; its findings for this file are skipped",
             type(visitor).__name__, getattr(self.ctx, "display", "?"))
        for other in self.visitors:
            if other not in self.failed and type(visitor) in other.needs:
                self._fail(other)

    def failed_codes(self) -> Set[str]:
        """The codes of the visitors (rules) that failed: their findings are not reported."""
        return {code for v in self.failed for code in v.codes}

    def _hook(self, name: str) -> None:
        for index in self.hooks[name]:  # only the visitors that define the hook
            visitor = self.visitors[index]
            if visitor not in self.failed:
                try:
                    getattr(visitor, name)()
                except Exception:
                    self._fail(visitor)

    def finish(self) -> None:
        """Only the ``end`` hooks: for rules judged from the index alone, with no walk."""
        self._hook("end")

    def run(self, tree: ast.AST) -> None:
        self._hook("begin")
        self._walk(tree)
        if hasattr(self.ctx, "walk_done"):
            self.ctx.walk_done = True
        self._hook("end")

    def _walk(self, tree: ast.AST) -> None:
        """The hot loop of every check, so per node it does only what it must. Each stack
        entry carries the handler table of its scope (module, function or coroutine), looked
        up only where the scope changes."""
        ctx, tables = self.ctx, self.enter
        stack: List[Tuple[Any, Scope, Dict[type, List[Tuple[Visitor, Handler]]]]] = [
            (tree, MODULE_SCOPE, tables[type(None)])]
        pop, push = stack.pop, stack.append
        walked = self.walked  # node types that are pushed: one set test per child
        fields_of = _REVERSED_FIELDS
        while stack:
            node, scope, enter = pop()
            node_type = type(node)
            handlers = enter.get(node_type)
            if handlers:
                ctx.scope = scope
                for visitor, handler in handlers:
                    try:
                        handler(node)
                    except Exception:
                        self._fail(visitor)
            if node_type in SCOPED:  # a def, class or guard: its body has a scope of its own
                body = _body_scope(node, node_type, scope) or scope
                inner = tables[type(body.function)]
                for name in fields_of[node_type]:
                    value = getattr(node, name, None)
                    entry_scope, entry_table = (body, inner) if name == "body" else (scope, enter)
                    if type(value) is list:
                        for item in reversed(value):
                            if type(item) in walked:
                                push((item, entry_scope, entry_table))
                    elif type(value) in walked:
                        push((value, entry_scope, entry_table))
                continue
            for name in fields_of[node_type]:  # pushed in reverse, so they pop in source order
                value = getattr(node, name, None)
                if type(value) is list:
                    for item in reversed(value):
                        if type(item) in walked:
                            push((item, scope, enter))
                elif type(value) in walked:
                    push((value, scope, enter))


MODULE, FUNCTION, COROUTINE = "module", "function", "coroutine"  # where a handler may act


class _Plan(NamedTuple):
    """What a walk with one list of visitor classes subscribes to (by visitor position)."""

    enter: Dict[str, Dict[type, Tuple[Tuple[int, str], ...]]]  # by where the node is
    # node types pushed on the walk's stack: all but the leaves nobody subscribes to (about
    # half of all nodes are such leaves)
    walked: FrozenSet[type]
    hooks: Dict[str, Tuple[int, ...]]  # "begin"/"end" -> visitors that define it


Planned = Tuple[Tuple[Type[Visitor], FrozenSet[str]], ...]  # (class, handlers skipped) each
_PLANS: Dict[Planned, _Plan] = {}  # noqa: SOI002 (a memo per list of visitor classes)


def _plan(planned: Planned) -> _Plan:
    plan = _PLANS.get(planned)
    if plan is None:
        classes = [cls for cls, _ in planned]
        kinds = (MODULE, FUNCTION, COROUTINE)
        entering: Dict[str, Dict[type, List[Tuple[int, str]]]] = {kind: {} for kind in kinds}
        for index, (cls, skipped) in enumerate(planned):
            for node_type, name in cls.subscriptions("visit_"):
                if name in skipped:
                    continue
                only = cls.where.get(name)
                for kind in kinds:
                    if only is None or only == kind:
                        entering[kind].setdefault(node_type, []).append((index, name))
        enter = {kind: {t: tuple(subs) for t, subs in table.items()}
                 for kind, table in entering.items()}
        hooks = {name: tuple(i for i, cls in enumerate(classes)
                             if getattr(cls, name) is not getattr(Visitor, name))
                 for name in ("begin", "end")}
        subscribed = {t for table in enter.values() for t in table}
        walked = ALL_NODE_TYPES - (LEAVES - subscribed)
        plan = _PLANS[planned] = _Plan(enter, walked, hooks)
    return plan


def _subclasses(*bases: type) -> FrozenSet[type]:
    """Every class below ``bases``, at any depth."""
    found: Set[type] = set()
    todo: List[type] = list(bases)
    while todo:
        subs: List[type] = todo.pop().__subclasses__()
        for sub in subs:
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return frozenset(found)


# node types with no child nodes (operators, names, constants …)
LEAVES = frozenset({ast.Name, ast.Constant, ast.alias, ast.Global, ast.Nonlocal, ast.Pass,
                    ast.Break, ast.Continue} | _subclasses(ast.operator, ast.unaryop, ast.cmpop,
                                                           ast.boolop, ast.expr_context))

ALL_NODE_TYPES = _subclasses(ast.AST)

SCOPED = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.If,
                    ast.ExceptHandler})


def _body_scope(node: Any, node_type: type, scope: Scope) -> Optional[Scope]:
    """The scope of ``node.body`` when it differs from the node's own."""
    if node_type is ast.ClassDef:
        return scope._replace(cls=node)
    if node_type is ast.ExceptHandler:
        return scope._replace(error_path=True)
    if node_type is ast.If:
        if is_type_checking(node.test):
            return scope._replace(type_checking=True)
        if is_main_guard(node.test):
            return scope._replace(main_guard=True)
        if is_dev_guard(node.test):
            return scope._replace(dev_only=True)
        if not scope.on_state and scope.function is not None and reads_self(node.test):
            return scope._replace(on_state=True)
        return None
    return scope._replace(function=node, cls=None, error_path=False, on_state=False)


# fields that never hold a node (identifiers, flags, numbers): not worth a getattr. (``name``
# is not among them: ``TypeAlias.name`` is a node.)
SCALAR_FIELDS = frozenset({"ctx", "type_comment", "id", "attr", "arg", "module", "level",
                           "kind", "conversion", "is_async", "simple", "tag"})


def _reversed_fields(node_type: type) -> Tuple[str, ...]:
    names: Tuple[str, ...] = getattr(node_type, "_fields", ())
    return tuple(reversed([f for f in names if f not in SCALAR_FIELDS]))


# each node type's fields that may hold nodes, last first (the walk pushes them in reverse);
# only node types in ALL_NODE_TYPES are ever pushed
_REVERSED_FIELDS: Dict[type, Tuple[str, ...]] = {t: _reversed_fields(t) for t in ALL_NODE_TYPES}
