"""Source text: bytes to text as Python reads it, text to lines as the parser numbers them,
text to a tree. Every floor reads files through these, so all agree on lines and encodings."""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from typing import List, Optional, Tuple

# characters str.splitlines() breaks on that Python's tokenizer (and flake8) do not
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)


def split_lines(source: str) -> List[str]:
    """Physical lines as the parser numbers them (ends kept): a form feed or a Unicode line
    separator inside a line does not start a new one, as it would for ``str.splitlines``."""
    if _OTHER_BREAKS.search(source) is None:
        return source.splitlines(True)
    return _LINES.findall(source)


def decode(data: bytes) -> Tuple[Optional[str], str]:
    """The source and its encoding, honouring coding cookies and BOMs; None if undecodable."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding), encoding
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None, ""


def read_source(path: str) -> Optional[str]:
    """Decoded source; None if it cannot be read or decoded."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    return decode(data)[0]


def parse(source: str, path: str) -> Tuple[Optional[ast.Module], Optional[str]]:
    """The tree, or the diagnostic that says why there is none."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source), None
    except PARSE_ERRORS as exc:
        return None, f"{path}: does not parse ({type(exc).__name__}); skipped"
