"""Layers a project already declares to another tool: an import-linter ``layers`` contract
(``.importlinter``, ``setup.cfg``'s ``[importlinter:contract:…]`` sections, or
``[tool.importlinter]`` in ``pyproject.toml``) or tach's ``layers`` (``tach.toml``). They are
declared architecture, so STI002 and TBV002 judge by them as by ``[tool.truthlint.layers]``.

Each contract layer becomes a layer-map key below the root package (``shop.api`` -> ``api``,
``shop.api.v2`` -> ``api/v2``, a module ``shop.billing.views`` -> ``billing/views``, which
names ``billing/views.py``), top layer first as L2, and each layer may import the layers
below it; ``containers`` repeat the layers inside each container. Differences from
import-linter, on purpose: only direct imports are judged (not the indirect chains
import-linter follows), imports under ``if TYPE_CHECKING:`` never count, and modules of one
layer may import each other (import-linter's ``|`` independence is not enforced). Measured
against both tools in tests/test_contract_tools.py.
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

from .files import read_ini, read_toml

MAX_LAYERS = 7  # L2 .. L8


class Contract(NamedTuple):
    order: List[str]         # the layers top first, as ``layer-order`` spells them
    label: str               # for messages: "the import-linter contract 'Shop layers' (.importlinter)"
    source: str              # the file


def find(directory: str) -> Optional[Contract]:
    """The layers contract declared in ``directory``, if any (import-linter before tach)."""
    for name in (".importlinter", "setup.cfg"):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            found = _ini(path, name)
            if found is not None:
                return found
    pyproject = os.path.join(directory, "pyproject.toml")
    table = read_toml(pyproject, b"importlinter").get("tool", {}).get("importlinter")
    if isinstance(table, dict):
        for contract in table.get("contracts", []):
            if isinstance(contract, dict) and contract.get("type") == "layers":
                layers = [str(x) for x in contract.get("layers", [])]
                containers = _listed(contract.get("containers", []))
                title = str(contract.get("name", "layers"))
                return _contract(layers, containers,
                                 f"the import-linter contract '{title}' (pyproject.toml)",
                                 pyproject)
    tach = read_toml(os.path.join(directory, "tach.toml"), b"layers")
    names = tach.get("layers")
    if isinstance(names, list) and names:
        by_layer: Dict[str, List[str]] = {str(n): [] for n in names}
        modules = tach.get("modules")
        for module in modules if isinstance(modules, list) else []:
            if isinstance(module, dict) and str(module.get("layer")) in by_layer:
                by_layer[str(module["layer"])].append(str(module.get("path", "")))
        return _contract([" | ".join(m for m in mods if m) for mods in by_layer.values()], [],
                         "the layers of tach.toml", os.path.join(directory, "tach.toml"))
    return None


def _ini(path: str, name: str) -> Optional[Contract]:
    parser = read_ini(path, b"importlinter")
    if parser is None:
        return None
    for section in parser.sections():
        if section.startswith("importlinter:contract") and \
                parser.get(section, "type", fallback="").strip() == "layers":
            layers = [line for line in parser.get(section, "layers", fallback="").splitlines()]
            containers = _listed(parser.get(section, "containers", fallback="").splitlines())
            title = parser.get(section, "name", fallback=section.split(":")[-1])
            return _contract(layers, containers,
                             f"the import-linter contract '{title}' ({name})", path)
    return None


def _listed(values: Any) -> List[str]:
    return [str(v).strip() for v in values if str(v).strip()] if isinstance(values, list) else []


def _contract(layers: List[str], containers: List[str], label: str,
              source: str) -> Optional[Contract]:
    order = order_lines([line for line in layers if line.strip()], containers)
    return Contract(order, label, source) if order else None


def order_lines(layers: Sequence[str], containers: Sequence[str] = ()) -> List[str]:
    """Contract layers, top first (``shop.api | shop.cli``, ``services`` inside a container
    ``shop``) -> the same order below the root package (``api | cli``), as ``layer-order``
    spells it; a layer naming nothing below the root is left out."""
    out = []
    for line in layers[:MAX_LAYERS]:
        names = []
        for item in re.split(r"[|:]", line):
            name = item.strip().strip("()")
            for container in (containers or [""]) if name else ():
                parts = (f"{container}.{name}" if container else name).split(".")
                if len(parts) >= 2:  # the root package, then the key below it
                    names.append(".".join(parts[1:]))
        if names:
            out.append(" | ".join(dict.fromkeys(names)))
    return out


def order_layers(order: Sequence[str]) -> Dict[str, int]:
    """``["api", "services | jobs", "models"]`` -> ``{"api": 2, "services": 3, "jobs": 3,
    "models": 4}`` (keys as the layer map takes them: below the root, ``a/b`` for deeper)."""
    keyed: Dict[str, int] = {}
    for number, line in enumerate(order, start=2):
        for name in (n.strip().strip("/") for n in re.split(r"[|:]", line)):
            if not name:
                continue
            if not name.endswith(".py"):
                name = name.replace(".", "/")  # a dotted package below the root: a longer key
            keyed.setdefault(name, number)
    return keyed


def layer_keys(layers: Sequence[str], containers: Sequence[str] = ()) -> Dict[str, int]:
    """Contract layers -> layer-map keys below the root package and their numbers (top = 2)."""
    return order_layers(order_lines(layers, containers))
