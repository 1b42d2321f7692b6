"""``truthlint init`` writes a configuration that works: into the project's own
pyproject.toml, valid TOML, honouring `# Layer:` headers, contracts, and the import graph."""

from __future__ import annotations

import sys
import textwrap

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from truthlint.adapters.init import layering, order, settle

from .conftest import run_truthlint, write_tree
from truthlint.core.contracts import layer_keys


make, run = write_tree, run_truthlint


SHOP = {
    "pyproject.toml": '[project]\nname = "shop"\n\n[tool.black]\nline-length = 100\n',
    "shop/__init__.py": "",
    "shop/main.py": "from shop.api import routes\n",
    "shop/api/__init__.py": "",
    "shop/api/routes.py": "from shop.services import orders\n",
    "shop/api/admin.py": "from shop.services import stock\n",
    "shop/services/__init__.py": "",
    "shop/services/orders.py": "from shop.models import order\n",
    "shop/models/__init__.py": "",
    "shop/models/order.py": "from shop.api import routes\n",  # points up: the one to baseline
    "shop/models/item.py": "X = 1\n",
    "shop/services/stock.py": "from shop.models import item\n",
    "shop/migrations/__init__.py": "",
    "shop/migrations/env.py": "from alembic import context\n",
    "tests/__init__.py": "",
    "tests/test_orders.py": "from shop.services import orders\n",
    "scripts/__init__.py": "",
}


def test_the_layering_points_most_imports_down():
    edges = {("main.py", "api"): 1, ("api", "services"): 3, ("services", "models"): 5,
             ("models", "api"): 1}
    from collections import Counter

    units = order(["api", "main.py", "models", "services"], Counter(edges))
    layers, upward = layering(units, Counter(edges))
    assert layers == {"main.py": 2, "api": 3, "services": 4, "models": 5}
    assert upward == [("models", "api")]


def test_contract_layers_name_the_units_below_the_root():
    assert layer_keys(["shop.api | shop.cli", "shop.services", "shop.models"]) == {
        "api": 2, "cli": 2, "services": 3, "models": 4}
    assert layer_keys(["api", "services.v2"], ["shop"]) == {"api": 2, "services/v2": 3}


@pytest.mark.slow
def test_init_writes_valid_toml_into_the_projects_own_pyproject(tmp_path):
    root = make(tmp_path, SHOP)
    inside = root / "shop" / "api"
    proposed = run(inside, "init")
    assert proposed.returncode == 0, proposed.stderr
    assert "writing into ../../pyproject.toml" in proposed.stderr
    table = tomllib.loads(proposed.stdout)["tool"]["truthlint"]
    assert table["roots"] == ["shop"]  # not tests/ or scripts/
    assert table["extend-exclude"] == ["shop/migrations"]
    # models imports api: the layers from api down to models share one, so that the written
    # layering adds no finding today; the stricter order is printed with the import to baseline
    assert table["layer-order"] == ["main.py", "api | models | services"]
    assert ("a stricter order, if the team wants it: layer-order = [\"main.py\", \"api\", "
            "\"services\", \"models\"] — 5 of 6 imports between packages point down in it; this "
            "one points up") in proposed.stderr
    assert "models -> api (1 module(s))" in proposed.stderr  # the one import that points up
    written = run(inside, "init", "--write")
    assert written.returncode == 0
    assert not (inside / "pyproject.toml").exists()  # never a new file in a subdirectory
    data = tomllib.loads((root / "pyproject.toml").read_text())
    assert data["project"]["name"] == "shop" and data["tool"]["black"]["line-length"] == 100
    assert data["tool"]["truthlint"]["layer-order"][0] == "main.py"
    check = run(root, "check", "--no-progress", "--select", "TBV002", ".")
    assert check.stdout == ""  # nothing on day one
    (root / "shop/api/routes.py").write_text("from shop.services import orders\nimport shop.main\n")
    check = run(root, "check", "--no-progress", "--select", "TBV002", ".")
    assert [line.split(":")[0] for line in check.stdout.splitlines()] == ["shop/api/routes.py"]
    again = run(root, "init", "--write")
    assert again.returncode == 2 and "already has a [tool.truthlint] section" in again.stderr


