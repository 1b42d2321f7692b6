"""The ``truthlint`` command: whole-project checks, baselines, reports, the truth map.

Exit status: 0 clean, 1 findings (new findings when a baseline is used), 2 usage or
configuration error.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, Set,
                    Tuple)

from .. import __version__
from ..core.config import ConfigError, ConfigFinder, parse_per_file, validate_tree
from ..core.files import python_files, read_regular, write_atomic
from ..core.source import SYNTAX_CODE
from ..engine.check import Engine
from ..engine.selection import SelectionError, parse_codes
from ..rules.registry import RULES

if TYPE_CHECKING:
    from ..run.filecheck import Located
    from .flake8_config import Flake8Settings


class UsageError(Exception):
    pass


def _split_codes(values: Optional[List[str]]) -> List[str]:
    """``--select A,B --select C`` (or ``--exclude``) -> ["A", "B", "C"]."""
    return [v.strip() for value in values or () for v in value.split(",") if v.strip()]


def _check(args: argparse.Namespace) -> int:
    from .flake8_config import load
    from .report import DOCS_ENV, RENDER, text

    flake8 = load()  # its `ignore` entries naming truthlint codes are not selected
    try:
        codes = parse_codes(_split_codes(args.select), [*_split_codes(args.ignore), *flake8.ignore])
    except SelectionError as exc:
        raise UsageError(str(exc)) from None
    paths = args.paths or ["."]
    for path in paths:
        if not os.path.exists(path):
            raise UsageError(f"{path}: no such file or directory")
    engine, files, located, diagnostics, dropped = _run(paths, codes, args, flake8)
    if args.fix:
        from ..run.fixes import create_inits, missing_inits

        created = create_inits(missing_inits(located))
        repaired = sum(1 for i in located if i.finding.code == "STI006")
        if created:
            print(f"truthlint: fixed {repaired} findings: created "
                  + ", ".join(os.path.relpath(p) for p in created), file=sys.stderr)
            engine, files, located, diagnostics, dropped = _run(paths, codes, args, flake8)
    if args.add_noqa:
        from ..run.fixes import add_noqa_comments

        added, changed = add_noqa_comments(located)
        print(f"truthlint: added {added} noqa comments to {len(changed)} files", file=sys.stderr)
        if changed:
            engine, files, located, diagnostics, dropped = _run(paths, codes, args, flake8)
    unparsed = [d for d in diagnostics if f": {SYNTAX_CODE} " in d]
    for line in diagnostics:
        if line not in unparsed or args.format not in ("text", "json"):
            print(f"truthlint: {line}", file=sys.stderr)
    if unparsed:
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        print(f"truthlint: {len(unparsed)} file(s) do not parse under Python {version} "
              f"({', '.join(d.split(':')[0] for d in unparsed[:3])}"
              f"{' …' if len(unparsed) > 3 else ''}); if they use newer syntax, run truthlint "
              "under the project's Python. Their imports are read line by line, and no finding "
              "claims that nothing imports a module", file=sys.stderr)
    baseline_file = args.write_baseline or args.baseline
    if baseline_file or args.format in ("json", "sarif"):
        from ..run.baseline import Baseline, entry, keys_for, split  # only these runs need it
    base = os.path.dirname(os.path.abspath(baseline_file)) if baseline_file else os.getcwd()
    needs_keys = baseline_file or args.format in ("json", "sarif")
    keys = keys_for([(i.finding.code, i.path, i.source_line, i.finding.message)
                     for i in located], base) if needs_keys else [("", "", "")] * len(located)
    if args.write_baseline:
        _save(Baseline(args.write_baseline, [entry(k, i.finding.line, i.finding.message)
                                             for k, i in zip(keys, located)]))
        print(f"truthlint: wrote {len(located)} findings to {args.write_baseline}",
              file=sys.stderr)
        return 0
    shown, shown_keys = located, keys
    if args.baseline:
        baseline = Baseline.load(args.baseline)
        considered = _considered(files, diagnostics, engine.selection.codes, dropped, baseline)
        old, fixed = split(keys, [i.finding.line for i in located], baseline, considered)
        shown = [i for i, g in zip(located, old) if not g]
        shown_keys = [k for k, g in zip(keys, old) if not g]
        print(f"truthlint: {sum(old)} findings grandfathered by {args.baseline}; "
              f"{len(fixed)} baseline entries are fixed and can be removed"
              + (" (run with --update-baseline)" if fixed and not args.update_baseline else ""),
              file=sys.stderr)
        if args.update_baseline:
            if args.force:  # accept today's findings as the new debt
                baseline.entries = [entry(k, i.finding.line, i.finding.message)
                                    for k, i in zip(keys, located)]
                shown, shown_keys = [], []
            else:  # debt only shrinks: drop fixed entries, never add new ones
                gone = set(fixed)
                baseline.entries = [e for n, e in enumerate(baseline.entries) if n not in gone]
            _save(baseline)
            print(f"truthlint: {args.baseline} now holds {len(baseline.entries)} entries",
                  file=sys.stderr)
    docs = args.docs_url or os.environ.get(DOCS_ENV) or None
    fingerprints = [k[2] for k in shown_keys]
    if args.format == "text":
        output = text(shown, fingerprints, show_source=args.show_source,
                      color=_colour(args.color, args.output_file), verbose=args.verbose,
                      unparsed=unparsed)
    else:
        output = RENDER[args.format](shown, fingerprints, docs)
    if unparsed and args.format == "json":
        rows = json.loads(output) + [_syntax_row(d) for d in unparsed]
        output = json.dumps(sorted(rows, key=lambda r: (r["path"], r["line"], r["column"])),
                            indent=2) + "\n"
    if args.statistics and args.format == "text":
        output += statistics(shown)
    _emit(output, args.output_file)
    print(summary(shown, files, unparsed, len(located) - len(shown) if args.baseline else None),
          file=sys.stderr)
    return 1 if (shown or unparsed) and not args.exit_zero else 0


def summary(shown: Sequence["Located"], files: Sequence[str], unparsed: Sequence[str],
            grandfathered: Optional[int]) -> str:
    """The run in one line, on stderr (stdout keeps flake8's format): ``truthlint: 12
    findings in 5 of 300 files; 3 fixable with --fix; 40 grandfathered by the baseline``."""
    from ..run.fixes import FIXABLE

    count = len(shown) + len(unparsed)
    where = len({i.path for i in shown} | {d.split(":", 1)[0] for d in unparsed})
    parts = [f"truthlint: {count} finding{'' if count == 1 else 's'} in {where} of "
             f"{len(files)} file{'' if len(files) == 1 else 's'}" if count else
             f"truthlint: no findings in {len(files)} file{'' if len(files) == 1 else 's'}"]
    fixable = sum(1 for i in shown if i.finding.code in FIXABLE)
    if fixable:
        parts.append(f"{fixable} fixable with --fix")
    if grandfathered is not None:
        parts.append(f"{grandfathered} grandfathered by the baseline")
    return "; ".join(parts)


def _run(paths: Sequence[str], codes: Any, args: argparse.Namespace, flake8: "Flake8Settings"
         ) -> Tuple[Engine, List[str], List["Located"], List[str], Callable[[str], Tuple[str, ...]]]:
    """One check of ``paths`` with a fresh engine (after a fix, the tree is another): the
    files the configuration and the flags leave in, the findings they leave, and the codes
    the per-file ignores drop for a file."""
    from ..core.patterns import excluded, ignored, matches, normalize, normalize_per_file
    from ..run.collection import collect_less
    from ..run.pipeline import run

    here = os.getcwd()
    overrides: Dict[str, Any] = {}
    chosen = args.exclude is not None
    if chosen:  # replaces the configured exclude lists, truthlint's and flake8's
        overrides = {"exclude": normalize(_split_codes(args.exclude), here),
                     "__source__": "command line"}
    finder = ConfigFinder(overrides)
    validate_tree(tuple(paths), finder)
    engine = Engine(finder, codes=codes)
    walked = normalize(_split_codes(args.extend_exclude), here) + (() if chosen else flake8.exclude)

    def skip(path: str) -> bool:
        config = finder.for_file(path)
        return matches(path, walked) or excluded(path, config.exclude, config.base_dir)

    files = python_files(paths, skip)
    progress = not args.no_progress and sys.stderr.isatty() and len(files) > 300
    gc.freeze()  # what lives now (modules, configuration) is never garbage: stop rescanning it
    collect_less()  # (6–8% of a cold run: see run.collection)
    located, diagnostics = run(engine, files, args.jobs, progress)
    per_file = flake8.per_file_ignores + normalize_per_file(parse_per_file(
        " ".join(args.per_file_ignores), "command line", "--per-file-ignores"),
        here) if args.per_file_ignores else flake8.per_file_ignores
    if per_file:
        located = [i for i in located if not i.finding.code.startswith(ignored(i.path, per_file))]

    def dropped(path: str) -> Tuple[str, ...]:
        """The per-file ignores of ``path``: its configuration's and flake8's or the flag's."""
        return ignored(path, finder.for_file(path).per_file_ignores + per_file)

    return engine, files, located, diagnostics, dropped


def _colour(choice: str, output_file: Optional[str]) -> bool:
    """``--color auto`` colours a terminal's output only, and never when ``NO_COLOR`` is set
    (no-color.org); ``always`` and ``never`` decide alone."""
    if choice != "auto":
        return choice == "always"
    return (not output_file and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb")


def _considered(files: Sequence[str], diagnostics: Sequence[str], codes: Iterable[str],
                dropped: Callable[[str], Tuple[str, ...]], baseline: Any
                ) -> Callable[[str, str], bool]:
    """Which baseline entries this run can call fixed: of a code it selected and no per-file
    ignore drops there, in a file it checked, and none while a file could not be read or
    parsed (findings in one file rest on others: a cycle through a file that does not parse is
    not seen). A run over some paths or with some codes says nothing about the rest."""
    from ..run.baseline import relative

    if any(d.startswith(f + ":") for f in files for d in diagnostics):
        return lambda code, path: False
    checked = {relative(f, baseline.base) for f in files}
    selected = set(codes)
    return lambda code, path: (code in selected and path in checked
                               and not code.startswith(dropped(os.path.join(baseline.base, path))))


def _save(baseline: Any) -> None:
    """Write a baseline; a file that cannot be written is a usage error (exit 2), never a
    traceback that CI reads as "findings"."""
    try:
        baseline.save()
    except OSError as exc:
        raise UsageError(f"cannot write the baseline {baseline.path}: "
                         f"{exc.strerror or exc}") from None


def _emit(text: str, path: Optional[str]) -> None:
    """The output, to the file asked for or to stdout."""
    if path:
        try:
            write_atomic(path, text)
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        return
    sys.stdout.write(text)


def statistics(items: Sequence["Located"]) -> str:
    """``COUNT CODE name``, one line per code in registry order, as ``flake8 --statistics``
    prints them. STI006 reports each file of a directory (the INP001 convention) but the
    directory is the root cause, so its line also counts the directories."""
    by_code: Dict[str, List["Located"]] = {}
    for item in items:
        by_code.setdefault(item.finding.code, []).append(item)
    lines = []
    for code in [c for c in RULES if c in by_code]:
        found = by_code[code]
        note = ""
        if code == "STI006":
            directories = {i.finding.message.split(" ", 1)[0] for i in found}
            note = f" ({len(found)} files in {len(directories)} directories: one cause each)"
        lines.append(f"{len(found):<5} {code} {RULES[code].name}{note}\n")
    return "".join(lines)


def _syntax_row(line: str) -> Dict[str, object]:
    from .report import position

    path, row, col = position(line)
    message = line.split(f": {SYNTAX_CODE} ", 1)[1]
    return {"path": path, "line": row, "column": col, "code": SYNTAX_CODE, "name": "syntax-error",
            "message": message, "evidence": "", "fingerprint": ""}


def _map(args: argparse.Namespace) -> int:
    from .mapdiff import DiffError, base_maps, diff
    from .truthmap import render

    if args.diff and args.format == "json":
        raise UsageError("--diff writes Markdown; it does not take --format json")
    maps = _maps(args.root, args)
    if args.diff:
        try:
            names = {str(m.get("root")) for m in maps}
            old = base_maps(args.diff, args.root,
                            lambda copy, top: _base_maps(copy, top, args, names))
        except DiffError as exc:
            raise UsageError(f"--diff {args.diff}: {exc}") from None
        _emit(diff(old, maps, args.diff), args.output)
        return 0
    text = "".join(render(m, args.format) for m in maps) if args.format != "json" else (
        render(maps[0], "json") if len(maps) == 1 else "[" + ",".join(
            render(m, "json") for m in maps) + "]\n")
    _emit(text, args.output)
    return 0


def _base_maps(copy: str, top: str, args: argparse.Namespace,
               names: Set[str]) -> List[Dict[str, Any]]:
    """The maps of a revision's copy (``copy``: the mapped directory's place in it, ``top``:
    the copy's top): configuration read from the copy only (not from above it), caches in the
    scratch directory (removed with it). A directory that did not exist yet is mapped
    through its nearest ancestor, keeping the roots the change's own map has (``names``);
    where there is no package root there is no map (everything the change has is then new)."""
    from ..core.config import CACHE_ENV

    mapped = copy
    while not os.path.isdir(mapped) and len(mapped) > len(top):
        mapped = os.path.dirname(mapped)
    if not os.path.isdir(mapped):
        return []
    before = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = os.path.join(os.path.dirname(top), ".truthlint_cache")
    try:
        maps = _maps(mapped, args, ConfigFinder(ceiling=top), baseline=None)
    except UsageError:
        return []
    finally:
        if before is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = before
    return maps if mapped == copy else [m for m in maps if str(m.get("root")) in names]


def _maps(project: str, args: argparse.Namespace, finder: Optional[ConfigFinder] = None,
          baseline: Optional[str] = "") -> List[Dict[str, Any]]:
    """The map of each package root of ``project``: the app's roots, or all with --all-roots
    (which also keeps migrations); findings a --baseline grandfathers (``baseline``: that
    file, "" for the one asked for, None for none) are counted apart."""
    from ..run.pipeline import run
    from .truthmap import collect, package_roots, roots_under

    engine = Engine(finder or ConfigFinder())
    validate_tree((project,), engine.finder)
    roots = (roots_under if args.all_roots else package_roots)(engine, project)
    if not roots:
        raise UsageError(f"{project}: no package root found (a directory with __init__.py)")
    chosen = args.baseline if baseline == "" else baseline
    saved = None
    if chosen:
        from ..run.baseline import Baseline, keys_for, split

        saved = Baseline.load(chosen)
    maps = []
    for root in roots:
        located, _ = run(engine, python_files([root]), args.jobs)
        old: Set[int] = set()
        if saved is not None:
            keys = keys_for([(i.finding.code, i.path, i.source_line, i.finding.message)
                             for i in located], saved.base)
            flags, _ = split(keys, [i.finding.line for i in located], saved)
            old = {n for n, f in enumerate(flags) if f}
        maps.append(collect(engine, root, located, old, migrations=args.all_roots))
    return maps


def _rules(args: argparse.Namespace) -> int:
    from .docs import first_sentence

    if args.format == "json":
        print(json.dumps([{"code": r.code, "name": r.name, "summary": first_sentence(r.summary),
                           "seed": r.seed, "severity": r.severity, "opt_in": r.opt_in}
                          for r in RULES.values()],
                         indent=2))
        return 0
    width = max(len(r.name) for r in RULES.values())
    for rule in RULES.values():
        status = "opt-in" if rule.opt_in else "on"
        print(f"{rule.code}  {rule.name:<{width}}  {status:<6}  {rule.severity:<12}  "
              f"{rule.seed}")
    return 0


def _explain(args: argparse.Namespace) -> int:
    from .docs import render_rule

    rule = RULES.get(args.code.upper())
    if rule is None:
        raise UsageError(f"unknown code {args.code!r} (`truthlint rules` lists them)")
    print(render_rule(rule), end="")
    return 0


def _config(args: argparse.Namespace) -> int:
    """The settings that apply to a path, each with where it came from (TOML you can paste)."""
    from ..core.config import SETTINGS, TABLES
    from .flake8_config import load

    path = args.path
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file or directory")
    finder = ConfigFinder()
    config = finder.for_file(path) if os.path.isfile(path) else finder.for_dir(path)
    lines = [f"# the settings for {path}: "
             + (f"from {os.path.relpath(config.source)}" if config.source
                else "no [tool.truthlint] found, the defaults"),
             "[tool.truthlint]"]
    for setting in SETTINGS:
        if setting.key in TABLES:
            continue
        value = config.given.get(setting.key, setting.default)
        if setting.key == "per-file-ignores":
            value = {pattern: list(codes) for pattern, codes in value}
        elif isinstance(value, (tuple, frozenset, set)):
            value = sorted(value) if not isinstance(value, tuple) else list(value)
        where = config.sources.get(setting.key, "default")
        lines.append(f"{setting.key} = {_toml(value)}  # {where}")
    for table, entries in (("layers", {k: f"L{v}" for k, v in config.layer_map.items()}),
                           ("allowed-imports", {f"L{k}": sorted(f"L{x}" for x in v)
                                                for k, v in config.allowed_imports.items()}),
                           ("denied-imports", {f"L{k}": list(v)
                                               for k, v in config.denied_imports.items()}),
                           ("owners", dict(config.owners))):
        if not entries:
            continue
        lines += ["", f"[tool.truthlint.{table}]"]
        keys = {"allowed-imports": lambda k: int(k[1:]), "denied-imports": lambda k: int(k[1:])}
        for name, value in entries.items():
            origin_key = keys[table](name) if table in keys else name
            where = config.origin(table, origin_key, "default")
            lines.append(f"{json.dumps(name)} = {json.dumps(value)}  # {where}")
    flake8 = load()
    if flake8.source:
        lines += ["", f"# honoured from flake8's {os.path.relpath(flake8.source)} by "
                      "`truthlint check` (flake8 applies them itself):",
                  f"#   exclude: {', '.join(flake8.exclude) or '-'}",
                  f"#   per-file-ignores: "
                  f"{', '.join(f'{p}:{c}' for p, cs in flake8.per_file_ignores for c in cs) or '-'}",
                  f"#   ignore (truthlint codes): {', '.join(flake8.ignore) or '-'}"]
    print("\n".join(lines))
    return 0


def _toml(value: Any) -> str:
    """A setting's value as TOML (strings, booleans, arrays and inline tables are all a
    setting can be)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


def _init(args: argparse.Namespace) -> int:
    from .init import propose

    source = "import-linter" if args.from_import_linter else "tach" if args.from_tach else "graph"
    target, section, notes = propose(".", source)
    for note in notes:
        print(note, file=sys.stderr)
    if not section:
        raise UsageError("nothing to propose here")
    if not args.write:
        sys.stdout.write(section)
        return 0
    existing = ""
    if os.path.exists(target):
        try:
            existing = read_regular(target).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {target}: {exc}") from None
    if re.search(r"^\[tool\.truthlint[\].]", existing, re.M):
        raise UsageError(f"{target} already has a [tool.truthlint] section; not overwriting it")
    text = existing + ("\n" if existing and not existing.endswith("\n\n") else "") + section
    try:
        write_atomic(target, text)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    print(f"truthlint: wrote [tool.truthlint] to {os.path.relpath(target)}", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="truthlint", description=__doc__.splitlines()[0])
    top.add_argument("--version", action="version", version=f"truthlint {__version__}")
    sub = top.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="check files and directories (default: .)")
    check.add_argument("paths", nargs="*")
    check.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text")
    check.add_argument("--select", action="append", metavar="CODES",
                       help="only these codes or prefixes (comma-separated); an opt-in code "
                            "only by its exact code")
    check.add_argument("--ignore", action="append", metavar="CODES",
                       help="drop these codes or prefixes")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--exclude", action="append", metavar="PATTERNS",
                       help="files and directories not to check (fnmatch, comma-separated, "
                            "as flake8's); replaces the configured exclude lists")
    check.add_argument("--extend-exclude", action="append", metavar="PATTERNS",
                       help="more patterns to exclude, added to the configured ones")
    check.add_argument("--per-file-ignores", action="append", metavar="PATTERN:CODES",
                       help="codes not reported for files matching a pattern, as flake8's "
                            "(added to the configured ones)")
    check.add_argument("--write-baseline", metavar="FILE", help="record today's findings")
    check.add_argument("--baseline", metavar="FILE", help="report only findings not in FILE")
    check.add_argument("--update-baseline", action="store_true",
                       help="with --baseline: remove fixed entries (never adds any)")
    check.add_argument("--force", action="store_true",
                       help="with --update-baseline: replace the baseline with today's findings")
    check.add_argument("--output-file", metavar="FILE")
    check.add_argument("--docs-url", metavar="URL",
                       help="where docs/rules/ is published, for SARIF's helpUri (default: "
                            "$TRUTHLINT_DOCS_URL; without one, SARIF carries no helpUri)")
    check.add_argument("-j", "--jobs", type=int, default=0, help="processes (default: cores)")
    check.add_argument("--no-progress", action="store_true")
    check.add_argument("--statistics", action="store_true",
                       help="after the findings, the count per code (as flake8 prints it)")
    check.add_argument("-v", "--verbose", action="store_true",
                       help="under each finding, its evidence: where each fact in the message "
                            "comes from (the setting, the annotation, the whole chain)")
    check.add_argument("--show-source", action="store_true",
                       help="under each finding, its line and a caret (as flake8's)")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text output: on a terminal unless NO_COLOR is set "
                            "(auto, the default), always, or never")
    check.add_argument("--fix", action="store_true",
                       help="apply the safe fixes (STI006: create the missing __init__.py), "
                            "then report what is left")
    check.add_argument("--add-noqa", action="store_true",
                       help="add `# noqa: CODE` for every finding (to adopt on a large tree)")
    check.set_defaults(func=_check)

    tmap = sub.add_parser("map", help="write the Structural Truth Map of a project")
    tmap.add_argument("root", nargs="?", default=".")
    tmap.add_argument("--format", choices=("markdown", "json"), default="markdown")
    tmap.add_argument("--all-roots", action="store_true",
                      help="map the tests, scripts, docs and examples roots and schema "
                           "migrations too (left out by default: they are not the app)")
    tmap.add_argument("--baseline", metavar="FILE",
                      help="count the findings FILE grandfathers apart from new ones")
    tmap.add_argument("--diff", metavar="BASE",
                      help="print what changed against BASE (a saved `map --format json`, or a "
                           "git revision, read without touching the work tree) as Markdown")
    tmap.add_argument("--output", metavar="FILE")
    tmap.add_argument("-j", "--jobs", type=int, default=0)
    tmap.set_defaults(func=_map)

    rules = sub.add_parser("rules", help="list every rule code")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.set_defaults(func=_rules)
    explain = sub.add_parser("explain", help="print one rule's documentation")
    explain.add_argument("code")
    explain.set_defaults(func=_explain)
    config = sub.add_parser("config", help="the effective settings for a path, and where each "
                                           "one came from")
    config.add_argument("path", nargs="?", default=".")
    config.set_defaults(func=_config)
    init = sub.add_parser("init", help="propose a [tool.truthlint] section from the layout")
    init.add_argument("--write", action="store_true",
                      help="append it to the project's pyproject.toml")
    init.add_argument("--from-import-linter", action="store_true",
                      help="take the layers from import-linter's layers contract")
    init.add_argument("--from-tach", action="store_true", help="take the layers from tach.toml")
    init.set_defaults(func=_init)
    return top


def main(argv: Optional[List[str]] = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a console that cannot show `—` gets `?`, no crash
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    args = parser().parse_args(argv)
    if getattr(args, "update_baseline", False) and not args.baseline:
        print("truthlint: --update-baseline needs --baseline FILE", file=sys.stderr)
        return 2
    if getattr(args, "force", False) and not getattr(args, "update_baseline", False):
        print("truthlint: --force works only with --update-baseline (it replaces the baseline "
              "with today's findings)", file=sys.stderr)
        return 2
    command: Callable[[argparse.Namespace], int] = args.func
    try:
        return command(args)
    except ConfigError as exc:
        print(f"truthlint: configuration error: {exc}", file=sys.stderr)
    except UsageError as exc:
        print(f"truthlint: {exc}", file=sys.stderr)
    except BrokenPipeError:  # `truthlint check | head`: the reader left; no traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # (so the exit's flush cannot raise again)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
