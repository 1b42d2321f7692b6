"""Output formats of ``truthlint check``: text (as flake8 prints), JSON, SARIF 2.1.0, GitHub
workflow annotations. Rule metadata and help text come from the registry."""

from __future__ import annotations

import json
from typing import List, Optional, Sequence, Tuple

from .. import __version__
from ..rules.registry import RULES
from ..run.filecheck import Located

DOCS_ENV = "TRUTHLINT_DOCS_URL"  # where the rule pages (docs/rules/CODE.md) are published


BOLD, RED, CYAN, RESET = "\033[1m", "\033[31m", "\033[36m", "\033[0m"


def text(items: Sequence[Located], fingerprints: Sequence[str], docs: Optional[str] = None,
         show_source: bool = False, color: bool = False, verbose: bool = False,
         unparsed: Sequence[str] = ()) -> str:
    """As flake8 prints findings; with ``verbose`` the evidence on an indented line under
    each (the first line stays flake8's, for tools that read it), with ``show_source`` the
    line and a caret under the column (flake8's ``--show-source``), with ``color`` the path,
    position and code in colour. ``unparsed``: finding lines of files that do not parse (as
    flake8's E999), put in their place among the others."""
    blocks = []
    for i in items:
        where = f"{i.path}:{i.finding.line}:{i.finding.col + 1}:"
        code = i.finding.code
        if color:
            where, code = f"{BOLD}{where}{RESET}", f"{BOLD}{RED}{code}{RESET}"
        block = f"{where} {code} {i.finding.message}\n"
        if verbose and i.finding.evidence:
            block += f"    evidence: {i.finding.evidence}\n"
        if show_source and i.source_line:
            indent = "".join(c if c.isspace() else " " for c in i.source_line[:i.finding.col])
            caret = f"{CYAN}^{RESET}" if color else "^"
            block += f"{i.source_line}\n{indent}{caret}\n"
        blocks.append(((i.path, i.finding.line, i.finding.col + 1), block))
    blocks += [(position(line), line + "\n") for line in unparsed]
    blocks.sort(key=lambda b: b[0])
    return "".join(block for _, block in blocks)


def position(line: str) -> Tuple[str, int, int]:
    """(path, line, column) of a ``path:line:col: ...`` line."""
    path, _, rest = line.partition(":")
    row, _, rest = rest.partition(":")
    col = rest.partition(":")[0]
    return (path, int(row) if row.isdigit() else 0, int(col) if col.isdigit() else 0)


def as_json(items: Sequence[Located], fingerprints: Sequence[str],
            docs: Optional[str] = None) -> str:
    rows = [{"path": i.path, "line": i.finding.line, "column": i.finding.col + 1,
             "code": i.finding.code, "name": RULES[i.finding.code].name,
             "message": i.finding.message, "evidence": i.finding.evidence, "fingerprint": fp}
            for i, fp in zip(items, fingerprints)]
    return json.dumps(rows, indent=2) + "\n"


def sarif(items: Sequence[Located], fingerprints: Sequence[str],
          docs: Optional[str] = None) -> str:
    """SARIF 2.1.0. Each rule carries its whole page as help; ``helpUri`` points at the
    page's copy under ``docs`` (``--docs-url``, ``TRUTHLINT_DOCS_URL``: the URL of
    ``docs/rules/`` wherever this repository is published) and is left out without one,
    rather than pointing at a page that does not exist."""
    from .docs import first_sentence, render_rule  # the rule texts only SARIF carries

    codes = list(RULES)
    base = docs.rstrip("/") + "/" if docs else None
    rules = [{
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": first_sentence(rule.summary)},
        "fullDescription": {"text": rule.summary},
        "help": {"text": f"{rule.rationale} Fix: see the example in `truthlint explain "
                         f"{rule.code}`.", "markdown": render_rule(rule)},
        **({"helpUri": f"{base}{rule.code}.md"} if base else {}),
        "defaultConfiguration": {"level": rule.level, "enabled": not rule.opt_in},
        "properties": {"tags": [rule.family, rule.seed], "severity": rule.severity},
    } for rule in RULES.values()]
    results = [{
        "ruleId": i.finding.code,
        "ruleIndex": codes.index(i.finding.code),
        "level": RULES[i.finding.code].level,
        "message": {"text": with_evidence(i.finding.message, i.finding.evidence)},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": i.path.replace("\\", "/"), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": i.finding.line, "startColumn": i.finding.col + 1},
        }}],
        "partialFingerprints": {"truthlint/v1": fp},
    } for i, fp in zip(items, fingerprints)]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "truthlint", "version": __version__,
                                **({"informationUri": base} if base else {}), "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2) + "\n"


def with_evidence(message: str, evidence: str) -> str:
    """A message for a reader with no ``--verbose`` (a code-scanning alert, an annotation):
    the evidence as a second paragraph."""
    return f"{message}\n\nEvidence: {evidence}" if evidence else message


def _escape(value: str, property_value: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def github(items: Sequence[Located], fingerprints: Sequence[str],
           docs: Optional[str] = None) -> str:
    lines: List[str] = []
    for i in items:
        title = _escape(f"{i.finding.code} {RULES[i.finding.code].name}", True)
        lines.append(f"::warning file={_escape(i.path, True)},line={i.finding.line},"
                     f"col={i.finding.col + 1},title={title}::"
                     f"{_escape(with_evidence(i.finding.message, i.finding.evidence))}\n")
    return "".join(lines)


RENDER = {"text": text, "json": as_json, "sarif": sarif, "github": github}
