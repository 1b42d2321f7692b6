"""The parts of a project's flake8 configuration that ``truthlint check`` honours, so the two
entry points report the same findings on the same configured tree: ``exclude``,
``extend-exclude``, ``per-file-ignores``, and the ``ignore`` / ``extend-ignore`` entries that
name truthlint codes. flake8's ``select`` is not taken over: teams' lists usually name only
E/F/W, and would silence truthlint.

The file is found as flake8 finds it (``setup.cfg``, ``tox.ini`` or ``.flake8`` with a
``[flake8]`` section, from the working directory up to the home directory), and read
through the reader every file of a checked tree goes through (never a FIFO or a device).
"""

from __future__ import annotations

import configparser
import os
from typing import NamedTuple, Optional, Tuple

from ..core.config import ConfigError, parse_list, parse_per_file
from ..core.files import read_ini
from ..core.patterns import PerFile, normalize, normalize_per_file
from ..rules.registry import RULES

CANDIDATES = ("setup.cfg", "tox.ini", ".flake8")


class Flake8Settings(NamedTuple):
    source: Optional[str] = None
    exclude: Tuple[str, ...] = ()      # normalized patterns
    per_file_ignores: PerFile = ()
    ignore: Tuple[str, ...] = ()       # entries that name truthlint codes (or their prefixes)


def find(start: str) -> Optional[Tuple[str, configparser.RawConfigParser]]:
    home = os.path.expanduser("~")
    current = os.path.abspath(start)
    while True:
        for name in CANDIDATES:
            path = os.path.join(current, name)
            parser = read_ini(path) if os.path.isfile(path) else None
            if parser is not None and parser.has_section("flake8"):  # (an unparseable file
                return path, parser  # is passed over, as flake8 does)
        parent = os.path.dirname(current)
        if parent == current or current == home:
            return None
        current = parent


def load(start: str = ".") -> Flake8Settings:
    found = find(start)
    if found is None:
        return Flake8Settings()
    path, parser = found
    section = parser["flake8"]
    base = os.path.dirname(path)

    def listed(*keys: str) -> Tuple[str, ...]:
        values: Tuple[str, ...] = ()
        for key in keys:
            for spelling in (key, key.replace("-", "_")):
                if spelling in section:
                    values += parse_list(section[spelling], path, key)
        return values

    per_file: PerFile = ()
    for spelling in ("per-file-ignores", "per_file_ignores"):
        if spelling in section and section[spelling].strip():
            per_file += normalize_per_file(parse_per_file(section[spelling], path, spelling),
                                           base)
    ignore = tuple(code for code in listed("ignore", "extend-ignore")
                   if any(known.startswith(code) for known in RULES))
    return Flake8Settings(path, normalize(listed("exclude", "extend-exclude"), base),
                          per_file, ignore)


__all__ = ["ConfigError", "Flake8Settings", "find", "load"]
