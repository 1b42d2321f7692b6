"""The seed's P3 governance gaps: advisory wording, file permissions, silent fallbacks."""

from __future__ import annotations

import ast
import io
import os
import re
import stat
import tokenize
from typing import Dict, List, Optional, Pattern, Tuple

from ..core.names import last_name
from ..core.context import FileContext
from .base import Rule

_PATTERNS: Dict[Tuple[str, ...], Pattern[str]] = {}  # noqa: SOI002 (memo of compiled word lists)


def word_pattern(words: Tuple[str, ...]) -> Pattern[str]:
    """Whole words and phrases, any case: ``certain`` never matches ``uncertain``."""
    pattern = _PATTERNS.get(words)
    if pattern is None:
        alternatives = sorted((r"\s+".join(map(re.escape, w.split())) for w in words),
                              key=len, reverse=True)
        pattern = re.compile(r"(?<![\w-])(?:%s)(?![\w-])" % "|".join(alternatives), re.IGNORECASE)
        _PATTERNS[words] = pattern
    return pattern


def _is_prose(text: str) -> bool:
    """More than one word: a single token (``"confirmed"``) is a value, not language."""
    return len(text.split(None, 1)) > 1


def in_packages(ctx: FileContext, packages: Tuple[str, ...]) -> bool:
    """Is the file inside one of ``packages`` (root-relative path or dotted module prefix)?"""
    loc = ctx.location
    if loc.module is None:
        return False
    relative = "/".join(loc.parts)
    for package in packages:
        dotted = package.replace("/", ".")
        if (relative.startswith(package.rstrip("/") + "/") or relative == package + ".py"
                or loc.module == dotted or loc.module.startswith(dotted + ".")
                or ".".join(loc.module.split(".")[1:]).startswith(dotted)):
            return True
    return False


class AuthoritativeLanguage(Rule):
    """STI011: advisory packages must not state predictions as facts."""

    codes = ("STI011",)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return bool(ctx.config.authoritative_words) and in_packages(ctx, ctx.config.advisory_packages)

    def begin(self) -> None:
        self.pattern = word_pattern(self.ctx.config.authoritative_words)
        self.docstrings: set = set()
        self.seen: set = set()
        if self.ctx.config.check_comments:
            self._comments()

    def _comments(self) -> None:
        source = self.ctx.text
        try:
            for tok in tokenize.generate_tokens(io.StringIO(source).readline):
                if tok.type == tokenize.COMMENT:
                    self._scan(tok.string, tok.start[0], tok.start[1], "comment")
        except (tokenize.TokenError, SyntaxError):
            return

    def _mark_docstring(self, node: ast.AST) -> None:
        body = getattr(node, "body", None)
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            self.docstrings.add(id(body[0].value))

    visit_Module = visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = _mark_docstring

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        """An f-string is judged as one text at its own position (its parts' positions vary
        between Python versions)."""
        parts = [v for v in node.values if isinstance(v, ast.Constant)]
        self.seen.update(id(p) for p in parts)
        text = " ".join(str(p.value) for p in parts)
        if _is_prose(text):
            self._scan(text, node.lineno, node.col_offset, "string")

    def visit_Constant(self, node: ast.Constant) -> None:
        if id(node) in self.seen:
            return
        if isinstance(node.value, str) and _is_prose(node.value):
            kind = "docstring" if id(node) in self.docstrings else "string"
            self._scan(node.value, node.lineno, node.col_offset, kind)

    def _scan(self, text: str, line: int, col: int, kind: str) -> None:
        match = self.pattern.search(text)
        if match:
            offset = text.count("\n", 0, match.start())
            self.report("STI011", line + offset, col if not offset else 0,
                            module=self.ctx.location.module, word=match.group(0), kind=kind)


class PermissionAnomaly(Rule):
    """STI012: files and directories other users cannot read."""

    codes = ("STI012",)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return os.name == "posix" and ctx.location.root is not None and not ctx.from_stdin

    def begin(self) -> None:
        loc = self.ctx.location
        problem = self._file_problem(loc.path)
        if problem is None:
            problem = self._directory_problem()
        if problem is None and loc.is_init:
            for name in sorted(self.ctx.fs.listdir(loc.directory)):
                path = os.path.join(loc.directory, name)
                if not name.endswith((".py", ".pyc")) and not name.startswith("."):
                    problem = self._file_problem(path, data=True)
                    if problem:
                        break
        if problem:
            self.report("STI012", 1, 0, problem=problem)

    def _shown(self, path: str) -> str:
        root_parent = os.path.dirname(self.ctx.location.root)
        return os.path.relpath(path, root_parent).replace(os.sep, "/")

    def _file_problem(self, path: str, data: bool = False) -> Optional[str]:
        try:
            info = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode) or info.st_mode & stat.S_IROTH:
            return None
        what = "data file " if data else ""
        return (f"{what}{self._shown(path)} has mode {stat.S_IMODE(info.st_mode):04o}, "
                f"not readable by other users")

    def _directory_problem(self) -> Optional[str]:
        loc = self.ctx.location
        for depth in range(0, len(loc.parts)):
            directory = os.path.join(loc.root, *loc.parts[:depth])
            mode = self.ctx.fs.mode(directory)
            if mode is None:
                return None
            if (mode & (stat.S_IROTH | stat.S_IXOTH)) != (stat.S_IROTH | stat.S_IXOTH):
                return (f"directory {self._shown(directory)} has mode {stat.S_IMODE(mode):04o}, "
                        f"not readable by other users")
        return None


