"""Files and directories: the one file walker every entry point uses, and a per-run cache of
directory listings that never raises on unreadable or odd paths.

The walker skips what no project checks in: hidden directories, caches and build output
(ruff's default list), and virtual environments, known by their ``pyvenv.cfg`` whatever they
are named (so a package named ``env/`` is code, and a virtualenv named ``env/`` is not).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from typing import (TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Tuple,
                    Union)

from .location import header_layer, HEADER_LINES

if TYPE_CHECKING:
    import configparser
from .names import sibling_key

# files that mark a project's top directory
PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", "tox.ini", ".flake8", ".git")
SKIP_DIRS = frozenset({"__pycache__", "__pypackages__", "node_modules", "site-packages",
                       "build", "dist", "_build", "buck-out"})


MAX_FILE_BYTES = 32 * 2**20  # a source, configuration or cache file larger than this is skipped


def read_regular(path: str, limit: int = MAX_FILE_BYTES, prefix: bool = False) -> bytes:
    """The bytes of a regular file, read without ever blocking on it: a FIFO, a device, a
    socket or a directory (``/dev/zero`` behind a symlink, ``mkfifo app/x.py``) raises OSError
    instead, and so does a file over ``limit`` bytes — unless ``prefix``, which asks for its
    first ``limit`` bytes only."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        if info.st_size > limit and not prefix:
            raise OSError(errno.EFBIG, f"larger than {limit // 2**20} MB", path)
        chunks: List[bytes] = []
        left = limit + (0 if prefix else 1)  # one byte more tells a file that grew
        while left > 0:
            chunk = os.read(fd, min(left, 2**20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0 and not prefix:
            raise OSError(errno.EFBIG, f"larger than {limit // 2**20} MB", path)
        return b"".join(chunks)
    finally:
        os.close(fd)


def load_toml(data: bytes) -> Dict[str, Any]:
    """TOML bytes -> a table (``tomllib``, or ``tomli`` before 3.11); ValueError (a
    TOMLDecodeError) or UnicodeDecodeError when they are not TOML."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    table: Dict[str, Any] = tomllib.loads(data.decode("utf-8"))
    return table


def read_toml(path: str, marker: bytes = b"") -> Dict[str, Any]:
    """A TOML file of a checked tree as a table; {} when it cannot be read, is not TOML, or
    does not hold ``marker`` (then it is not even parsed)."""
    try:
        data = read_regular(path)
        return load_toml(data) if marker in data else {}
    except (OSError, ValueError, UnicodeDecodeError):
        return {}


def read_ini(path: str, marker: bytes = b"") -> Optional["configparser.RawConfigParser"]:
    """An INI file of a checked tree (``setup.cfg``, ``tox.ini``, ``.importlinter``), parsed
    without interpolation; None when it cannot be read, does not parse, or does not hold
    ``marker``."""
    import configparser

    try:
        data = read_regular(path)
        if marker not in data:
            return None
        parser = configparser.RawConfigParser()
        parser.read_string(data.decode("utf-8"), source=path)
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None
    return parser


def write_atomic(path: str, text: Union[str, bytes], mode: Optional[int] = None) -> None:
    """Write ``text`` (UTF-8) or bytes to ``path`` through a temporary file created
    exclusively beside it (never through a link planted at a predictable name), then renamed
    over it, which replaces a link at ``path`` rather than writing through it. The file gets
    ``mode``, else the mode of the file it replaces, else what ``open`` would give. On failure
    nothing is left behind and the OSError is raised."""
    import tempfile  # only a run that writes pays for importing it

    directory = os.path.dirname(os.path.abspath(path))
    if mode is None:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            mask = os.umask(0)
            os.umask(mask)
            mode = 0o666 & ~mask
    fd, tmp = tempfile.mkstemp(prefix=".truthlint-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode)
            fh.write(_bytes(text))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _bytes(text: Union[str, bytes]) -> bytes:
    """UTF-8 that never fails: a path that was not UTF-8 gets its own bytes back."""
    if isinstance(text, bytes):
        return text
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate of another kind (quoted from a string)
        return text.encode("utf-8", "replace")


def create_new(path: str, text: str = "") -> bool:
    """Create ``path`` holding ``text`` only where nothing (not even a dangling link) is at
    that name yet; whether it was created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     0o666)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return True


# a file whose time is this close to a cache's own (or later) may have changed after it was
# read, in the same tick of a coarse clock: its content is compared, not its time and size
RACY_NS = 2_000_000_000


def write_cache(path: str, text: str, top: Optional[str] = None) -> None:
    """Write one of truthlint's cache files (its directory made, the cache directory ``top``
    marked ignored by git, atomically). A cache that cannot be written is only a slower next
    run: nothing is raised."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mark_ignored(top or os.path.dirname(path))
        write_atomic(path, text)
    except OSError:
        pass


def mark_ignored(directory: str) -> None:
    """A ``.gitignore`` holding ``*`` in a cache directory, unless something is there."""
    create_new(os.path.join(directory, ".gitignore"), "# created by truthlint\n*\n")


def skipped_dir(parent: str, name: str) -> bool:
    """Is ``parent/name`` a directory the walker leaves out?"""
    return (name.startswith(".") or name in SKIP_DIRS
            or os.path.isfile(os.path.join(parent, name, "pyvenv.cfg")))


Skip = Optional[Callable[[str], bool]]  # a path a run leaves out (its ``exclude``)


def walk(top: str, skip: Skip = None) -> Iterator[Tuple[str, List[str]]]:
    """``(directory, sorted file names)`` under ``top``, in sorted order, skipping what
    :func:`skipped_dir` says (and ``skip``, which prunes a directory it names); directory
    symlinks are never followed."""
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not skipped_dir(dirpath, d)
                             and not (skip and skip(os.path.join(dirpath, d))))
        yield dirpath, sorted(filenames)


def python_files_under(top: str, skip: Skip = None) -> Iterator[str]:
    """The ``.py`` files under ``top``; a file symlink whose target lies outside ``top`` is
    left out, as directory symlinks are (what it points at is not this project's code)."""
    inside = None
    for dirpath, filenames in walk(top, skip):
        for name in filenames:
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                if skip and skip(path):
                    continue
                if os.path.islink(path):
                    inside = inside or os.path.realpath(top).rstrip(os.sep) + os.sep
                    if not os.path.realpath(path).startswith(inside):
                        continue
                yield path


def python_files(paths: Iterable[str], skip: Skip = None) -> List[str]:
    """The Python files a run over ``paths`` checks: a file named explicitly is taken as it is
    (unless ``skip`` names it), a directory is walked."""
    found: List[str] = []
    for path in paths:
        if os.path.isfile(path):
            if not (skip and skip(path)):
                found.append(path)
        else:
            found.extend(python_files_under(path, skip))
    return [os.path.normpath(p) for p in found]


Read = Tuple[str, str]  # (kind, what): ("dir", path), ("sum", module), ("fact", key) …


class Reads:
    """What one file's check read beyond the file itself, with what it found: a cached result
    is reused only while every read would find the same again (``run.filestore``)."""

    def __init__(self) -> None:
        self.found: Dict[Read, str] = {}
        self.paused = 0  # inside a whole-project fact's computation: the fact is the read

    def note(self, kind: str, what: str, value: str) -> None:
        if not self.paused:
            self.found.setdefault((kind, what), value)

    def wants(self, kind: str, what: str) -> bool:
        """Is this read still to be noted? (Then its answer is worth working out.)"""
        return not self.paused and (kind, what) not in self.found


def _listed(names: FrozenSet[str]) -> str:
    """A listing as a read records it: hidden entries (caches, editor files) are not inputs,
    but the hidden project markers are."""
    return "|".join(sorted(n for n in names if not n.startswith(".") or n in PROJECT_MARKERS))


class FileSystem:
    """Cached directory listings for one run; never raises on unreadable or odd paths. Every
    answer is noted in :attr:`reads` (the current file's check sets a fresh one)."""

    def __init__(self) -> None:
        self._listing: Dict[str, FrozenSet[str]] = {}
        self._headers: Dict[str, Optional[Tuple[int, int]]] = {}
        self._modes: Dict[str, Optional[int]] = {}
        self._memo: Dict[Any, Tuple[Any, Dict[Read, str]]] = {}
        self.reads = Reads()

    @contextlib.contextmanager
    def unnoted(self) -> Iterator[None]:
        """Nothing read inside is the current file's reading (building an index, computing a
        whole-project fact the file is noted as reading instead, a cache's own lookups)."""
        reads = self.reads
        reads.paused += 1
        try:
            yield
        finally:
            reads.paused -= 1

    def answer(self, kind: str, path: str) -> str:
        """What a read of ``kind`` finds at ``path`` now, as :meth:`Reads.note` records it."""
        if kind == "dir":
            return _listed(self.listdir(path))
        if kind == "mode":
            return str(self.mode(path))
        if kind == "header":
            return str(self.header(path))
        if kind == "isdir":
            return str(self.is_dir(path))
        if kind == "stat":
            return str(self.file_mode(path))
        if kind == "siblings":
            return "|".join(self.siblings(os.path.dirname(path), os.path.basename(path)))
        if kind == "entry":
            return str(self.contains(os.path.dirname(path), os.path.basename(path)))
        return "?"

    def listdir(self, directory: str) -> FrozenSet[str]:
        cached = self._listing.get(directory)
        if cached is None:
            try:
                cached = frozenset(os.listdir(directory))
            except OSError:
                cached = frozenset()
            self._listing[directory] = cached
        if self.reads.wants("dir", directory):
            self.reads.found["dir", directory] = _listed(cached)
        return cached

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """Any fact derived from directory listings, computed once per run (a later file that
        asks again is noted as reading what the computation read)."""
        entry = self._memo.get(key)
        if entry is None:
            outer = self.reads
            self.reads = Reads()
            try:
                value = compute()
            finally:
                inner, self.reads = self.reads, outer
            entry = self._memo[key] = (value, inner.found)
        if not self.reads.paused:
            for read, found in entry[1].items():
                self.reads.found.setdefault(read, found)
        return entry[0]

    def mode(self, path: str) -> Optional[int]:
        """``st_mode`` of a directory, cached."""
        if path not in self._modes:
            try:
                self._modes[path] = os.stat(path).st_mode
            except OSError:
                self._modes[path] = None
        self.reads.note("mode", path, str(self._modes[path]))
        return self._modes[path]

    def file_mode(self, path: str) -> Optional[int]:
        """``st_mode`` of a file, fresh (following links, as opening it would)."""
        try:
            mode: Optional[int] = os.stat(path).st_mode
        except (OSError, ValueError):
            mode = None
        self.reads.note("stat", path, str(mode))
        return mode

    def contains(self, directory: str, name: str) -> bool:
        """Is ``name`` in the directory? (Noted as that one question, not the listing.)"""
        with self.unnoted():
            found = name in self.listdir(directory)
        self.reads.note("entry", os.path.join(directory, name), str(found))
        return found

    def siblings(self, parent: str, key: str) -> List[str]:
        """The modules and packages (directories holding Python files) of ``parent`` whose
        names collide under ``key`` (see ``names.sibling_key``), sorted. Noted as that
        answer: a new module of another name beside them changes nothing."""
        with self.unnoted():
            groups: Dict[str, List[str]] = self.memo(("siblings", parent), lambda: self._groups(parent))
        found = groups.get(key, [])
        self.reads.note("siblings", f"{parent}{os.sep}{key}", "|".join(found))
        return found

    def _groups(self, parent: str) -> Dict[str, List[str]]:
        groups: Dict[str, List[str]] = {}
        for name in sorted(self.listdir(parent)):
            if name.startswith((".", "_")):
                continue
            if name.endswith(".py") or (self.is_dir(os.path.join(parent, name)) and any(
                    n.endswith(".py") for n in self.listdir(os.path.join(parent, name)))):
                groups.setdefault(sibling_key(name), []).append(name)
        return groups

    def has_init(self, directory: str) -> bool:
        return self.contains(directory, "__init__.py")

    def header(self, path: str) -> Optional[Tuple[int, int]]:
        """The ``# Layer:`` header of another project file (first lines only), cached."""
        if path not in self._headers:
            try:
                head = read_regular(path, 64 * 1024, prefix=True)
                lines = head.decode("utf-8", "replace").splitlines(True)[:HEADER_LINES]
            except OSError:
                lines = []
            self._headers[path] = header_layer(lines)
        self.reads.note("header", path, str(self._headers[path]))
        return self._headers[path]

    def is_dir(self, path: str) -> bool:
        try:
            found = os.path.isdir(path)
        except (OSError, ValueError):
            found = False
        self.reads.note("isdir", path, str(found))
        return found
