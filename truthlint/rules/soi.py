"""SOI — state ownership: who holds state, and who may change it."""

from __future__ import annotations

import ast
import re
from typing import Dict, List, Optional, Set, Tuple

from ..core.names import last_name, root_call
from ..facts.methods import Methods, is_generator
from ..core.context import FileContext
from .base import Rule
from ..facts.catalogue import (CLIENT_FACTORIES, CONTAINER_FACTORIES, MUTATING_METHODS,
                         STATEFUL_PREFIXES, STATEFUL_WORDS, STATELESS_MODULES, STATELESS_NAMES,
                         side_effect)
from ..facts.sessions import TRANSACTION_METHODS, SessionFacts

SETUP_METHODS = frozenset({"__init__", "__post_init__", "__new__", "__set_name__",
                           "__init_subclass__"})
INSTANCE_ATTR_RE = re.compile(r"^_*(?:\w*_)?(?:instance|singleton)s?$", re.IGNORECASE)


class FunctionState:
    """The names one function binds locally and the ones it declares ``global``."""

    __slots__ = ("name", "locals", "globals")

    def __init__(self, name: str) -> None:
        self.name = name
        self.locals: Set[str] = set()
        self.globals: Set[str] = set()


def _is_class_name(name: Optional[str]) -> bool:
    return bool(name) and name[0].isupper() and any(c.islower() for c in name)  # type: ignore[index]


class ModuleSingleton(Rule):
    """SOI002: per-process mutable state held at module level."""

    codes = ("SOI002",)
    needs = (Methods,)

    def begin(self) -> None:
        self.bindings: Dict[str, Tuple[ast.AST, Optional[ast.AST]]] = {}
        self.functions: Dict[ast.AST, FunctionState] = {}
        self.mutations: List[Tuple[str, ast.AST, int]] = []   # (name, function, line)
        self.rebinds: List[Tuple[str, ast.AST, int, Optional[ast.AST]]] = []
        self.stateful_classes: Dict[str, str] = {}           # class -> evidence
        self.local_classes: Set[str] = set()

    # --- collection -------------------------------------------------------------------------

    def _function(self) -> Optional[FunctionState]:
        func = self.ctx.scope.function
        if func is None or isinstance(func, ast.Lambda):
            return None
        state = self.functions.get(func)
        if state is None:
            state = self.functions[func] = FunctionState(getattr(func, "name", "?"))
        return state

    def visit_FunctionDef(self, node: ast.AST) -> None:
        state = self.functions[node] = FunctionState(node.name)  # type: ignore[attr-defined]
        args = node.args  # type: ignore[attr-defined]
        for arg in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if arg is not None:
                state.locals.add(arg.arg)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if self.ctx.scope.function is None and self.ctx.scope.cls is None:
            self.local_classes.add(node.name)

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

    def visit_For(self, node: ast.AST) -> None:
        self._bind(node.target)  # type: ignore[attr-defined]

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

    def _assigned(self, targets: List[ast.expr], value: Optional[ast.AST], node: ast.AST,
                  augmented: bool = False) -> None:
        scope = self.ctx.scope
        state = self._function()
        for target in targets:
            if state is None:
                if (scope.cls is None and not scope.type_checking and isinstance(target, ast.Name)
                        and target.id not in self.bindings and not augmented):
                    self.bindings[target.id] = (node, value)
                continue
            if isinstance(target, ast.Name):
                if target.id in state.globals:
                    self.rebinds.append((target.id, scope.function, node.lineno, value))
                continue
            base = target.value if isinstance(target, (ast.Subscript, ast.Attribute)) else None
            if isinstance(target, ast.Subscript) and isinstance(base, ast.Name):
                self.mutations.append((base.id, scope.function, node.lineno))
            self._self_mutation(target, node.lineno)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in MUTATING_METHODS:
            return
        state = self._function()
        if state is None:
            return
        if isinstance(func.value, ast.Name):
            self.mutations.append((func.value.id, self.ctx.scope.function, node.lineno))
        else:
            self._self_mutation(func.value, node.lineno, method=func.attr)

    def _self_mutation(self, target: ast.AST, line: int, method: str = "") -> None:
        """``self.x = ...``/``self.x[k] = ...``/``self.x.append()`` outside the constructor."""
        methods: Methods = self.ctx.collector(Methods)
        current = methods.current()
        if current is None or current.first is None or current.name in SETUP_METHODS:
            return
        while isinstance(target, ast.Subscript):
            target = target.value
        if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                and target.value.id == current.first):
            self.stateful_classes.setdefault(
                current.cls.name, f"{current.cls.name}.{current.name}() changes self.{target.attr} "
                                  f"(line {line})")

    # --- judgement --------------------------------------------------------------------------

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
        if not _is_class_name(name) or self._stateless(qual) or qual in CLIENT_FACTORIES:
            return None
        if side_effect(value, qual) is not None:
            return None  # a client or connection: TBV001's business, not state
        if name in self.local_classes:
            evidence = self.stateful_classes.get(name)  # type: ignore[arg-type]
            return f"holds a {name} instance, and {evidence}" if evidence else None
        if name.endswith(STATEFUL_WORDS) or name.startswith(STATEFUL_PREFIXES):  # type: ignore[union-attr]
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
                return qual.split(".")[-1]  # type: ignore[union-attr]
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
                self.report("SOI002", node, name=f"`{name}`", what=what)

    def _judge(self, name: str, value: Optional[ast.AST], rebinds: list,
               mutated: Optional[Tuple[ast.AST, int]]) -> Optional[str]:
        risky = [(f, line) for f, line, v in rebinds if not self._harmless_value(v)]
        if risky:
            func, line = risky[0]
            fname = self.functions[func].name
            if isinstance(value, ast.Constant) and value.value is None:
                return f"is a lazy singleton that {fname}() fills via `global` (line {line})"
            return f"is rebound by {fname}() via `global` (line {line})"
        kind = self._container(value)
        if kind and mutated:
            func, line = mutated
            return f"is a {kind} that {self.functions[func].name}() mutates (line {line})"
        if isinstance(value, ast.Call) and not rebinds:
            return self._instance_state(value)
        return None


