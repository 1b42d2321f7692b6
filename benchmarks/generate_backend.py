"""Generate a synthetic FastAPI + SQLModel backend of N modules, for benchmarks.

The tree looks like the seed's (api/, services/, models/, worker/, tasks/, core/, contracts/
…) with realistic module sizes, imports that mostly respect the layers, ORM models, routes,
sessions, a few violations of every kind. Deterministic for a given seed.

    python benchmarks/generate_backend.py /tmp/backend --modules 2000
"""

from __future__ import annotations

import argparse
import os
import random
import shutil

PACKAGES = {  # package -> (layer, share of modules)
    "api": (2, 0.15), "contracts": (3, 0.06), "adapters": (3, 0.06), "services": (4, 0.2),
    "domain": (4, 0.12), "policy": (4, 0.06), "worker": (5, 0.06), "tasks": (5, 0.05),
    "models": (6, 0.12), "core": (6, 0.06), "storage": (6, 0.06),
}
ALLOWED = {2: {3, 4, 6}, 3: {4, 6}, 4: {3, 6}, 5: {3, 4, 6}, 6: set()}

HEADER = '''"""Generated module {name}: part of the synthetic benchmark backend."""
from __future__ import annotations

import logging
from typing import Optional

{imports}

logger = logging.getLogger(__name__)
'''

FUNCTIONS = '''

def compute_{i}(value: int, factor: Optional[int] = None) -> int:
    """Pure domain arithmetic, the bulk of a real module."""
    total = 0
    for step in range(value):
        if step % 3 == 0:
            total += step * (factor or 1)
        elif step % 5 == 0:
            total -= step
        else:
            total += len(str(step))
    logger.debug("computed %s", total)
    return total


class Handler{i}:
    def __init__(self, name: str) -> None:
        self.name = name
        self.limits = {{"default": 10, "burst": 20}}

    def describe(self) -> str:
        parts = [self.name, str(self.limits["default"]), str(self.limits["burst"])]
        return ":".join(parts)
'''

MODEL = '''

class Record{i}(SQLModel, table=True):
    __tablename__ = "record_{table}"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = ""
    owner_id: int = 0
'''

ROUTE = '''

@router.get("/items/{i}")
async def read_{i}(session: Session = Depends(get_session)):
    rows = session.exec(select(Record{m}).where(Record{m}.owner_id == {i})).all()
    return {{"count": len(rows)}}


@router.post("/items/{i}")
def write_{i}(session: Session = Depends(get_session)):
    session.add(Record{m}(name="x"))
    return {{"ok": True}}
'''


def generate(target: str, modules: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    if os.path.exists(target):
        shutil.rmtree(target)
    app = os.path.join(target, "app")
    os.makedirs(app)
    with open(os.path.join(target, "pyproject.toml"), "w") as fh:
        fh.write('[project]\nname = "generated-backend"\nversion = "0"\n\n[tool.truthlint]\n')
    open(os.path.join(app, "__init__.py"), "w").write('"""Generated backend."""\n')
    names = {}
    for package, (layer, share) in PACKAGES.items():
        count = max(2, int(modules * share))
        names[package] = [f"{package}_mod_{n}" for n in range(count)]
        os.makedirs(os.path.join(app, package))
        exported = ", ".join(repr(m) for m in names[package][:3])
        open(os.path.join(app, package, "__init__.py"), "w").write(
            f'"""{package} ({layer})."""\n__all__ = [{exported}]\n')
    all_modules = [(p, m) for p, ms in names.items() for m in ms]
    written = 1 + len(PACKAGES)
    for index, (package, module) in enumerate(all_modules):
        layer = PACKAGES[package][0]
        imports = []
        for _ in range(rng.randint(2, 5)):
            other_package, other = rng.choice(all_modules)
            allowed = PACKAGES[other_package][0] in ALLOWED[layer] | {layer}
            if allowed or rng.random() < 0.02:
                alias = f"c{len(imports)}"
                imports.append(f"from app.{other_package}.{other} import compute_0 as {alias}")
        text = HEADER.format(name=module, imports="\n".join(sorted(set(imports))))
        for i in range(rng.randint(2, 6)):
            text += FUNCTIONS.format(i=i)
        if package == "models":
            text = text.replace("import logging\n",
                                "import logging\n\nfrom sqlmodel import Field, SQLModel\n", 1)
            text += MODEL.format(i=index, table=index if rng.random() > 0.01 else 0)
        if package == "api":
            m = rng.randint(0, len(names["models"]) - 1)
            text = text.replace(
                "import logging\n",
                "import logging\n\nfrom fastapi import APIRouter, Depends\n"
                "from sqlmodel import Session, select\n\nfrom app.core.core_mod_0 import get_session\n"
                f"from app.models.models_mod_{m} import *  # noqa: F403\n", 1)
            model = all_modules.index(("models", f"models_mod_{m}"))
            text += "\nrouter = APIRouter()\n" + ROUTE.format(i=index, m=model)
        if rng.random() < 0.01:
            text += "\n_cache = {}\n\n\ndef remember(key, value):\n    _cache[key] = value\n"
        with open(os.path.join(app, package, module + ".py"), "w") as fh:
            fh.write(text)
        written += 1
    with open(os.path.join(app, "core", "core_mod_0.py"), "a") as fh:
        fh.write("\n\ndef get_session():\n    from sqlmodel import Session\n"
                 "    with Session(None) as session:\n        yield session\n")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target")
    parser.add_argument("--modules", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"wrote {generate(args.target, args.modules, args.seed)} modules under {args.target}")


if __name__ == "__main__":
    main()
