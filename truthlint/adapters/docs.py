"""Documentation rendered from the registry and the settings schema.

``python -m truthlint.adapters.docs`` rewrites ``docs/rules/CODE.md`` and the generated blocks of the
README; ``tests/test_docs.py`` fails when the committed files differ from what this renders.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Dict, Optional

from ..core.config import SETTINGS, SETTINGS_BY_KEY
from ..rules.registry import FAMILIES, RULES, RuleDoc

BLOCK_RE = r"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)"


def first_sentence(text: str) -> str:
    match = re.match(r"(.+?\.)(\s|$)", text, re.S)
    return (match.group(1) if match else text).replace("\n", " ")


def render_rule(rule: RuleDoc) -> str:
    status = "on by default"
    if rule.off_by_default:
        status = f"opt-in (`--extend-select {rule.code}`)"
    elif rule.opt_in:
        status = f"opt-in (runs once `{rule.enabled_by}` is configured)"
    out = [
        f"# {rule.code} {rule.name}",
        "",
        f"*Family:* {rule.family} — {FAMILIES[rule.family]} · *Seed IDs:* {rule.seed} · "
        f"*Severity:* {rule.severity} · *Status:* {status}",
        "",
        "## What it does",
        "",
        rule.summary,
        "",
        "## Why it matters",
        "",
        rule.rationale,
        "",
        "## Message",
        "",
        f"`{rule.code} {rule.message}`",
        "",
        *([f"Evidence (printed under it by `truthlint check --verbose`, and carried by JSON "
           f"and SARIF): `{rule.evidence}`", ""] if rule.evidence else []),
        "## Example",
        "",
        "```python",
        rule.bad.rstrip("\n"),
        "```",
        "",
        "Use instead:",
        "",
        "```python",
        rule.good.rstrip("\n"),
        "```",
        "",
        "## Options",
        "",
    ]
    if rule.options:
        for key in rule.options:
            setting = SETTINGS_BY_KEY[key]
            out.append(f"- `{key}` (flake8: `--truthlint-{key}`): {setting.help}")
    else:
        out.append("None.")
    out += ["", "## Known limits", ""]
    out += [f"- {limit}" for limit in rule.limits] or ["None known."]
    return "\n".join(out) + "\n"


def render_rule_table() -> str:
    rows = ["| code | name | what it flags | severity | default |", "|---|---|---|---|---|"]
    for rule in RULES.values():
        status = "opt-in" if rule.opt_in else "on"
        rows.append(f"| [{rule.code}](docs/rules/{rule.code}.md) | {rule.name} | "
                    f"{first_sentence(rule.summary)} | {rule.severity} | {status} |")
    return "\n".join(rows) + "\n"


def render_settings_table() -> str:
    rows = ["| `[tool.truthlint]` key | flake8 option | meaning | example |", "|---|---|---|---|"]
    for setting in SETTINGS:
        example = setting.example.replace("\n", "<br>")
        rows.append(f"| `{setting.key}` | `--truthlint-{setting.key}` | {setting.help} | "
                    f"`{example}` |")
    return "\n".join(rows) + "\n"


def rendered_blocks() -> Dict[str, str]:
    return {"rules": render_rule_table(), "settings": render_settings_table()}


def fill_blocks(readme: str) -> str:
    for name, body in rendered_blocks().items():
        pattern = re.compile(BLOCK_RE.format(name=name), re.S)
        readme = pattern.sub(lambda m: m.group(1) + body + m.group(2), readme)
    return readme


def write(root: Optional[Path] = None) -> None:
    root = root or Path(__file__).resolve().parent.parent.parent
    rules_dir = root / "docs" / "rules"
    rules_dir.mkdir(parents=True, exist_ok=True)
    for rule in RULES.values():
        (rules_dir / f"{rule.code}.md").write_text(render_rule(rule), encoding="utf-8")
    readme = root / "README.md"
    readme.write_text(fill_blocks(readme.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
