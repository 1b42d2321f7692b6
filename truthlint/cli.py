"""The ``truthlint`` command: rule reference today; whole-project checks build on it."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from . import __version__
from .docs import render_rule
from .registry import RULES


def _rules(args: argparse.Namespace) -> int:
    width = max(len(r.name) for r in RULES.values())
    for rule in RULES.values():
        status = "opt-in" if rule.opt_in else "on"
        print(f"{rule.code}  {rule.name:<{width}}  {status:<6}  {rule.seed}")
    return 0


def _explain(args: argparse.Namespace) -> int:
    rule = RULES.get(args.code.upper())
    if rule is None:
        print(f"truthlint: unknown code {args.code!r}; `truthlint rules` lists them",
              file=sys.stderr)
        return 2
    print(render_rule(rule), end="")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="truthlint",
                                     description="Architecture truth checks for Python backends.")
    parser.add_argument("--version", action="version", version=f"truthlint {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("rules", help="list every rule code").set_defaults(func=_rules)
    explain = sub.add_parser("explain", help="print one rule's documentation")
    explain.add_argument("code")
    explain.set_defaults(func=_explain)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
