"""A module's summary from its bytes: the summarize function the project index is given.

It parses the module (never imports it) and runs the facts floor's summary collectors; a
module that does not parse, or nests too deep, has the empty summary.
"""

from __future__ import annotations

import ast
import warnings
from typing import Any, Dict

from ..core.config import Config
from ..core.files import FileSystem
from ..core.source import PARSE_ERRORS, split_lines
from ..facts.summary import empty_summary, summarize
from .layout import locate


def summarize_file(path: str, data: bytes, config: Config, fs: FileSystem,
                   module: str) -> Dict[str, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data, filename=path)
    except PARSE_ERRORS:
        return empty_summary(module)
    text = data.decode("utf-8", errors="replace")
    try:
        lines = split_lines(text)
        return summarize(tree, lines, locate(path, lines, config, fs), config, fs,
                         providers=b"yield" in data)
    except RecursionError:
        return empty_summary(module)