@pytest.mark.slow
def test_init_writes_the_layering_the_imports_keep(tmp_path):
    files = dict(SHOP, **{"shop/models/order.py": "X = 2\n"})  # nothing points up now
    proposed = run(make(tmp_path, files), "init")
    table = tomllib.loads(proposed.stdout)["tool"]["truthlint"]
    assert table["layer-order"] == ["main.py", "api", "services", "models"]
    assert "stricter order" not in proposed.stderr
    assert "4 layers in which no import points up today" in proposed.stderr


@pytest.mark.slow
def test_init_counts_imports_inside_functions_as_tbv002_does(tmp_path):
    files = dict(SHOP, **{"shop/models/order.py": "def late():\n    from shop.services import stock\n"})
    table = tomllib.loads(run(make(tmp_path, files), "init").stdout)["tool"]["truthlint"]
    assert table["layer-order"] == ["main.py", "api", "models | services"]


def test_settling_a_layering_joins_the_layers_an_import_points_up_across():
    from collections import Counter

    layers = {"a": 2, "b": 3, "c": 4, "d": 5}
    assert settle(layers, Counter({("c", "b"): 1})) == {"a": 2, "b": 3, "c": 3, "d": 4}
    assert settle(layers, Counter({("d", "a"): 1})) == {"a": 2, "b": 2, "c": 2, "d": 2}
    assert settle(layers, Counter({("a", "d"): 3})) == layers


@pytest.mark.slow
def test_init_honours_the_layer_headers_in_the_code(tmp_path):
    files = dict(SHOP, **{"shop/api/routes.py": "# Layer: L2 — routes\nfrom shop.services import orders\n",
                          "shop/services/orders.py": "# Layer: L4\nfrom shop.models import order\n"})
    table = tomllib.loads(run(make(tmp_path, files), "init").stdout)["tool"]["truthlint"]
    assert table["layers"] == {"api": "L2", "services": "L4"}


@pytest.mark.slow
@pytest.mark.parametrize("tool", ["import-linter", "tach"])
def test_init_converts_an_import_linter_or_tach_contract(tmp_path, tool):
    files = dict(SHOP)
    if tool == "import-linter":
        files[".importlinter"] = textwrap.dedent("""\
            [importlinter]
            root_package = shop

            [importlinter:contract:layers]
            name = Shop layers
            type = layers
            layers =
                shop.api
                shop.services
                shop.models
            """)
    else:
        files["tach.toml"] = textwrap.dedent("""\
            layers = ["interface", "domain", "data"]

            [[modules]]
            path = "shop.api"
            layer = "interface"

            [[modules]]
            path = "shop.services"
            layer = "domain"

            [[modules]]
            path = "shop.models"
            layer = "data"
            """)
    result = run(make(tmp_path, files), "init", f"--from-{tool}")
    assert result.returncode == 0, result.stderr
    table = tomllib.loads(result.stdout)["tool"]["truthlint"]
    assert table["layer-order"] == ["api", "services", "models"]


def test_a_layer_order_is_judged_by_tbv002_and_not_by_sti002(tmp_path):
    """An order says which layers may import which, not what each does."""
    from truthlint.core.config import ConfigFinder
    from truthlint.engine.check import Engine

    root = make(tmp_path, {
        "pyproject.toml": '[tool.truthlint]\nlayer-order = ["api", "services | jobs", "models"]\n',
        "shop/__init__.py": "", "shop/api/__init__.py": "", "shop/services/__init__.py": "",
        "shop/jobs/__init__.py": "", "shop/models/__init__.py": "",
        "shop/models/order.py": "from fastapi import APIRouter\nfrom shop.jobs import nightly\n"
                                "router = APIRouter()\n",
        "shop/jobs/nightly.py": "from shop.services import billing\n",
        "shop/services/billing.py": "X = 1\n",
    })
    config = ConfigFinder().for_dir(str(root / "shop" / "models"))
    assert {k: config.layer_map[k] for k in ("api", "services", "jobs", "models")} == {
        "api": 2, "services": 3, "jobs": 3, "models": 4}
    assert config.origin("layers", "models", "?").endswith("pyproject.toml layer-order")
    engine = Engine(codes=["STI002", "TBV002"])
    order = root / "shop/models/order.py"
    found = engine.check_source(order.read_text(), str(order))
    assert [(f.line, f.code) for f in found] == [(2, "TBV002")]  # routes in models: no STI002
    nightly = root / "shop/jobs/nightly.py"
    assert engine.check_source(nightly.read_text(), str(nightly)) == []  # one layer
