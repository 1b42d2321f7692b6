"""Source text: bytes to text as Python reads it, text to lines as the parser numbers them,
text to a tree. Every floor reads files through these, so all agree on lines and encodings."""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from typing import Iterator, List, Optional, Tuple

from .files import read_regular

# characters str.splitlines() breaks on that Python's tokenizer (and flake8) do not
_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_OTHER_BREAKS = re.compile(f"[{_BREAKS}]")
_ASCII_BREAKS = tuple(c for c in _BREAKS if c.isascii())  # all an ASCII text may hold
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)


def split_lines(source: str) -> List[str]:
    """Physical lines as the parser numbers them (ends kept): a form feed or a Unicode line
    separator inside a line does not start a new one, as it would for ``str.splitlines``."""
    if source.isascii():  # five substring scans at C speed: a regex class scan cost 100x more
        if not any(c in source for c in _ASCII_BREAKS):
            return source.splitlines(True)
    elif _OTHER_BREAKS.search(source) is None:
        return source.splitlines(True)
    return _LINES.findall(source)


def decode(data: bytes) -> Tuple[str, str]:
    """The source and its encoding, honouring coding cookies and BOMs. Bytes that do not
    decode as they say (an unknown or wrong cookie, a BOM against the cookie) are read as
    latin-1, as flake8 reads them, so both entry points check the same text."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding), encoding
    except (SyntaxError, UnicodeDecodeError, LookupError):
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]  # flake8 drops the BOM, whatever the cookie said
        return data.decode("latin-1"), "latin-1"


def read_source(path: str) -> Optional[str]:
    """Decoded source; None if it cannot be read (see :func:`source_or_reason`)."""
    return source_or_reason(path)[0]


def source_or_reason(path: str) -> Tuple[Optional[str], str]:
    """Decoded source, or None and why not: missing, unreadable, not a regular file, too
    large."""
    try:
        data = read_regular(path)
    except OSError as exc:
        return None, exc.strerror or type(exc).__name__
    return decode(data)[0], ""


SYNTAX_CODE = "E999"  # flake8's code for a file it cannot parse; ruff reports the same way


def syntax_error(path: str, exc: BaseException) -> str:
    """``path:LINE:COL: E999 SyntaxError: message``, as flake8 prints a file it cannot parse."""
    line = getattr(exc, "lineno", None) or 1
    col = getattr(exc, "offset", None) or 1
    detail = getattr(exc, "msg", None) or str(exc) or "too deeply nested"
    return f"{path}:{line}:{col}: {SYNTAX_CODE} {type(exc).__name__}: {detail}"


def parse(source: str, path: str) -> Tuple[Optional[ast.Module], Optional[str]]:
    """The tree, or the diagnostic that says why there is none."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source), None
    except PARSE_ERRORS as exc:
        return None, syntax_error(path, exc)


IMPORT_RE = re.compile(
    r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]{0,4000}\)|[^\n#;]+)|import[ \t]+([^\n#;]+))",
    re.MULTILINE)


def imported_names(text: str, package: str) -> Iterator[str]:
    """The dotted names of ``package`` that the import statements in ``text`` name, read
    line by line without parsing (``from a.b import c`` names ``a.b`` and ``a.b.c``): for
    files that are not parsed, or that do not parse."""
    prefix = package + "."
    for match in IMPORT_RE.finditer(text):
        base, names, plain = match.groups()
        if base is not None:
            if base != package and not base.startswith(prefix):
                continue
            yield base
            for name in names.strip("() \t\n").split(","):
                name = name.split(" as ")[0].strip()
                if name and name != "*" and name.isidentifier():
                    yield f"{base}.{name}"
        else:
            for name in plain.split(","):
                name = name.split(" as ")[0].strip()
                if name == package or name.startswith(prefix):
                    yield name
