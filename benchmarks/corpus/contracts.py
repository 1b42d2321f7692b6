"""TBV002 under a declared layering, on the corpus: import-linter itself as the judge.

For each backend of the corpus cache, in a scratch copy (the cache is never written): the
order ``truthlint init`` prints as "a stricter order" becomes an import-linter ``layers``
contract (siblings joined with ``:``, which import-linter reads as not independent, as
truthlint reads a layer); the directories STI006 reports get their ``__init__.py`` (``check
--fix``: import-linter sees packages only); then ``lint-imports`` and ``truthlint check
--select TBV002`` run on the copy, and their verdicts on direct imports are compared.

    v/bin/pip install import-linter -e .          # a virtualenv with both
    TRUTHLINT_CORPUS_CACHE=DIR v/bin/python benchmarks/corpus/contracts.py

Run ``corpus.py fetch`` first. Nothing here needs a network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(HERE))

from benchmarks.contract_tools import import_linter  # noqa: E402
from tests.test_contract_tools import tbv002  # noqa: E402

ORDER_RE = re.compile(r"layer-order = \[(.*?)\] — ")
ROOT_RE = re.compile(r"package root (\S+)")


def truthlint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "truthlint", *args], cwd=cwd, text=True,
                          capture_output=True)


def contract(copy: Path) -> str:
    """The import-linter contract of the order init proposes for the copy, or ""."""
    told = truthlint("init", cwd=copy).stderr
    order, root = ORDER_RE.search(told), ROOT_RE.search(told)
    if order is None or root is None:
        return ""
    package = root.group(1).replace("/", ".")
    layers = []
    for line in re.findall(r'"([^"]*)"', order.group(1)):
        names = [n[:-3] if n.endswith(".py") else n for n in line.split(" | ")]
        layers.append(" : ".join(f"{package}.{n.replace('/', '.')}" for n in names))
    return (f"[importlinter]\nroot_package = {package}\n\n[importlinter:contract:layers]\n"
            "name = the order truthlint init proposes\ntype = layers\nlayers =\n"
            + "".join(f"    {layer}\n" for layer in layers))


def main() -> int:
    cache = os.environ.get("TRUTHLINT_CORPUS_CACHE")
    if not cache or not os.path.isdir(os.path.join(cache, "src")):
        raise SystemExit("set TRUTHLINT_CORPUS_CACHE to the corpus cache (corpus.py fetch)")
    print("| backend | TBV002 findings | import-linter agrees | import-linter only (direct) "
          "| indirect chains |")
    print("|---|---:|---:|---:|---:|")
    total = agreed = 0
    for source in sorted(Path(cache, "src").iterdir()):
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / source.name
            shutil.copytree(source, copy, ignore=shutil.ignore_patterns(
                ".truthlint_cache", "*.dist-info"))
            (copy / "pyproject.toml").write_text(f'[project]\nname = "{source.name}"\n')
            text = contract(copy)
            if not text:
                print(f"| {source.name} | (no order proposed) | | | |")
                continue
            truthlint("check", "--fix", "--select", "STI006", "--no-progress", ".", cwd=copy)
            (copy / ".importlinter").write_text(text)
            theirs, chains = import_linter(copy)
            ours = tbv002(copy)
        total += len(ours)
        agreed += len(ours & theirs)
        print(f"| {source.name} | {len(ours)} | {len(ours & theirs)} | {len(theirs - ours)} "
              f"| {chains} |")
        for verdict in sorted(ours - theirs):
            print(f"|   only TBV002: {verdict} | | | | |")
    print(f"\nimport-linter agrees with {agreed} of {total} TBV002 findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
