"""What every rule and fact collector may ask about the file being checked, and its findings.

The context reaches the project index only through a lookup the engine hands it (a callable
that returns the index, typed here by the :class:`ProjectLookup` protocol): the floors above
(the index, the rules) stay above, and nothing here builds them.
"""

from __future__ import annotations

import ast
import enum
from typing import (Any, Callable, Dict, List, NamedTuple, Optional, Protocol, Sequence, Tuple, Type,
                    TypeVar, Union)

from .config import Config
from .files import FileSystem
from .location import Location
from .names import Imports
from .walker import MODULE_SCOPE, Scope, Visitor


class Finding(NamedTuple):
    line: int
    col: int  # 0-based, as ast gives it; flake8 adds 1 when printing
    code: str
    message: str  # the fact and the fix, without the code
    evidence: str = ""  # where the fact comes from: shown by --verbose, JSON and SARIF

    def text(self) -> str:
        return f"{self.code} {self.message}"

    @classmethod
    def of(cls, row: Sequence[object]) -> "Finding":
        """A finding from a cached row (untrusted JSON); ValueError or TypeError when the
        row is not one."""
        line, col, code, message, evidence = row
        if not (isinstance(line, int) and isinstance(col, int) and isinstance(code, str)
                and isinstance(message, str) and isinstance(evidence, str)):
            raise TypeError("not a finding")
        return cls(line, col, code, message, evidence)


class Phase(enum.Enum):
    """Which part of a check a walk does.

    ``WHOLE``: every selected rule, the index built on first use (the flake8 plugin, a warm
    command run). ``LOCAL``: phase one of a cold command run, while the index is being built
    from these very walks: the rules judged from the index alone wait, a rule that asks for the
    index gets None and marks the file for a whole check later, and the module's summary is
    collected. ``INDEX``: phase two, only the rules judged from the index alone, without a walk.
    """

    WHOLE = "whole"
    LOCAL = "local"
    INDEX = "index"


class ProjectLookup(Protocol):
    """What a fact collector may ask of the project index (the index implements it)."""

    def session_kind(self, reference: str) -> Optional[Tuple[str, str]]:
        """What a session reference into another module resolves to: (kind, where), kind
        "sync", "async" or "unknown"; None when the name is no session."""


C = TypeVar("C", bound="Collector")


class Collector(Visitor):
    """A shared fact collector: runs in the same walk as the rules that read it."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx


class FileContext:
    """One file being checked: its text, place, settings, walk position and findings."""

    def __init__(self, display: str, lines: Sequence[str], location: Location, config: Config,
                 fs: FileSystem, from_stdin: bool = False, phase: Phase = Phase.WHOLE,
                 lookup: Optional[Callable[[], Optional[ProjectLookup]]] = None,
                 text: Optional[str] = None,
                 early: Optional[Callable[[], Optional[ProjectLookup]]] = None) -> None:
        self.display = display
        self.from_stdin = from_stdin  # an editor buffer: the file on disk may differ or not exist
        self.lines = lines
        self.location = location
        self.config = config
        self.fs = fs
        self.phase = phase
        self.scope: Scope = MODULE_SCOPE
        self.findings: List[Finding] = []
        self.imports = Imports(location)
        self.memo: Dict[str, object] = {}  # facts derived once per file (the index view …)
        self._collectors: Dict[type, Collector] = {}
        self._lookup = lookup
        self._early = early  # phase one: the planned index, before it is complete
        self._text = text
        self.wanted_index = False  # a rule asked for the index during a LOCAL walk
        self.parked: Dict[str, Any] = {}  # rule code -> what a parking rule left for phase two
        self.walk_done = False  # the walk is over: only the ``end`` hooks run now
        self.asked_in_walk = False  # a rule asked for the index during the walk (any phase)
        # phase one: session reference -> the answer taken before the index was complete
        self.speculated: Dict[str, Optional[Tuple[str, str]]] = {}

    @property
    def text(self) -> str:
        """The whole source, joined once for the rules that pre-screen it."""
        if self._text is None:
            self._text = "".join(self.lines)
        return self._text

    def index(self) -> Optional[ProjectLookup]:
        """The project index of this file's package root (built on first use), or None."""
        if self._lookup is None or self.location.module is None:
            return None
        if not self.walk_done:
            self.asked_in_walk = True
        if self.phase is Phase.LOCAL:
            self.wanted_index = True
            return None
        return self._lookup()

    def session_lookup(self) -> Optional[ProjectLookup]:
        """Who answers what a session reference resolves to: the index; in phase one, while
        the index is being completed, the planned index (``project.index.Early``), whose
        answers are kept in ``speculated`` for phase two to confirm. Either way the walk need
        not be repeated for it, so this is not "asking the index during the walk"."""
        if self._lookup is None or self.location.module is None:
            return None
        if self.phase is Phase.LOCAL:
            early = self._early() if self._early is not None else None
            if early is None:
                return self.index()  # (no plan: the file is checked again in full)
            return _Speculating(early, self.speculated)
        return self._lookup()

    def release(self) -> None:
        """Drop the collectors and memos once the check is over. Each collector holds the
        context, so without this the context, its collectors and the whole tree they point
        into would wait for the cyclic garbage collector: a fifth of a cold run's CPU went to
        collections that rescanned every tree still waiting."""
        self._collectors.clear()
        self.memo.clear()
        self.scope = MODULE_SCOPE

    def add_collector(self, collector: Collector) -> None:
        self._collectors[type(collector)] = collector

    def collector(self, kind: Type[C]) -> C:
        """The shared fact collector of this type that runs in this walk."""
        found = self._collectors[kind]
        assert isinstance(found, kind)
        return found

    def has_collector(self, kind: type) -> bool:
        return kind in self._collectors

    def add(self, code: str, at: Union[ast.AST, int], col: int, message: str,
            evidence: str = "") -> None:
        """Record a finding at a node (its position) or at a line and column."""
        if isinstance(at, int):
            line = at
        else:
            line, col = getattr(at, "lineno", 1), getattr(at, "col_offset", 0)
        self.findings.append(Finding(line, col, code, message, evidence))

    def qualify(self, expr: ast.AST) -> Optional[str]:
        return self.imports.qualify(expr)


class _Speculating:
    """A lookup that keeps each answer it gives (see ``FileContext.session_lookup``)."""

    def __init__(self, early: ProjectLookup, kept: Dict[str, Optional[Tuple[str, str]]]) -> None:
        self.early, self.kept = early, kept

    def session_kind(self, reference: str) -> Optional[Tuple[str, str]]:
        answer = self.kept[reference] = self.early.session_kind(reference)
        return answer
