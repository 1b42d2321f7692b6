"""Baselines: grandfather today's findings, fail only on new ones, let the debt only shrink.

An entry is keyed by code, path and a fingerprint of the offending source line (its stripped
text and its rank among identical lines), never by line number: an edit above a
grandfathered finding does not resurrect it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from typing import Dict, Iterable, List, Tuple

from ..core.config import ConfigError
from ..core.digest import blake2b, encoded
from ..core.files import read_regular, write_atomic

BASELINE_VERSION = 1

Key = Tuple[str, str, str]  # (code, path, fingerprint)


def fingerprint(code: str, source_line: str, rank: int) -> str:
    text = " ".join(source_line.split())
    return blake2b(encoded(f"{code}\0{text}\0{rank}"), digest_size=8).hexdigest()


def relative(path: str, base: str) -> str:
    try:
        rel = os.path.relpath(os.path.abspath(path), base)
    except ValueError:
        rel = os.path.abspath(path)
    return rel.replace(os.sep, "/")


def keys_for(items: Iterable[Tuple[str, str, str]], base: str) -> List[Key]:
    """(code, path, source line) of each finding, in order -> baseline keys."""
    ranks: Counter[Tuple[str, str, str]] = Counter()
    keys = []
    paths: Dict[str, str] = {}
    for code, path, line in items:
        rel = paths.get(path)
        if rel is None:
            rel = paths[path] = relative(path, base)
        norm = " ".join(line.split())
        ranks[(code, rel, norm)] += 1
        keys.append((code, rel, fingerprint(code, norm, ranks[(code, rel, norm)])))
    return keys


@dataclass
class Baseline:
    path: str
    entries: List[Dict[str, object]]

    @property
    def base(self) -> str:
        return os.path.dirname(os.path.abspath(self.path))

    def keys(self) -> Counter[Key]:
        return Counter((str(e["code"]), str(e["path"]), str(e["fingerprint"]))
                       for e in self.entries)

    @classmethod
    def load(cls, path: str) -> "Baseline":
        try:
            data = json.loads(read_regular(path))
        except OSError as exc:
            raise ConfigError(path, "baseline", f"cannot be read: {exc.strerror}") from None
        except ValueError as exc:
            raise ConfigError(path, "baseline", f"not valid JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or \
                not isinstance(data.get("entries"), list):
            raise ConfigError(path, "baseline", "not a truthlint baseline (version 1)")
        return cls(path, data["entries"])

    def save(self) -> None:
        entries = sorted(self.entries, key=lambda e: (e["path"], e["code"], e["line"],
                                                      e["fingerprint"]))
        data = {"version": BASELINE_VERSION, "tool": "truthlint", "entries": entries}
        write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def entry(key: Key, line: int, message: str) -> Dict[str, object]:
    return {"code": key[0], "path": key[1], "fingerprint": key[2], "line": line,
            "message": message}


def split(keys: List[Key], baseline: Baseline) -> Tuple[List[bool], Counter[Key]]:
    """Which findings the baseline grandfathers, and the baseline keys nothing matched."""
    remaining = baseline.keys()
    grandfathered = []
    for key in keys:
        if remaining[key] > 0:
            remaining[key] -= 1
            grandfathered.append(True)
        else:
            grandfathered.append(False)
    return grandfathered, +remaining
