"""Where a file sits: its package root, dotted module name and claimed layer.

Everything here reads only directory listings (never file contents of other modules), and
caches them for one run, because flake8 asks the same questions for every file of a package.
"""

from __future__ import annotations

import os
import re
from typing import Any, Callable, Dict, FrozenSet, List, NamedTuple, Optional, Sequence, Tuple

from ..core.config import Config

PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", "tox.ini", ".flake8", ".git")
HEADER_RE = re.compile(r"#\s*layer\s*:\s*L([1-8])(?:\.\d+)?[a-z]?\b", re.IGNORECASE)
HEADER_LINES = 10
MIGRATION_DIRS = ("alembic", "migrations")  # generated schema history, not the live models


# characters str.splitlines() breaks on that Python's tokenizer (and flake8) do not
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(source: str) -> List[str]:
    """Physical lines as the parser numbers them (ends kept): a form feed or a Unicode line
    separator inside a line does not start a new one, as it would for ``str.splitlines``."""
    if _OTHER_BREAKS.search(source) is None:
        return source.splitlines(True)
    return _LINES.findall(source)


class FileSystem:
    """Cached directory listings for one run; never raises on unreadable or odd paths."""

    def __init__(self) -> None:
        self._listing: Dict[str, FrozenSet[str]] = {}
        self._roots: Dict[Tuple[str, Optional[Tuple[str, ...]]], Optional[str]] = {}
        self._headers: Dict[str, Optional[Tuple[int, int]]] = {}
        self._modes: Dict[str, Optional[int]] = {}
        self._memo: Dict[Any, Any] = {}

    def listdir(self, directory: str) -> FrozenSet[str]:
        cached = self._listing.get(directory)
        if cached is None:
            try:
                cached = frozenset(os.listdir(directory))
            except OSError:
                cached = frozenset()
            self._listing[directory] = cached
        return cached

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """Any fact derived from directory listings, computed once per run."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def mode(self, path: str) -> Optional[int]:
        """``st_mode`` of a directory, cached (files are stat'ed fresh by their rule)."""
        if path not in self._modes:
            try:
                self._modes[path] = os.stat(path).st_mode
            except OSError:
                self._modes[path] = None
        return self._modes[path]

    def has_init(self, directory: str) -> bool:
        return "__init__.py" in self.listdir(directory)

    def header(self, path: str) -> Optional[Tuple[int, int]]:
        """The ``# Layer:`` header of another project file (first lines only), cached."""
        if path not in self._headers:
            try:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    lines = [fh.readline() for _ in range(HEADER_LINES)]
            except OSError:
                lines = []
            self._headers[path] = header_layer(lines)
        return self._headers[path]

    def module_file(self, root: str, module: str) -> Optional[str]:
        """The source file of ``app.api.items`` under ``root`` (``.py`` or package)."""
        parts = module.split(".")[1:]
        base = os.path.join(root, *parts)
        if parts and parts[-1] + ".py" in self.listdir(os.path.dirname(base)):
            return base + ".py"
        if "__init__.py" in self.listdir(base):
            return os.path.join(base, "__init__.py")
        return None

    def is_dir(self, path: str) -> bool:
        try:
            return os.path.isdir(path)
        except (OSError, ValueError):
            return False

    def find_root(self, directory: str, config: Config) -> Optional[str]:
        key = (directory, config.roots or None)
        if key not in self._roots:
            self._roots[key] = self._find_root(directory, config)
        return self._roots[key]

    def _find_root(self, directory: str, config: Config) -> Optional[str]:
        if config.roots:
            inside = [r for r in config.roots
                      if directory == r or directory.startswith(r.rstrip(os.sep) + os.sep)]
            return max(inside, key=len) if inside else None
        best = None
        current = directory
        while True:
            names = self.listdir(current)
            if "__init__.py" in names:
                best = current
            elif any(m in names for m in PROJECT_MARKERS):
                return best
            elif os.path.basename(current) == "app":
                best = current
            parent = os.path.dirname(current)
            if parent == current:
                return best
            current = parent


class Location(NamedTuple):
    """The facts about one file's place in the project that rules depend on."""

    path: Optional[str]            # absolute path, None for anonymous stdin
    root: Optional[str]            # absolute package root directory
    parts: Tuple[str, ...]         # path components below the root, file name last
    module: Optional[str]          # dotted module name, e.g. "app.api.items"
    layer: Optional[int]           # claimed layer
    layer_origin: str              # where the claim comes from, for messages

    @property
    def is_init(self) -> bool:
        return bool(self.parts) and self.parts[-1] == "__init__.py"

    @property
    def directory(self) -> Optional[str]:
        return os.path.dirname(self.path) if self.path else None

    @property
    def is_test(self) -> bool:
        """Test code: under a ``tests``/``test`` package (the root included) or a pytest-style
        file name. Test code is not deployed, so no rule judges it."""
        name = os.path.basename(self.path or "")
        dirs = self.parts[:-1] + ((os.path.basename(self.root),) if self.root else ())
        return (any(p in ("tests", "test") for p in dirs) or name.startswith("test_")
                or name.endswith("_test.py") or name == "conftest.py")

    @property
    def package(self) -> Optional[str]:
        """First component below the root (``api``, ``db.py``): the unit the layer map names."""
        return self.parts[0] if self.parts else None


NOWHERE = Location(None, None, (), None, None, "")


def header_layer(lines: Sequence[str]) -> Optional[Tuple[int, int]]:
    """``# Layer: L4 — Domain Engine`` in the first lines -> (layer, line number)."""
    for number, line in enumerate(lines[:HEADER_LINES], start=1):
        if "ayer" in line:
            match = HEADER_RE.search(line)
            if match:
                return int(match.group(1)), number
    return None


def layer_from_map(parts: Sequence[str], config: Config) -> Optional[Tuple[int, str]]:
    """Longest matching key of the layer map for a root-relative path."""
    for n in range(len(parts), 0, -1):
        key = "/".join(parts[:n])
        layer = config.layer_map.get(key)
        if layer is not None:
            origin = config.origin("layers", key, "the default layer map")
            return layer, f"'{key}' in {origin}"
    return None


def locate(path: Optional[str], lines: Sequence[str], config: Config, fs: FileSystem) -> Location:
    """Place a file (or an editor buffer shown under ``path``) in the project."""
    if not path:
        return NOWHERE
    path = os.path.abspath(path)
    root = fs.find_root(os.path.dirname(path), config)
    if root is None:
        return Location(path, None, (), None, None, "")
    parts = tuple(os.path.relpath(path, root).split(os.sep))
    if parts[0] == os.pardir:
        return Location(path, None, (), None, None, "")
    module = module_name((os.path.basename(root),) + parts)
    header = header_layer(lines)
    if header is not None:
        layer, line = header
        return Location(path, root, parts, module, layer, f"the '# Layer: L{layer}' header on line {line}")
    mapped = layer_from_map(parts, config)
    if mapped is not None:
        return Location(path, root, parts, module, mapped[0], mapped[1])
    return Location(path, root, parts, module, None, "")


def module_name(parts: Sequence[str]) -> str:
    """``("app", "api", "items.py")`` -> ``app.api.items``; ``__init__.py`` names its package."""
    names = list(parts)
    if names[-1].endswith(".py"):
        names[-1] = names[-1][:-3]
    if names[-1] == "__init__":
        names.pop()
    return ".".join(names)


def module_layer(root: str, module: str, config: Config, fs: FileSystem) -> Optional[Tuple[int, str]]:
    """Claimed layer of another project module, by its header or the layer map."""
    path = fs.module_file(root, module)
    rel = module.split(".")[1:]
    if path is not None:
        header = fs.header(path)
        if header is not None:
            shown = os.path.relpath(path, os.path.dirname(root)).replace(os.sep, "/")
            return header[0], f"the '# Layer: L{header[0]}' header of {shown}"
        parts = rel + ["__init__.py"] if path.endswith("__init__.py") else rel[:-1] + [rel[-1] + ".py"]
        return layer_from_map(parts, config)
    if not rel:
        return None
    return layer_from_map(rel, config) or layer_from_map(rel[:-1] + [rel[-1] + ".py"], config)
