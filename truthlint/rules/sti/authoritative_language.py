"""STI011: advisory packages must not state predictions as facts."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Dict, Pattern, Set, Tuple

from ...core.context import FileContext
from ..base import Rule, RuleDoc

_PATTERNS: Dict[Tuple[str, ...], Pattern[str]] = {}  # noqa: SOI002 (memo of compiled word lists)


def word_pattern(words: Tuple[str, ...]) -> Pattern[str]:
    """Whole words and phrases, any case: ``certain`` never matches ``uncertain``."""
    pattern = _PATTERNS.get(words)
    if pattern is None:
        alternatives = sorted((r"\s+".join(map(re.escape, w.split())) for w in words),
                              key=len, reverse=True)
        pattern = re.compile(r"(?<![\w-])(?:%s)(?![\w-])" % "|".join(alternatives), re.IGNORECASE)
        _PATTERNS[words] = pattern
    return pattern


def _is_prose(text: str) -> bool:
    """More than one word: a single token (``"confirmed"``) is a value, not language."""
    return len(text.split(None, 1)) > 1


def in_packages(ctx: FileContext, packages: Tuple[str, ...]) -> bool:
    """Is the file inside one of ``packages`` (root-relative path or dotted module prefix)?"""
    loc = ctx.location
    if loc.module is None:
        return False
    relative = "/".join(loc.parts)
    for package in packages:
        dotted = package.replace("/", ".")
        if (relative.startswith(package.rstrip("/") + "/") or relative == package + ".py"
                or loc.module == dotted or loc.module.startswith(dotted + ".")
                or ".".join(loc.module.split(".")[1:]).startswith(dotted)):
            return True
    return False


class AuthoritativeLanguage(Rule):
    """STI011: advisory packages must not state predictions as facts."""

    doc = RuleDoc(
        code="STI011",
        name="authoritative-language",
        severity="governance",
        message="advisory module {module} states '{word}' as fact in a {kind} — hedge it "
                "(\"likely\", \"predicted\", \"may\"): advisory output must not read as a "
                "verdict",
        summary="In packages configured as advisory (`advisory-packages`, default "
                "`predictions`), flags string literals, docstrings and log/exception messages — "
                "and comments when `check-comments` is on — that use authoritative wording from "
                "`authoritative-words` (default: confirmed, guaranteed, certain, definitely, "
                "will fail, will occur, must happen, detected root cause). Words match whole, in "
                "any case.",
        rationale="The seed's `predictions/` is an advisory-only canary, but nothing stopped "
                  "its output from saying \"failure confirmed\": operators act on the wording, "
                  "not on the package's intent (the seed's semantic enforcement gap).",
        seed="STI-011",
        bad="""# app/predictions/canary.py
def explain(score):
    return f"Failure confirmed: the run will fail (score {score})"
""",
        good="""# app/predictions/canary.py
def explain(score):
    return f"Failure likely: the run may fail (score {score})"
""",
        options=("advisory-packages", "authoritative-words", "check-comments"),
        limits=(
            "Identifiers are never checked, nor words inside longer words (`uncertain`).",
            "Single-word strings (`\"confirmed\"` as a status value) are values, not prose, "
            "and are not checked.",
        ),
    )

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return bool(ctx.config.authoritative_words) and in_packages(ctx, ctx.config.advisory_packages)

    def begin(self) -> None:
        self.pattern = word_pattern(self.ctx.config.authoritative_words)
        self.docstrings: Set[int] = set()  # ids of docstring constants
        self.seen: Set[int] = set()        # ids of constants judged as part of an f-string
        if self.ctx.config.check_comments:
            self._comments()

    def _comments(self) -> None:
        source = self.ctx.text
        try:
            for tok in tokenize.generate_tokens(io.StringIO(source).readline):
                if tok.type == tokenize.COMMENT:
                    self._scan(tok.string, tok.start[0], tok.start[1], "comment")
        except (tokenize.TokenError, SyntaxError):
            return

    def _mark_docstring(self, node: ast.AST) -> None:
        body = getattr(node, "body", None)
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            self.docstrings.add(id(body[0].value))

    visit_Module = visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = _mark_docstring

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        """An f-string is judged as one text at its own position (its parts' positions vary
        between Python versions)."""
        parts = [v for v in node.values if isinstance(v, ast.Constant)]
        self.seen.update(id(p) for p in parts)
        text = " ".join(str(p.value) for p in parts)
        if _is_prose(text):
            self._scan(text, node.lineno, node.col_offset, "string")

    def visit_Constant(self, node: ast.Constant) -> None:
        if id(node) in self.seen:
            return
        if isinstance(node.value, str) and _is_prose(node.value):
            kind = "docstring" if id(node) in self.docstrings else "string"
            self._scan(node.value, node.lineno, node.col_offset, kind)

    def _scan(self, text: str, line: int, col: int, kind: str) -> None:
        match = self.pattern.search(text)
        if match:
            offset = text.count("\n", 0, match.start())
            self.report(line + offset, col if not offset else 0,
                        module=self.ctx.location.module, word=match.group(0), kind=kind)