class ClassSingleton(Rule):
    """SOI003: a class that caches its only instance on itself."""

    codes = ("SOI003",)
    needs = (Methods,)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        text = ctx.text.lower()
        return "instance" in text or "singleton" in text

    def begin(self) -> None:
        self.reported: Set[ast.ClassDef] = set()

    def _check(self, targets: List[ast.expr], line: int) -> None:
        methods: Methods = self.ctx.collector(Methods)
        current = methods.current()
        if current is None or current.cls in self.reported:
            return
        owners = {current.cls.name} | ({current.first} if current.first else set())
        for target in targets:
            subscripted = isinstance(target, ast.Subscript)
            if subscripted:
                target = target.value  # type: ignore[attr-defined]
            if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                    and target.value.id in owners and INSTANCE_ATTR_RE.match(target.attr)):
                continue
            if target.attr.endswith("s") and not subscripted:
                continue  # `cls._instances = {}` resets a registry; the per-key store is flagged
            if current.first == "self" and target.value.id == "self":
                continue  # an instance attribute, not the class's
            self.reported.add(current.cls)
            self.report("SOI003", current.cls, cls=f"`{current.cls.name}`",
                            attr=f"`{target.value.id}.{target.attr}`", line=line)
            return

    def visit_Assign(self, node: ast.Assign) -> None:
        self._check(node.targets, node.lineno)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._check([node.target], node.lineno)


class TransactionOutsideOwner(Rule):
    """SOI004: commit/rollback/begin on a session outside the transaction owners."""

    codes = ("SOI004",)
    needs = (SessionFacts,)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        loc = ctx.location
        if loc.module is None:
            return False
        relative = ".".join(loc.module.split(".")[1:])
        for owner in ctx.config.transaction_owners:
            if owner.upper().startswith("L") and owner[1:2].isdigit():
                if loc.layer == int(owner[1]):
                    return False
            elif any(m == owner or m.startswith(owner + ".") for m in (loc.module, relative)):
                return False
        return True

    def begin(self) -> None:
        self.generators: Dict[ast.AST, bool] = {}

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (self.ctx.scope.type_checking or not isinstance(func, ast.Attribute)
                or func.attr not in TRANSACTION_METHODS):
            return
        facts: SessionFacts = self.ctx.collector(SessionFacts)
        session = facts.session(func.value)
        if session is None:
            return
        function = self.ctx.scope.function
        if function is not None:
            if function not in self.generators:
                self.generators[function] = is_generator(function)
            if self.generators[function]:
                return  # a dependency that yields the session owns the request's transaction
        owners = ", ".join(self.ctx.config.transaction_owners) or "none configured"
        receiver_text = f"{ast.unparse(func.value)}.{func.attr}()"
        self.report("SOI004", node, call=f"`{receiver_text}`", module=self.ctx.location.module,
                        owners=owners, receiver=session.evidence)


class WriteOutsideOwner(Rule):
    """SOI005: a write of an owned model outside the module that owns its writes."""

    codes = ("SOI005",)
    needs = (SessionFacts,)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return bool(ctx.config.owners) and ctx.location.module is not None

    def begin(self) -> None:
        self.instances: Dict[Tuple[Optional[ast.AST], str], str] = {}  # (function, var) -> model

    def _model(self, expr: Optional[ast.AST]) -> Optional[str]:
        """The owned model an expression builds or names: ``Item(...)``, ``item``, ``Item``."""
        owners = self.ctx.config.owners
        if isinstance(expr, ast.Call):
            name = last_name(expr.func)
            return name if name in owners else None
        if isinstance(expr, ast.Name):
            found = self.instances.get((self.ctx.scope.function, expr.id))
            if found:
                return found
            return expr.id if expr.id in owners else None
        if isinstance(expr, ast.Attribute):
            return expr.attr if expr.attr in owners else None
        if isinstance(expr, (ast.List, ast.Tuple)):
            for elt in expr.elts:
                found = self._model(elt)
                if found:
                    return found
        return None

    def visit_Assign(self, node: ast.Assign) -> None:
        model = self._model(node.value) if isinstance(node.value, ast.Call) else None
        if model:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.instances[(self.ctx.scope.function, target.id)] = model

    def visit_Call(self, node: ast.Call) -> None:
        if self.ctx.scope.type_checking or not isinstance(node.func, ast.Attribute):
            return
        facts: SessionFacts = self.ctx.collector(SessionFacts)
        write = facts.write(node)
        if write is None or facts.session(node.func.value) is None or not node.args:
            return
        argument = node.args[0]
        if node.func.attr in ("execute", "exec", "executemany", "scalar", "scalars"):
            call = root_call(argument)
            argument = call.args[0] if call is not None and call.args else None
        model = self._model(argument)
        module = self.ctx.location.module
        owner = self.ctx.config.owners.get(model) if model else None
        if owner is None or module == owner:
            return
        origin = self.ctx.config.origin("owners", model, "owners")
        self.report("SOI005", node, call=write, model=model, module=module, owner=owner,
                        origin=origin)
