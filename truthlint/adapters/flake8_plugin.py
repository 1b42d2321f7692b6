"""The flake8 adapter: translates flake8's calls into the engine's and back, nothing more.

One entry point per code prefix (STI, TBV, SOI), so flake8's select/ignore/noqa work as users
expect. The three checkers share one engine run per file: the first to run stores every
finding on the tree flake8 hands all plugins, the others read their share from it.
"""

from __future__ import annotations

import ast
import os
import sys
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, Iterator, List, Optional, Tuple

from .. import __version__
from ..core.config import SETTINGS, SETTINGS_BY_KEY, ConfigError, ConfigFinder, validate_tree
from ..core.context import Finding
from ..engine.check import Engine
from ..engine.selection import opt_in_unnamed
from ..rules.registry import RULES
from ..run.collection import collecting_less
from ..run.filestore import FileStore, check_lines

if TYPE_CHECKING:  # the baseline module is imported only by runs that name a baseline
    from ..run.baseline import Baseline

_RESULT_ATTR = "_truthlint_findings"


def _option_name(key: str) -> str:
    return f"--truthlint-{key}"


def _flake8_config_file(options: Any) -> str:
    """Where flake8 read its settings from, so errors can name the file."""
    explicit = getattr(options, "config", None)
    if explicit:
        return str(explicit)
    try:
        from flake8.options.config import _find_config_file

        found = _find_config_file(os.getcwd())
    except Exception:  # flake8 internals may move; the message just gets vaguer
        found = None
    return f"{found} [flake8]" if found else "flake8 options"


def overrides_from_options(options: Any) -> Dict[str, Any]:
    """Validated settings given as ``--truthlint-*`` options (command line or [flake8])."""
    raw = {}
    given_on_cli = set(sys.argv[1:])
    for setting in SETTINGS:
        value = getattr(options, "truthlint_" + setting.key.replace("-", "_"), None)
        if value is not None and value != []:
            raw[setting.key] = value
    if not raw:
        return {}
    first = next(iter(raw))
    cli = any(arg.startswith(_option_name(first)) for arg in given_on_cli)
    source = "command line" if cli else _flake8_config_file(options)
    result: Dict[str, Any] = {}
    for key, value in raw.items():
        setting = SETTINGS_BY_KEY[key]
        if isinstance(setting.default, bool) and isinstance(value, list) and len(value) == 1:
            value = value[0]
        result[key] = setting.parse(value, source, f"truthlint-{key}")
    result["__source__"] = source
    result["__flake8__"] = True
    return result


def _unselected(options: Any) -> FrozenSet[str]:
    """Codes flake8 will drop anyway (``--select``, ``--ignore``, opt-in defaults): their rules
    need not run. Asked of flake8's own decision engine, so the answer matches its output;
    and an opt-in code runs only when ``select`` or ``extend-select`` names it exactly (flake8
    alone would take ``--select STI`` to mean it too)."""
    named = [*(getattr(options, "select", None) or ()), *(getattr(options, "extend_select", None) or ())]
    unnamed = opt_in_unnamed(c.strip() for c in named)
    try:
        from flake8.style_guide import Decision, DecisionEngine

        engine = DecisionEngine(options)
        return unnamed | frozenset(code for code in RULES
                                   if engine.decision_for(code) is not Decision.Selected)
    except Exception:  # older or newer flake8 internals: run everything, flake8 filters
        return unnamed


