"""Per-file results: a file's findings reused while nothing its check read has changed.

An entry holds, for one file, a key (truthlint's build, the file's path and text, the
settings and the codes asked for) and every read its check made beyond the file: directory
listings and modes, the path and content digest of every other module a rule looked at
(present or absent), and the digest of every whole-project fact it asked for (the import
graph, its components, the tables …). A later run — the command or the flake8 plugin —
reuses the findings when the key matches and every read finds the same again; otherwise the
file is checked and its entry replaced. So an edit inside one function re-checks that file
and the few files whose checks looked at it, and nothing else; an edit that changes the
import graph re-checks the files that asked for the graph.

Entries live in ``files/`` of the index's cache directory. The flake8 plugin writes one small
JSON file per source file, replaced atomically (parallel flake8 workers never write the same
one); the command, one process that saw every file, writes them all into one bundle per
cache directory at the end of its run (a file per source file costs a cold run some 10% in
file creation). A lookup takes the file's own entry, then the bundle's. Both are untrusted
input: anything malformed is a miss, never an error.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from ..core.config import Config
from ..core.context import Finding, Phase
from ..core.digest import build_id, digest, encoded, value_digest
from ..core.files import Read, write_cache
from ..engine.check import Checked, Engine
from ..project.layout import find_root
from ..project.summaries import summary_text

INDEX_READS = frozenset({"sum", "has", "path", "graphed", "fact"})  # answered by the project index
MAX_ENTRY = 200_000_000  # bytes: a larger entry or bundle file is not ours
LocatedRow = Tuple[Finding, str]  # a finding after ``noqa``, and its source line


def content_digest(text: str) -> str:
    """The digest of a file's text, as both entry points see it (decoded)."""
    return digest(encoded(text))


class Entry(NamedTuple):
    findings: List[Finding]           # the engine's findings (before ``noqa``)
    located: Optional[List[LocatedRow]]  # after ``noqa``, with source lines (the command's)


class Place(NamedTuple):
    file: str    # the entry's own file
    key: str
    root: str
    config: Config
    full: str    # the source file's absolute path


BUNDLE = "bundle.json"
OWN_FILES = 8  # a flush of at most this many entries (an editor's run) writes them one by one


