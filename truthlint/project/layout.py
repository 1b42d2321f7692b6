"""Where a file sits: its package root, dotted module name and claimed layer.

Everything here reads only directory listings and the first lines of files (never whole
modules), through the run's :class:`~truthlint.core.files.FileSystem` cache, because flake8
asks the same questions for every file of a package.
"""

from __future__ import annotations

import os
from typing import Optional, Sequence, Tuple

from ..core.config import Config
from ..core.files import PROJECT_MARKERS, FileSystem
from ..core.location import NOWHERE, Location, header_layer, is_migration, longest_key, module_name


def find_root(fs: FileSystem, directory: str, config: Config) -> Optional[str]:
    """The package root a directory belongs to (cached per run)."""
    key = ("root", directory, config.roots or None)
    found: Optional[str] = fs.memo(key, lambda: _find_root(fs, directory, config))
    return found


def _find_root(fs: FileSystem, directory: str, config: Config) -> Optional[str]:
    if config.roots:
        inside = [r for r in config.roots
                  if directory == r or directory.startswith(r.rstrip(os.sep) + os.sep)]
        return max(inside, key=len) if inside else None
    best = None
    current = directory
    while True:
        if fs.has_init(current):  # (single questions: a new file beside is not a new answer)
            best = current
        elif any(fs.contains(current, m) for m in PROJECT_MARKERS):
            return best
        elif os.path.basename(current) == "app":
            best = current
        parent = os.path.dirname(current)
        if parent == current:
            return best
        current = parent


def project_dir(root: str) -> Optional[str]:
    """The project directory of a package root: the nearest directory above it holding a
    pyproject.toml, setup.cfg, .git …; None for a tree outside any project."""
    current = os.path.dirname(root)
    while True:
        if any(os.path.exists(os.path.join(current, m)) for m in PROJECT_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def module_file(fs: FileSystem, root: str, module: str) -> Optional[str]:
    """The source file of ``app.api.items`` under ``root`` (``.py`` or package)."""
    parts = module.split(".")[1:]
    base = os.path.join(root, *parts)
    if parts and fs.contains(os.path.dirname(base), parts[-1] + ".py"):
        return base + ".py"
    if fs.has_init(base):
        return os.path.join(base, "__init__.py")
    return None


def layer_from_map(parts: Sequence[str], config: Config) -> Optional[Tuple[int, str]]:
    """Longest matching key of the layer map for a root-relative path."""
    key = longest_key(parts, config.layer_map)
    if key is None:
        return None
    return config.layer_map[key], f"'{key}' in {config.origin('layers', key, 'the default layer map')}"


def locate(path: Optional[str], lines: Sequence[str], config: Config, fs: FileSystem,
           text: Optional[str] = None) -> Location:
    """Place a file (or an editor buffer shown under ``path``) in the project; ``text`` is
    the lines joined, when the caller has it already."""
    if not path:
        return NOWHERE
    path = os.path.abspath(path)
    root = find_root(fs, os.path.dirname(path), config)
    if root is None:
        return Location(path, None, (), None, None, "")
    parts = tuple(os.path.relpath(path, root).split(os.sep))
    if parts[0] == os.pardir:
        return Location(path, None, (), None, None, "")
    module = module_name((os.path.basename(root),) + parts)
    migration = is_migration(parts, "".join(lines) if text is None else text)
    header = header_layer(lines)
    if header is not None:
        layer, line = header
        return Location(path, root, parts, module, layer,
                        f"the '# Layer: L{layer}' header on line {line}", migration, True)
    key = longest_key(parts, config.layer_map)
    if key is not None:
        origin = config.origin("layers", key, "the default layer map")
        declared = key in config.provenance.get("layers", {})
        return Location(path, root, parts, module, config.layer_map[key], f"'{key}' in {origin}",
                        migration, declared, key in config.ordered)
    return Location(path, root, parts, module, None, "", migration)


def module_layer(root: str, module: str, config: Config, fs: FileSystem) -> Optional[Tuple[int, str]]:
    """Claimed layer of another project module, by its header or the layer map."""
    path = module_file(fs, root, module)
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
