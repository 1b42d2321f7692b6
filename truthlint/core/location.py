"""A file's place in the project, as plain data: its root, module name and claimed layer.

Finding the place (roots, the layer map) is the project floor's job; this is only what the
rules and collectors read, and the two pure helpers every floor needs.
"""

from __future__ import annotations

import os
import re
from typing import Any, Mapping, NamedTuple, Optional, Sequence, Tuple

HEADER_RE = re.compile(r"#\s*layer\s*:\s*L([1-8])(?:\.\d+)?[a-z]?\b", re.IGNORECASE)
HEADER_LINES = 10
ROLE_RE = re.compile(r"#\s*role\s*:\s*([a-z][a-z ]*[a-z])", re.IGNORECASE)
# a schema migration, told by what it is rather than where it lives: Alembic revisions
# (``from alembic import op`` + ``revision``), Alembic's ``env.py`` (``from alembic import
# context``) and Django migrations (``class Migration(migrations.Migration)``)
ALEMBIC_RE = re.compile(r"^from alembic import[ (]+(?:op|context)\b", re.MULTILINE)
# a revision needs no import at all (an empty upgrade): its header variables tell it
REVISION_RE = re.compile(r"^down_revision\s*(?::[^=\n]*)?=", re.MULTILINE)
DJANGO_RE = re.compile(r"^class Migration\(migrations\.Migration\)", re.MULTILINE)
MIGRATION_DIRS = ("alembic", "migrations")  # generated schema history, not the live models


class Location(NamedTuple):
    """The facts about one file's place in the project that rules depend on."""

    path: Optional[str]            # absolute path, None for anonymous stdin
    root: Optional[str]            # absolute package root directory
    parts: Tuple[str, ...]         # path components below the root, file name last
    module: Optional[str]          # dotted module name, e.g. "app.api.items"
    layer: Optional[int]           # claimed layer
    layer_origin: str              # where the claim comes from, for messages
    migration: bool = False        # a schema migration (see ``is_migration``): no rule judges it
    declared: bool = False         # the layer comes from the project (a header, [layers]), not
    #                                from truthlint's default layer map
    ordered: bool = False          # ... from an order (layer-order, an import-linter or tach
    #                                contract): a position, not one of the seed's meanings

    @property
    def is_init(self) -> bool:
        return bool(self.parts) and self.parts[-1] == "__init__.py"

    @property
    def directory(self) -> Optional[str]:
        return os.path.dirname(self.path) if self.path else None

    @property
    def is_test(self) -> bool:
        """Test code: under a ``tests``/``test`` package (the root included) or a pytest-style
        file name. Test code is not deployed, so no rule judges it."""
        name = os.path.basename(self.path or "")
        dirs = self.parts[:-1] + ((os.path.basename(self.root),) if self.root else ())
        return (any(p in ("tests", "test") for p in dirs) or name.startswith("test_")
                or name.endswith("_test.py") or name == "conftest.py")

    @property
    def package(self) -> Optional[str]:
        """First component below the root (``api``, ``db.py``): the unit the layer map names."""
        return self.parts[0] if self.parts else None


NOWHERE = Location(None, None, (), None, None, "")


def header_layer(lines: Sequence[str]) -> Optional[Tuple[int, int]]:
    """``# Layer: L4 — Domain Engine`` in the first lines -> (layer, line number)."""
    for number, line in enumerate(lines[:HEADER_LINES], start=1):
        if "ayer" in line:
            match = HEADER_RE.search(line)
            if match:
                return int(match.group(1)), number
    return None


def longest_key(parts: Sequence[str], table: Mapping[str, Any]) -> Optional[str]:
    """The longest root-relative prefix of ``parts`` (``api/v2/items.py``, ``api/v2``,
    ``api``) that ``table`` holds: how the layer map and the roles table name a path. A
    module is also named without its ``.py`` (``billing/views`` for ``billing/views.py``), as
    a dotted contract layer (``shop.billing.views``) names it."""
    for n in range(len(parts), 0, -1):
        key = "/".join(parts[:n])
        if key in table:
            return key
        if n == len(parts) and key.endswith(".py") and key[:-3] in table:
            return key[:-3]
    return None


def header_role(lines: Sequence[str]) -> Optional[Tuple[str, int]]:
    """``# Role: repository`` in the first lines -> (role, line number)."""
    for number, line in enumerate(lines[:HEADER_LINES], start=1):
        if "ole" in line:
            match = ROLE_RE.search(line)
            if match:
                return match.group(1).lower().strip(), number
    return None


def is_migration(parts: Sequence[str], text: str) -> bool:
    """A schema migration, by its content wherever it lives, or by an ``alembic/`` or
    ``migrations/`` directory. Migrations are generated history run by a migration tool:
    their tables are snapshots, their import-time work is their purpose."""
    if any(d in parts[:-1] for d in MIGRATION_DIRS):
        return True
    if "alembic" in text and ALEMBIC_RE.search(text) is not None:
        return True
    if "down_revision" in text and "def upgrade" in text and REVISION_RE.search(text):
        return True
    return "Migration" in text and DJANGO_RE.search(text) is not None


def module_name(parts: Sequence[str]) -> str:
    """``("app", "api", "items.py")`` -> ``app.api.items``; ``__init__.py`` names its package."""
    names = list(parts)
    if names[-1].endswith(".py"):
        names[-1] = names[-1][:-3]
    if names[-1] == "__init__":
        names.pop()
    return ".".join(names)