class FileStore:
    """The per-file results of one engine's run (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._configs: Dict[int, str] = {}
        self._bundles: Dict[str, Bundle] = {}  # entry directory -> its bundle
        self._pending: Dict[str, Dict[str, Any]] = {}  # the command's new entries, by directory
        self._hooked = False
        self.hits = 0
        self.misses = 0

    def place(self, path: str, content: str) -> Optional[Place]:
        """Where a file's entry is and the key it must carry; None for a file outside every
        package root or with no cache directory (such files are always checked)."""
        engine = self.engine
        full = os.path.abspath(path)
        config = engine.finder.for_file(full)
        with engine.fs.unnoted():  # finding the place is nobody's read
            root = find_root(engine.fs, os.path.dirname(full), config)
        directory = engine.indexes.cache_dir(root, config) if root else None
        if not root or not directory:
            return None
        settings = self._configs.get(id(config))
        if settings is None:
            settings = self._configs[id(config)] = value_digest(config._asdict())
        key = value_digest([build_id(), full, content, settings, sorted(engine.selection.codes)])
        return Place(os.path.join(directory, "files", _entry_name(full)), key, root, config, full)

    def load(self, path: str, content: str) -> Optional[Entry]:
        """The stored result of ``path`` with text of digest ``content``, if still true
        (``misses`` counts the files that have a place but no true entry)."""
        return self.lookup(path, content)[0]

    def lookup(self, path: str, content: str) -> Tuple[Optional[Entry], bool]:
        """:meth:`load`, and whether the last stored check of ``path`` (of any text) asked
        the index during its walk (an editor's run then checks the edited file the way that
        walks it least)."""
        place = self.place(path, content)
        if place is None:
            return None, False
        asked = None
        for data in (_read_json(place.file),
                     self._bundle(os.path.dirname(place.file)).get(place.full)):
            entry = self._valid(data, place)
            if entry is not None:
                self.hits += 1
                return entry, False
            if asked is None and isinstance(data, dict) and "asked" in data:
                asked = data["asked"] is True
        self.misses += 1
        return None, bool(asked)

    def _bundle(self, directory: str) -> "Bundle":
        if directory not in self._bundles:
            self._bundles[directory] = Bundle(os.path.join(directory, BUNDLE))
        return self._bundles[directory]

    def _valid(self, data: Any, place: Place) -> Optional[Entry]:
        if not isinstance(data, dict):
            return None
        try:
            if data["key"] != place.key:
                return None
            if not self._still_true(data["reads"], place):
                return None
            findings = [Finding.of(row) for row in data["findings"]]
            located = data["located"]
            if located is not None:
                located = [(Finding.of(row[:5]), str(row[5])) for row in located]
            return Entry(findings, located)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def _still_true(self, reads: Any, place: Place) -> bool:
        engine = self.engine
        with engine.fs.unnoted():
            index = None
            for kind, what, found in reads:
                if kind in INDEX_READS:
                    if index is None:
                        index = engine.indexes.get(place.root, place.config)
                        if index is None:
                            return False
                    if not index.still(kind, what, found):
                        return False
                elif engine.fs.answer(kind, what) != found:
                    return False
            return True

    def save(self, path: str, content: str, findings: Sequence[Finding],
             reads: Dict[Read, str], located: Optional[Sequence[LocatedRow]] = None,
             bundle: bool = False, asked: bool = False) -> None:
        """Record a file's result: in its own entry file now, or (``bundle``) when
        :meth:`flush` runs. Not when its index could not be built: the project rules were
        skipped, and a later run with an index must not reuse that."""
        place = self.place(path, content)
        if place is None or not self.engine.indexes.ready(place.root, place.config):
            return
        data = {"key": place.key,
                "reads": [[kind, what, found] for (kind, what), found in sorted(reads.items())],
                "findings": [list(f) for f in findings],
                "located": None if located is None else [[*f, source] for f, source in located],
                "asked": asked}
        if bundle:
            self._pending.setdefault(os.path.dirname(place.file), {})[place.full] = data
        else:
            _write(place.file, json.dumps(data, separators=(",", ":")))

    def flush(self) -> None:
        """Write what :meth:`save` kept back: a few entries as files of their own, more into
        the bundle of their directory, merged with its earlier entries of files that still
        exist, under a lock, since parallel flake8 workers flush at the same moment (the
        merged files' own entry files, now older, are removed)."""
        pending, self._pending = self._pending, {}
        for directory, entries in pending.items():
            if len(entries) <= OWN_FILES:
                for full, data in entries.items():
                    _write(os.path.join(directory, _entry_name(full)),
                           json.dumps(data, separators=(",", ":")))
                continue
            with _locked(directory):
                earlier = Bundle(os.path.join(directory, BUNDLE))  # as it is now, not as read
                lines = {path: line for path, line in earlier.lines().items()
                         if path not in entries and os.path.exists(path)}
                lines.update((path, json.dumps(data, separators=(",", ":")))
                             for path, data in entries.items())
                _write(os.path.join(directory, BUNDLE), Bundle.text(lines))
                for full in entries:
                    own = os.path.join(directory, _entry_name(full))
                    if os.path.lexists(own):
                        try:
                            os.unlink(own)
                        except OSError:
                            pass
            self._bundles.pop(directory, None)

    def flush_at_exit(self) -> None:
        """Flush once this process ends: at exit, or as a flake8 worker process finishes."""
        if self._hooked:
            return
        self._hooked = True
        multiprocessing = sys.modules.get("multiprocessing")
        if multiprocessing is not None and multiprocessing.parent_process() is not None:
            from multiprocessing.util import Finalize

            Finalize(self, self.flush, exitpriority=10)
        else:
            import atexit

            atexit.register(self.flush)


def _entry_name(full: str) -> str:
    return digest(encoded(full))[:20] + ".json"


@contextlib.contextmanager
def _locked(directory: str) -> Iterator[None]:
    """An exclusive lock on a directory's bundle, where the platform has ``flock``."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: the last writer wins
        yield
        return
    fd = -1
    try:
        os.makedirs(directory, exist_ok=True)
        fd = os.open(os.path.join(directory, ".lock"),
                     os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:
        pass
    try:
        yield
    finally:
        if fd >= 0:
            os.close(fd)  # (closing releases the lock)


class Bundle:
    """The command's entries for one cache directory: a header line that says where in the
    file each entry's JSON starts and how long it is, then the entries. A lookup reads the
    header and one entry, not the whole bundle (an editor's run misses it every time)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._where: Dict[str, Tuple[int, int]] = {}
        if not _ours(file):
            return
        try:
            with open(file, "rb") as fh:
                head = fh.readline()
            where = json.loads(head).get("paths")
        except (OSError, ValueError, AttributeError):
            return
        if isinstance(where, dict):
            start = len(head)
            self._where = {k: (start + v[0], v[1]) for k, v in where.items()
                           if isinstance(k, str) and isinstance(v, list) and len(v) == 2
                           and type(v[0]) is int and type(v[1]) is int
                           and 0 <= v[0] and 0 < v[1] <= MAX_ENTRY}

    def _text(self, place: Tuple[int, int]) -> Optional[str]:
        try:
            with open(self.file, "rb") as fh:
                fh.seek(place[0])
                return fh.read(place[1]).decode("utf-8")
        except (OSError, ValueError):
            return None

    def get(self, full: str) -> Any:
        place = self._where.get(full)
        text = self._text(place) if place else None
        try:
            return json.loads(text) if text else None
        except ValueError:
            return None

    def lines(self) -> Dict[str, str]:
        found = {}
        for full, place in self._where.items():
            text = self._text(place)
            if text:
                found[full] = text
        return found

    @staticmethod
    def text(lines: Dict[str, str]) -> str:
        """A bundle of ``lines`` (path -> its entry's JSON)."""
        where, body, offset = {}, [], 0
        for path in sorted(lines):
            data = encoded(lines[path])
            where[path] = [offset, len(data)]
            body.append(lines[path])
            offset += len(data) + 1
        return json.dumps({"paths": where}, separators=(",", ":")) + "\n" + "\n".join(body)


def _ours(file: str) -> bool:
    """Could this be a file of ours? Only a regular file, never a link, bounded in size."""
    try:
        info = os.lstat(file)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size <= MAX_ENTRY


def _read_text(file: str) -> Optional[str]:
    """A file of ours (see :func:`_ours`), or None."""
    if not _ours(file):
        return None
    try:
        with open(file, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, ValueError):
        return None


def _read_json(file: str) -> Any:
    text = _read_text(file)
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _write(file: str, text: str) -> None:
    """Atomically, never through a link: a temporary file created exclusively beside it."""
    write_cache(file, text, os.path.dirname(os.path.dirname(file)))  # (files/ in the cache)


def check_lines(store: FileStore, lines: Sequence[str], filename: str, tree: Any) -> List[Finding]:
    """The engine's findings for one file as flake8 hands it over, from the store when still
    true. An editor buffer (stdin) is always checked: it may not be what is on disk."""
    engine = store.engine
    if filename in ("", "-", "stdin") or filename == engine.stdin_display:
        return engine.check(lines, filename, tree).findings
    content = content_digest("".join(lines))
    entry, asked = store.lookup(filename, content)
    if entry is not None:
        return entry.findings
    checked = _check_once(engine, lines, filename, tree, content, asked)
    store.save(filename, content, checked.findings, checked.reads, bundle=True,
               asked=checked.asked)
    store.flush_at_exit()
    return checked.findings


def _check_once(engine: Engine, lines: Sequence[str], filename: str, tree: Any, content: str,
                asked: bool) -> Checked:
    """The check of one file, walked once even when the file is new to its index (an
    editor's run after each save): the walk that checks it also yields its summary for the
    index, and the rules judged from the index follow without a second walk, as in a cold
    command run (``run.pipeline``; its tests compare the two ways on every fixture tree).
    A file whose rules asked the index during that walk is checked again in full; when its
    last check ``asked`` so, it is summarised for the index first and checked once in full."""
    full = os.path.abspath(filename)
    with engine.fs.unnoted():
        plans = engine.indexes.plan(engine.finder, [filename])
    mine = next(((plan, item) for plan in plans for item in plan.stale if item.path == full), None)
    local = None
    if mine is not None and not asked and mine[1].digest == content:  # (as the index reads it)
        local = engine.check(lines, filename, tree, Phase.LOCAL)
        if local.summary is None or local.summary.get("module") != mine[1].module:
            local = None
    walked = mine[1] if mine is not None and local is not None else None
    for plan in plans:
        engine.indexes.complete(plan, [
            (item.rel, json.dumps(local.summary) if item is walked and local is not None
             else summary_text(item, engine.finder.for_file(item.path), engine.fs))
            for item in plan.stale])
    if local is None:
        return engine.check(lines, filename, tree)
    if local.wanted_index:
        return engine.check(lines, filename, tree)._replace(asked=True)
    judged = engine.check(lines, filename, phase=Phase.INDEX, parked=local.parked,
                          speculated=local.speculated)
    if judged.wanted_index:  # a session answer of the walk the index does not confirm
        return engine.check(lines, filename, tree)._replace(asked=True)
    return Checked(sorted(set(local.findings + judged.findings)), None, False,
                   {**local.reads, **judged.reads}, asked=local.asked)


__all__ = ["Entry", "FileStore", "check_lines", "content_digest"]
