"""The engine: one file in, findings out. It knows nothing of flake8.

A :class:`Project` lives for one run (a flake8 invocation, a CLI run, an editor request): it
owns the configuration finder and the directory cache, so per-file work stays small.
"""

from __future__ import annotations

import ast
import os
from typing import Any, Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

from ..core.config import Config, ConfigFinder
from ..project.index import IndexView, ProjectIndex
from ..project.layout import FileSystem, Location, locate, split_lines
from ..core.names import Imports
from ..rules.registry import RULES
from ..facts.summary import empty_summary
from ..core.walker import MODULE_SCOPE, Walker, warn


class Finding(NamedTuple):
    line: int
    col: int  # 0-based, as ast gives it; flake8 adds 1 when printing
    code: str
    message: str  # without the code

    def text(self) -> str:
        return f"{self.code} {self.message}"


class Deferred(NamedTuple):
    """What phase one of a cold run learns of a file (see ``Project.check_deferred``)."""

    findings: List[Finding]
    summary: Dict[str, Any]
    recheck: bool


class FileContext:
    """What every rule may ask about the file being checked, and where findings go."""

    def __init__(self, display: str, lines: Sequence[str], location: Location, config: Config,
                 fs: FileSystem, from_stdin: bool = False) -> None:
        self.display = display
        self.from_stdin = from_stdin  # an editor buffer: the file on disk may differ or not exist
        self.lines = lines
        self.location = location
        self.config = config
        self.fs = fs
        self.scope = MODULE_SCOPE
        self.findings: List[Finding] = []
        self.imports = Imports(self)
        self.shared: Dict[str, Any] = {}
        self.project: Optional["Project"] = None
        self._text: Optional[str] = None
        # phase one of a cold run: the index does not exist yet; a rule that asks for it
        # gets None and the file is checked again once the index is built
        self.deferred = False
        self.wanted_index = False

    @property
    def text(self) -> str:
        """The whole source, joined once for the rules that pre-screen it."""
        if self._text is None:
            self._text = "".join(self.lines)
        return self._text

    def index(self) -> Optional[ProjectIndex]:
        """The project index of this file's package root (built on first use), or None."""
        if self.project is None or self.location.root is None or self.location.module is None:
            return None
        if self.deferred:
            self.wanted_index = True
            return None
        return self.project.index_for(self.location.root, self.config)

    def view(self) -> Optional[IndexView]:
        """The index with this file's own summary from the text being checked. Ask it only
        once the walk is done (in ``end``), when the summary is complete."""
        if "view" not in self.shared:
            index = self.index()
            summary = self.shared.get("Summary")
            self.shared["view"] = (IndexView(index, self.location.module, summary.data)
                                   if index is not None and summary is not None else None)
        return self.shared["view"]

    def report(self, code: str, at: Union[ast.AST, int], col: int = 0, **fields: Any) -> None:
        rule = RULES[code]
        if isinstance(at, int):
            line = at
        else:
            line, col = getattr(at, "lineno", 1), getattr(at, "col_offset", 0)
        self.findings.append(Finding(line, col, code, rule.message.format(**fields)))

    def qualify(self, expr: ast.AST) -> Optional[str]:
        return self.imports.qualify(expr)


