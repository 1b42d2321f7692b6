"""Baselines: grandfather today's findings, fail only on new ones, let the debt only shrink.

An entry is keyed by code, path and a fingerprint of the offending source line (its stripped
text, and for file- and package-level findings what the message names), never by line number:
an edit above a grandfathered finding does not resurrect it. Among identical keys, the
recorded line decides which finding an entry is (the nearest).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Tuple, cast

from ..core.config import ConfigError
from ..core.digest import blake2b, encoded
from ..core.files import read_regular, write_atomic

BASELINE_VERSION = 2  # 2: what file- and package-level findings name is in their key

Key = Tuple[str, str, str]  # (code, path, fingerprint)
Item = Tuple[str, str, str, str]  # (code, path, source line, message) of one finding


def fingerprint(code: str, source_line: str, subject: str = "") -> str:
    """What a finding is about, without its line number: its code, its line's text, and, for
    findings whose line cannot tell them apart (a package's ``__init__.py``, line 1 of a
    file), what the message names (see ``RuleDoc.identity``)."""
    text = " ".join(source_line.split())
    return blake2b(encoded(f"{code}\0{text}\0{subject}"), digest_size=8).hexdigest()


def subject(code: str, message: str) -> str:
    """The message fields that identify a finding of ``code`` (its rule's ``identity``)."""
    from ..rules.registry import RULES  # (only runs that use a baseline pay for it)

    rule = RULES.get(code)
    if rule is None or not rule.identity:
        return ""
    fields = rule.fields(message)
    if fields is None:
        return message  # a message not from the template (it cannot be): all of it
    return "\0".join(fields.get(name, "") for name in rule.identity)


def relative(path: str, base: str) -> str:
    try:
        rel = os.path.relpath(os.path.abspath(path), base)
    except ValueError:
        rel = os.path.abspath(path)
    return rel.replace(os.sep, "/")


def keys_for(items: Iterable[Item], base: str) -> List[Key]:
    """(code, path, source line, message) of each finding, in order -> baseline keys."""
    keys = []
    paths: Dict[str, str] = {}
    for code, path, line, message in items:
        rel = paths.get(path)
        if rel is None:
            rel = paths[path] = relative(path, base)
        keys.append((code, rel, fingerprint(code, line, subject(code, message))))
    return keys


@dataclass
class Baseline:
    path: str
    entries: List[Dict[str, object]]

    @property
    def base(self) -> str:
        return os.path.dirname(os.path.abspath(self.path))

    @classmethod
    def load(cls, path: str) -> "Baseline":
        try:
            data = json.loads(read_regular(path))
        except OSError as exc:
            raise ConfigError(path, "baseline", f"cannot be read: {exc.strerror}") from None
        except RecursionError:
            raise ConfigError(path, "baseline", "not valid JSON: nested too deep") from None
        except ValueError as exc:
            raise ConfigError(path, "baseline", f"not valid JSON: {exc}") from None
        if isinstance(data, dict) and data.get("version") == 1:
            raise ConfigError(path, "baseline", "written by an older truthlint (format 1); "
                              "write it again with --write-baseline")
        entries = data.get("entries") if isinstance(data, dict) else None
        if (entries is None or data.get("version") != BASELINE_VERSION
                or not isinstance(entries, list)
                or not all(_valid(e) for e in entries)):
            raise ConfigError(path, "baseline",
                              f"not a truthlint baseline (format {BASELINE_VERSION})")
        return cls(path, entries)

    def save(self) -> None:
        entries = sorted(self.entries, key=lambda e: (e["path"], e["code"], e["line"],
                                                      e["fingerprint"]))
        data = {"version": BASELINE_VERSION, "tool": "truthlint", "entries": entries}
        write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def entry(key: Key, line: int, message: str) -> Dict[str, object]:
    return {"code": key[0], "path": key[1], "fingerprint": key[2], "line": line,
            "message": message}


def _valid(entry: object) -> bool:
    return (isinstance(entry, dict) and all(isinstance(entry.get(k), str)
                                            for k in ("code", "path", "fingerprint"))
            and type(entry.get("line")) is int)


def split(keys: List[Key], lines: List[int], baseline: Baseline,
          considered: Optional[Callable[[str, str], bool]] = None
          ) -> Tuple[List[bool], List[int]]:
    """Which findings the baseline grandfathers, and which of its entries nothing matched
    (fixed). Among findings with the same key, each entry takes the nearest one to the line
    it recorded, so a copy of a grandfathered line added above it is the new one. An entry
    ``considered`` rejects (its file not checked or not parsed, its code not selected) still
    grandfathers what it matches but is never fixed."""
    wanted: Dict[Key, List[int]] = {}
    for number, item in enumerate(baseline.entries):
        wanted.setdefault((str(item["code"]), str(item["path"]), str(item["fingerprint"])),
                          []).append(number)
    found: Dict[Key, List[int]] = {}
    for position, key in enumerate(keys):
        found.setdefault(key, []).append(position)
    grandfathered = [False] * len(keys)
    fixed: List[int] = []
    for key, entries in wanted.items():
        positions = found.get(key, [])
        matched = _nearest([cast(int, baseline.entries[e]["line"]) for e in entries],
                           [lines[p] for p in positions])
        for e, p in zip(entries, matched):
            if p is not None:
                grandfathered[positions[p]] = True
            elif considered is None or considered(key[0], key[1]):
                fixed.append(e)
    return grandfathered, sorted(fixed)


def _nearest(recorded: List[int], current: List[int]) -> List[Optional[int]]:
    """For each recorded line, the index of the current line it matches (nearest first), or
    None. Large groups of identical findings are matched in order (bounded work)."""
    if len(recorded) * len(current) > 100_000:
        return [i if i < len(current) else None for i in range(len(recorded))]
    pairs = sorted((abs(r - c), r, c, ri, ci) for ri, r in enumerate(recorded)
                   for ci, c in enumerate(current))
    taken: Dict[int, int] = {}
    used = set()
    for _, _, _, ri, ci in pairs:
        if ri not in taken and ci not in used:
            taken[ri] = ci
            used.add(ci)
    return [taken.get(ri) for ri in range(len(recorded))]