FALLBACK_RE = re.compile(r"^(InMemory|Memory|Noop|NoOp|Null|Dummy|Fake|Stub|Local|Logging|Console"
                         r"|Sqlite|SQLite|Default|Mock)[A-Z_]|InMemory|NoOp|Noop")
# (no leading ``\b\w*``: it always matches, and made the scan 15x slower)
FALLBACK_TEXT_RE = re.compile(r"(?:InMemory|Memory|Noop|NoOp|Null|Dummy|Fake|Stub|Local|Logging"
                              r"|Console|Sqlite|SQLite|Default|Mock)\w*\(")
FAILURE_WORDS = ("Import", "NotFound", "Connection", "Connect", "Timeout", "Unavailable",
                 "OSError", "KeyError", "Refused")
LOUD_METHODS = frozenset({"warning", "warn", "error", "exception", "critical", "fatal"})
ENV_CALLS = frozenset({"os.getenv", "os.environ.get", "os.environ.__getitem__"})


def _fallback(expr: Optional[ast.AST]) -> Optional[str]:
    """``InMemoryStore()`` -> "InMemoryStore()"; anything else -> None."""
    if isinstance(expr, ast.Call):
        name = last_name(expr.func) or ""
        if FALLBACK_RE.search(name):
            return f"{name}()"
    return None


class SilentFallback(Rule):
    """STI013: a factory that degrades to an in-memory/no-op implementation without a word."""

    codes = ("STI013",)

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        """Only files that construct a stand-in at all (one C-speed scan of the text)."""
        return FALLBACK_TEXT_RE.search(ctx.text) is not None

    def begin(self) -> None:
        self.env_names: Dict[ast.AST, set] = {}
        self.reported: set = set()

    def _loud(self, statements: List[ast.stmt]) -> bool:
        for stmt in statements:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Raise):
                    return True
                if isinstance(node, ast.Call):
                    qual = self.ctx.qualify(node.func) or ""
                    if qual == "warnings.warn" or last_name(node.func) in LOUD_METHODS:
                        return True
        return False

    def _returns(self, statements: List[ast.stmt]) -> List[Tuple[ast.Return, str]]:
        found = []
        for stmt in statements:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Return):
                    fallback = _fallback(node.value)
                    if fallback:
                        found.append((node, fallback))
        return found

    def _env_test(self, test: ast.AST) -> Optional[str]:
        """What missing configuration a condition checks for, or None."""
        names = self.env_names.get(self.ctx.scope.function, set())
        for node in ast.walk(test):
            if isinstance(node, ast.Call) and self.ctx.qualify(node.func) in ENV_CALLS:
                return "the environment variable is unset"
            if isinstance(node, ast.Attribute) and (self.ctx.qualify(node) or "") == "os.environ":
                return "the environment variable is unset"
            if isinstance(node, ast.Name) and node.id in names:
                return f"`{node.id}` (from the environment) is unset"
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    node.value.id in ("settings", "config", "cfg", "conf"):
                return f"`{node.value.id}.{node.attr}` is not configured"
        return None

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
            for ret, fallback in self._returns(handler.body):
                self._report(ret, fallback, f"`{caught}` is raised")

    def visit_If(self, node: ast.If) -> None:
        if self.ctx.scope.function is None:
            return
        trigger = self._env_test(node.test)
        if trigger is None or self._loud(node.body):
            return
        for ret, fallback in self._returns(node.body):
            self._report(ret, fallback, trigger)

    def visit_Return(self, node: ast.Return) -> None:
        value = node.value
        if isinstance(value, ast.IfExp) and self.ctx.scope.function is not None:
            fallback = _fallback(value.orelse)
            trigger = self._env_test(value.test) if fallback else None
            if trigger:
                self._report(node, fallback, trigger)  # type: ignore[arg-type]

    def _report(self, node: ast.AST, fallback: str, trigger: str) -> None:
        if id(node) in self.reported:
            return
        self.reported.add(id(node))
        name = getattr(self.ctx.scope.function, "name", "?")
        self.report("STI013", node, function=name, fallback=f"`{fallback}`", trigger=trigger)
