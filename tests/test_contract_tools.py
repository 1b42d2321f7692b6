"""TBV002 under another tool's contract gives that tool's verdicts on direct imports.

Each scenario is a small tree written here, in the shapes import-linter's and tach's own
documentation use for their layer contracts. ``VERDICTS`` holds what the tools themselves
said on these trees (import-linter 2.17, tach 0.35.3), recorded by
``python benchmarks/contract_tools.py`` in a virtualenv with both installed (the test needs
neither, nor a network). Where the tools and truthlint differ, on purpose, the difference is
listed in ``DIFFERENCES`` and documented (core/contracts.py, docs/rules/TBV002.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from .conftest import run_truthlint, write_tree

Verdict = Tuple[str, str, int]  # (importing module, imported module, line)

SCENARIOS: Dict[str, Dict[str, str]] = {
    "three-tiers": {  # import-linter's layers contract: high, medium, low
        ".importlinter": """\
            [importlinter]
            root_package = bank

            [importlinter:contract:tiers]
            name = Bank tiers
            type = layers
            layers =
                bank.web
                bank.logic
                bank.storage
            """,
        "pyproject.toml": "[project]\nname = \"bank\"\n",
        "bank/__init__.py": "",
        "bank/web/__init__.py": "",
        "bank/web/pages.py": """\
            from bank.logic import rules
            from bank.storage import rows

            TITLE = "accounts"
            """,
        "bank/logic/__init__.py": "",
        "bank/logic/rules.py": """\
            from bank.storage import rows
            from bank.web import pages

            LIMIT = 3
            """,
        "bank/storage/__init__.py": "",
        "bank/storage/rows.py": """\
            from typing import TYPE_CHECKING

            from bank import shared

            if TYPE_CHECKING:
                from bank.web.pages import TITLE


            def describe():
                from bank.logic import rules
                return rules.LIMIT
            """,
        "bank/shared.py": """\
            from bank.web import pages

            NAME = pages.TITLE
            """,
    },
    "containers": {  # import-linter's layers contract repeated in each container
        ".importlinter": """\
            [importlinter]
            root_package = shop

            [importlinter:contract:features]
            name = Feature layers
            type = layers
            containers =
                shop.billing
                shop.catalog
            layers =
                views
                service
                models
            """,
        "pyproject.toml": "[project]\nname = \"shop\"\n",
        "shop/__init__.py": "",
        "shop/billing/__init__.py": "",
        "shop/billing/views.py": "from shop.billing import service\n",
        "shop/billing/service.py": "from shop.billing import models\n",
        "shop/billing/models.py": "from shop.billing import views\n",
        "shop/catalog/__init__.py": "",
        "shop/catalog/views.py": "from shop.catalog import models\n",
        "shop/catalog/service.py": "from shop.catalog import models\n",
        "shop/catalog/models.py": "from shop.catalog import service\n",
    },
    "independent-siblings": {  # import-linter's ``|``: siblings in a layer, independent
        ".importlinter": """\
            [importlinter]
            root_package = desk

            [importlinter:contract:desk]
            name = Desk layers
            type = layers
            layers =
                desk.web | desk.cli
                desk.core
            """,
        "pyproject.toml": "[project]\nname = \"desk\"\n",
        "desk/__init__.py": "",
        "desk/web/__init__.py": "",
        "desk/web/pages.py": "from desk.cli import commands\nfrom desk.core import calc\n",
        "desk/cli/__init__.py": "",
        "desk/cli/commands.py": "from desk.core import calc\n",
        "desk/core/__init__.py": "",
        "desk/core/calc.py": "from desk.web import pages\n",
    },
    "tach-layers": {  # tach's layers, top first, with modules placed in them
        "tach.toml": """\
            layers = ["api", "core", "db"]

            [[modules]]
            path = "app.api"
            layer = "api"

            [[modules]]
            path = "app.core"
            layer = "core"

            [[modules]]
            path = "app.db"
            layer = "db"
            """,
        "pyproject.toml": "[project]\nname = \"app\"\n",
        "app/__init__.py": "",
        "app/api/__init__.py": "",
        "app/api/handlers.py": "from app.core import logic\nfrom app.db import tables\n",
        "app/core/__init__.py": "",
        "app/core/logic.py": """\
            from app.db import tables


            def late():
                from app.api import handlers
                return handlers
            """,
        "app/db/__init__.py": "",
        "app/db/tables.py": """\
            from typing import TYPE_CHECKING

            from app.api import handlers

            if TYPE_CHECKING:
                from app.core import logic
            """,
    },
}

# what the tools reported on direct imports (import-linter also lists indirect chains; see
# DIFFERENCES), as ``python benchmarks/contract_tools.py --record`` printed it
VERDICTS: Dict[str, List[Verdict]] = {
    "three-tiers": [("bank.logic.rules", "bank.web.pages", 2),
                    ("bank.storage.rows", "bank.logic.rules", 10),
                    ("bank.storage.rows", "bank.web.pages", 6)],
    "containers": [("shop.billing.models", "shop.billing.views", 1),
                   ("shop.catalog.models", "shop.catalog.service", 1)],
    "independent-siblings": [("desk.core.calc", "desk.web.pages", 1),
                             ("desk.web.pages", "desk.cli.commands", 1)],
    "tach-layers": [("app.core.logic", "app.api.handlers", 5),
                    ("app.db.tables", "app.api.handlers", 3)],
}
# where truthlint says otherwise, on purpose: an import under ``if TYPE_CHECKING:`` never
# runs, so it couples no layers (import-linter counts it unless told
# ``exclude_type_checking_imports = True``; tach skips it as truthlint does); and modules of
# one layer may import each other (import-linter's ``|`` makes siblings independent;
# truthlint reads ``|`` and ``:`` alike, as its own ``layer-order`` does)
DIFFERENCES: Dict[str, Set[Verdict]] = {
    "three-tiers": {("bank.storage.rows", "bank.web.pages", 6)},
    "independent-siblings": {("desk.web.pages", "desk.cli.commands", 1)},
}


def tbv002(root: Path) -> Set[Verdict]:
    done = run_truthlint(root, "check", "--select", "TBV002", "--format", "json",
                         "--no-progress", ".")
    assert done.returncode in (0, 1), done.stderr
    found = set()
    for row in json.loads(done.stdout):
        message = row["message"]
        source = message.split(" ", 1)[0]
        imported = message.split(" imports ", 1)[1].split(", but ", 1)[0]
        # "a.b (layer 1 …)", "Name from a.b (layer 1 …)", several joined by ", "
        for part in re.findall(r"(?:(\S+) from )?(\S+) \((?:layer \d+ of the order|L\d)\)",
                               imported):
            found.add((source, part[1], row["line"]))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_tbv002_gives_the_contract_tools_verdicts_on_direct_imports(tmp_path, name):
    root = write_tree(tmp_path, SCENARIOS[name])
    expected = set(VERDICTS[name]) - DIFFERENCES.get(name, set())
    assert tbv002(root) == expected
