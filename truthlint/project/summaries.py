"""A module's summary from its bytes: the summarize function the project index is given.

It parses the module (never imports it) and runs the facts floor's summary collectors. A
module that does not parse (newer syntax than the running Python, or broken) is marked
``unparsed``, with the imports of its own package read line by line: the import graph leaves
it out, and no rule claims that nothing imports a module while one is unread.
"""

from __future__ import annotations

import ast
import json
import warnings
from typing import TYPE_CHECKING, Any, Dict

from ..core.config import Config
from ..core.files import FileSystem
from ..core.source import PARSE_ERRORS, imported_names, split_lines
from ..core.walker import warn
from ..facts.summary import FUNCTION_LEVEL, empty_summary, summarize
from .layout import locate

if TYPE_CHECKING:
    from .index import Stale


def summarize_file(path: str, data: bytes, config: Config, fs: FileSystem,
                   module: str) -> Dict[str, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data, filename=path)
    except PARSE_ERRORS:
        return unparsed_summary(data, module)
    text = data.decode("utf-8", errors="replace")
    try:
        lines = split_lines(text)
        return summarize(tree, lines, locate(path, lines, config, fs, text), config, fs)
    except RecursionError:
        return unparsed_summary(data, module)


def unparsed_summary(data: bytes, module: str) -> Dict[str, Any]:
    summary = empty_summary(module)
    summary["unparsed"] = True
    text = data.decode("utf-8", errors="replace")
    package = module.split(".")[0]
    if package:
        summary["imports"] = [[name, [], 0, 0, FUNCTION_LEVEL]
                              for name in sorted(set(imported_names(text, package)))]
    return summary


def summary_text(item: "Stale", config: Config, fs: FileSystem) -> str:
    """The summary JSON of a stale module for the index. A truthlint bug while summarising is
    said once on the logger, and the module counts as unread (no claim rests on it)."""
    try:
        return json.dumps(summarize_file(item.path, item.data, config, fs, item.module))
    except Exception as exc:
        warn("truthlint: could not summarise %s (%r); it counts as unread", item.path, exc)
        return json.dumps(unparsed_summary(item.data, item.module))