class Project:
    """One lint run's shared state: configuration lookup and the directory cache."""

    def __init__(self, finder: Optional[ConfigFinder] = None,
                 stdin_display: Optional[str] = None,
                 disabled: Optional[Iterable[str]] = None) -> None:
        self.finder = finder or ConfigFinder()
        self.fs = FileSystem()
        self.stdin_display = stdin_display  # the name an editor buffer is linted under
        # codes nobody will see: their rules do not run (default: the opt-in ones)
        self.disabled = frozenset(disabled if disabled is not None else
                                  (c for c, r in RULES.items() if r.off_by_default))
        self._indexes: Dict[Any, Optional[ProjectIndex]] = {}
        self._selections: Dict[Any, Tuple[FrozenSet[str], List[Any]]] = {}

    def indexes(self) -> List[ProjectIndex]:
        """The indexes built so far in this run."""
        return [index for _, index in sorted(self._indexes.items(), key=lambda kv: str(kv[0]))
                if index is not None]

    def index_for(self, root: str, config: Config) -> Optional[ProjectIndex]:
        """The index of one package root, built (or loaded) on first use."""
        key = self.index_key(root, config)
        if key not in self._indexes:
            try:
                self._indexes[key] = self.new_index(root, config).build()
            except Exception:  # a broken index must not take the per-file rules down with it
                self.adopt(key, None)
        return self._indexes[key]

    @staticmethod
    def index_key(root: str, config: Config) -> Tuple[str, Optional[str]]:
        return root, config.source

    def has_index(self, key: Tuple[str, Optional[str]]) -> bool:
        return key in self._indexes

    def new_index(self, root: str, config: Config) -> ProjectIndex:
        """An index not yet built, its cache beside the configuration (or the project)."""
        cache_dir = config.cache_dir if config.source else _project_cache(root)
        return ProjectIndex(root, config, self.fs, cache_dir)

    def adopt(self, key: Tuple[str, Optional[str]], index: Optional[ProjectIndex]) -> None:
        """Make ``index`` this run's index of its root (None: it could not be built)."""
        if index is None:
            warn("truthlint: could not index %s; whole-project checks are skipped", key[0])
        self._indexes[key] = index

    def context(self, lines: Sequence[str], filename: Optional[str]) -> FileContext:
        is_stdin = filename in (None, "", "-", "stdin")
        if is_stdin:
            config = self.finder.for_dir(".")
            location = locate(None, lines, config, self.fs)
        else:
            config = self.finder.for_file(filename)  # type: ignore[arg-type]
            location = locate(filename, lines, config, self.fs)
        from_stdin = is_stdin or filename == self.stdin_display
        ctx = FileContext(filename or "stdin", lines, location, config, self.fs, from_stdin)
        ctx.project = self
        return ctx

    def check(self, tree: ast.AST, lines: Sequence[str], filename: Optional[str],
              codes: Optional[Iterable[str]] = None) -> List[Finding]:
        """All findings for one parsed file, sorted by position."""
        ctx = self.context(lines, filename)
        wanted, rules = self._rules(ctx, codes)
        if not rules:
            return []
        self._walk(ctx, rules, tree)
        return _wanted(ctx, wanted)

    def check_deferred(self, tree: ast.AST, lines: Sequence[str], filename: Optional[str],
                       codes: Optional[Iterable[str]] = None) -> "Deferred":
        """Phase one of a cold run, where the index is being built from these very walks:
        the findings of every rule that did not need the index, and the module's summary.
        The rules judged from the index alone are left to :meth:`judge_project`; when another
        rule asked for the index, ``recheck`` says the file must be checked again with it."""
        ctx = self.context(lines, filename)
        ctx.deferred = True
        wanted, rules = self._rules(ctx, codes, from_index=False)
        self._walk(ctx, rules, tree, summary=True)
        collector = ctx.shared.get("Summary")
        summary = collector.data if collector is not None else empty_summary("")
        return Deferred(_wanted(ctx, wanted), summary, ctx.wanted_index)

    def judge_project(self, lines: Sequence[str], filename: str,
                      codes: Optional[Iterable[str]] = None) -> List[Finding]:
        """Phase two of a cold run: the rules judged from the index alone, for a file whose
        summary the index now holds (no parse, no walk)."""
        ctx = self.context(lines, filename)
        module = ctx.location.module
        index = ctx.index()
        if index is None or module not in index.modules:
            return []
        wanted, rules = self._rules(ctx, codes, from_index=True)
        ctx.shared["view"] = IndexView(index, module, index.modules[module])
        Walker(rules, ctx).finish()
        return _wanted(ctx, wanted)

    def _rules(self, ctx: FileContext, codes: Optional[Iterable[str]],
               from_index: Optional[bool] = None) -> Tuple[FrozenSet[str], List[Any]]:
        """The wanted codes, and the rules for this file (only those judged from the index
        alone, or only the others, when ``from_index`` says so). Test code gets none: it is
        not deployed, so no rule judges it."""
        wanted, candidates = self._selection(codes)
        if ctx.location.is_test:
            return wanted, []
        return wanted, [rule(ctx) for rule in candidates
                        if (from_index is None or rule.from_index == from_index)
                        and rule.applies(ctx)]

    @staticmethod
    def _walk(ctx: FileContext, rules: List[Any], tree: ast.AST, summary: bool = False) -> None:
        """One walk with the rules and the shared collectors they read (``summary``: the
        module's summary is wanted whatever the rules need)."""
        collectors = [c(ctx) for c in _collectors_for(rules, ctx, summary)]
        for collector in collectors:
            ctx.shared[type(collector).__name__] = collector
        Walker([ctx.imports] + collectors + rules, ctx).run(tree)

    def _selection(self, codes: Optional[Iterable[str]]) -> Tuple[FrozenSet[str], List[Any]]:
        """The wanted codes and the rules that can emit one (once per run, not per file)."""
        key = tuple(sorted(codes)) if codes is not None else None
        if key not in self._selections:
            from ..rules import ALL_RULES  # the rule modules import the engine's helpers

            wanted = frozenset(codes) if codes is not None else frozenset(RULES) - self.disabled
            self._selections[key] = (wanted, [r for r in ALL_RULES if wanted & set(r.codes)])
        return self._selections[key]

    def check_source(self, source: str, filename: Optional[str]) -> List[Finding]:
        """Parse and check; a file that does not parse has no findings (flake8 says E999)."""
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []
        return self.check(tree, split_lines(source), filename)


def _wanted(ctx: FileContext, wanted: FrozenSet[str]) -> List[Finding]:
    return sorted({f for f in ctx.findings if f.code in wanted})


def _collectors_for(rules: List[Any], ctx: FileContext, summary: bool = False) -> List[type]:
    """The shared collectors the rules need, in the one order that satisfies their own
    dependencies (the summary reads the session facts). A file outside every package root
    has no place in the index, so it gets no summary."""
    from ..rules.base import Methods
    from ..facts.sessions import SessionFacts
    from ..facts.summary import Summary

    needed = {c for rule in rules for c in rule.needs}
    if summary:
        needed.add(Summary)
    if ctx.location.module is None:
        needed.discard(Summary)
    if Summary in needed:
        needed.add(SessionFacts)
    return [c for c in (SessionFacts, Methods, Summary) if c in needed]


def _project_cache(root: str) -> Optional[str]:
    """Without a configuration file the cache goes in the project directory (the nearest
    directory above the root with a pyproject.toml, setup.cfg, .git …); with none, nowhere:
    a tree outside any project (the standard library, say) is indexed in memory only."""
    from ..project.layout import PROJECT_MARKERS

    current = os.path.dirname(root)
    while True:
        if any(os.path.exists(os.path.join(current, m)) for m in PROJECT_MARKERS):
            return os.path.join(current, ".truthlint_cache")
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
