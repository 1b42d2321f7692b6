"""Name resolution without imports: what a dotted expression refers to, by the file's own imports."""

from __future__ import annotations

import ast
import re
from typing import Dict, List, Optional

from .location import Location
from .walker import Visitor


def dotted(expr: ast.AST) -> Optional[str]:
    """``a.b.c`` as written, or None for anything that is not a plain attribute chain."""
    parts: List[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(expr.id)
    return ".".join(reversed(parts))


def last_name(expr: ast.AST) -> Optional[str]:
    """The final identifier of a callee: ``Redis`` for ``redis.Redis``, ``f`` for ``f``."""
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Name):
        return expr.id
    return None


def root_call(expr: ast.AST) -> Optional[ast.Call]:
    """Innermost call of a method chain: ``insert(T)`` in ``insert(T).values(...).returning()``."""
    found = None
    while True:
        if isinstance(expr, ast.Call):
            found = expr
            expr = expr.func
        elif isinstance(expr, ast.Attribute):
            expr = expr.value
        elif isinstance(expr, ast.Await):
            expr = expr.value
        else:
            return found


def resolve_relative(module: Optional[str], is_init: bool, level: int, name: Optional[str]) -> str:
    """Absolute name of ``from ..x import y`` seen in ``module``; best effort when unknown."""
    if not module:
        return name or ""
    parts = module.split(".")
    if not is_init:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: max(0, len(parts) - (level - 1))]
    if name:
        parts.append(name)
    return ".".join(parts)


class Imports(Visitor):
    """Collects the file's import aliases so rules can ask for qualified names.

    One map for the whole file: function-level imports count too (a later shadowing
    assignment is rare and only ever makes a rule see less).
    """

    def __init__(self, location: Location) -> None:
        self.location = location
        self.aliases: Dict[str, str] = {}
        # id(node) -> its qualified name: several rules ask about the same call. The walk
        # keeps every node alive, so ids are not reused; a new import clears it.
        self._known: Dict[int, Optional[str]] = {}

    def visit_Import(self, node: ast.Import) -> None:
        self._known.clear()
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases[top] = top

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._known.clear()
        if node.level:
            loc = self.location
            base = resolve_relative(loc.module, loc.is_init, node.level, node.module)
        else:
            base = node.module or ""
        for alias in node.names:
            if alias.name != "*":
                self.aliases[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name

    def qualify(self, expr: ast.AST) -> Optional[str]:
        """Qualified name of ``expr`` through the imports: ``sa.create_engine`` ->
        ``sqlalchemy.create_engine``. Unimported names come back as written."""
        key = id(expr)
        if key in self._known:
            return self._known[key]
        name = dotted(expr)
        if name is not None:
            head, _, rest = name.partition(".")
            target = self.aliases.get(head)
            if target is not None:
                name = f"{target}.{rest}" if rest else target
        self._known[key] = name
        return name


def singular(word: str) -> str:
    """English plural to singular, the light way names use it: ``policies`` -> ``policy``,
    ``classes`` -> ``class``, ``workers`` -> ``worker``; ``status`` and short words stay."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def sibling_key(name: str) -> str:
    """``planners`` -> ``planner``, ``policies.py`` -> ``policy``, ``store_impls`` -> ``store``:
    the name two sibling packages or modules collide under."""
    key = name.lower()
    key = key[:-3] if key.endswith(".py") else key
    return singular(re.sub(r"_?impls?$", "", key) or key)