class _Checker:
    """Common body of the three entry points; ``prefix`` selects the family."""

    name = "truthlint"
    version = __version__
    prefix = ""
    _engine: Optional[Engine] = None
    _store: Optional[FileStore] = None
    _baseline: Optional["Baseline"] = None
    _config_error_shown = False

    def __init__(self, tree: ast.AST, filename: str, lines: List[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def engine(cls) -> Engine:
        if _Checker._engine is None:
            _Checker._engine = Engine()
        return _Checker._engine

    @classmethod
    def store(cls) -> FileStore:
        """The per-file results of this run's engine (``run.filestore``)."""
        engine = cls.engine()
        if _Checker._store is None or _Checker._store.engine is not engine:
            _Checker._store = FileStore(engine)
        return _Checker._store

    def _findings(self) -> List[Finding]:
        cached = getattr(self.tree, _RESULT_ATTR, None)
        if cached is None:
            try:
                with collecting_less():
                    cached = check_lines(self.store(), self.lines, self.filename, self.tree)
            except ConfigError as exc:  # a config met only now (e.g. an editor buffer's tree)
                if not _Checker._config_error_shown:
                    print(f"truthlint: configuration error: {exc}", file=sys.stderr)
                    _Checker._config_error_shown = True
                cached = []
            except Exception as exc:  # never abort the user's flake8 run
                print(f"truthlint: internal error on {self.filename}: {exc!r}", file=sys.stderr)
                cached = []
            if _Checker._baseline is not None:
                cached = self._without_grandfathered(cached)
            try:
                setattr(self.tree, _RESULT_ATTR, cached)
            except AttributeError:
                pass
        return cached

    def _without_grandfathered(self, findings: List[Finding]) -> List[Finding]:
        from ..run.baseline import keys_for, split

        baseline = _Checker._baseline
        if baseline is None:
            return findings
        lines = self.lines
        keys = keys_for([(f.code, self.filename,
                          lines[f.line - 1] if 0 < f.line <= len(lines) else "", f.message)
                         for f in findings], baseline.base)
        old, _ = split(keys, [f.line for f in findings], baseline)
        return [f for f, grandfathered in zip(findings, old) if not grandfathered]

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        for finding in self._findings():
            if finding.code.startswith(self.prefix):
                yield finding.line, finding.col, finding.text(), type(self)


class StiChecker(_Checker):
    """STI: structural truth. Also owns truthlint's flake8 options (registered once)."""

    prefix = "STI"

    @staticmethod
    def add_options(manager: Any) -> None:
        manager.extend_default_ignore([r.code for r in RULES.values() if r.off_by_default])
        manager.add_option(
            "--truthlint-baseline", parse_from_config=True, default=None,
            help="a baseline written by `truthlint check --write-baseline`: its findings are "
                 "not reported (editors and pre-commit then show only new ones)")
        manager.add_option(
            "--truthlint-config", parse_from_config=True, default=None,
            help="pyproject.toml whose [tool.truthlint] applies to every file "
                 "(default: the nearest one above each file)")
        for setting in SETTINGS:
            manager.add_option(
                _option_name(setting.key), parse_from_config=True, comma_separated_list=True,
                default=None, help=f"truthlint: {setting.help}")

    @staticmethod
    def parse_options(options: Any) -> None:
        """Build the run's project once; stop with one clear error on bad configuration."""
        try:
            overrides = overrides_from_options(options)
            explicit = getattr(options, "truthlint_config", None)
            finder = ConfigFinder(overrides, explicit)
            validate_tree(tuple(getattr(options, "filenames", None) or ()), finder)
            baseline_file = getattr(options, "truthlint_baseline", None)
            baseline = None
            if baseline_file:
                from ..run.baseline import Baseline

                baseline = Baseline.load(baseline_file)
        except ConfigError as exc:
            print(f"truthlint: configuration error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        _Checker._baseline = baseline
        filenames = getattr(options, "filenames", None) or ()
        stdin_display = getattr(options, "stdin_display_name", None) if "-" in filenames else None
        codes = frozenset(RULES) - _unselected(options)
        _Checker._engine = Engine(finder, stdin_display, codes=codes)
        _Checker._config_error_shown = False


class TbvChecker(_Checker):
    """TBV: temporal boundaries."""

    prefix = "TBV"


class SoiChecker(_Checker):
    """SOI: state ownership."""

    prefix = "SOI"
