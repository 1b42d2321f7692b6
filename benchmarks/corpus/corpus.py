"""How true truthlint's findings are on real backends nobody on the team wrote.

    python benchmarks/corpus/corpus.py fetch        # once: download and unpack the manifest
    python benchmarks/corpus/corpus.py run          # truthlint with default settings, per backend
    python benchmarks/corpus/corpus.py todo         # the sampled findings that still need a label
    python benchmarks/corpus/corpus.py report       # per-rule precision and known-case recall
    python benchmarks/corpus/corpus.py report --write docs/precision.md

``fetch`` runs ``pip download --no-deps`` for each backend in ``manifest.toml`` (a wheel, never
installed or imported) and unpacks its ``.py`` files under the cache directory
(``$TRUTHLINT_CORPUS_CACHE``, default ``~/.cache/truthlint-corpus``). Everything after that
is offline. ``run`` checks each backend's ``check`` directory with the truthlint installed in
the running Python, in a subprocess, with default settings: the harness writes an empty
``[tool.truthlint]`` pyproject.toml at the unpacked root (where the project's own would be), so
no setting of this repository or of the machine reaches the run. Opt-in codes are run in a
second pass that names each of them, and reported apart.

Labels (``labels.csv``) are verdicts a person reached by reading the code behind a finding:
TP, FP or borderline, with a one-line reason. Per rule and backend every finding is labelled
when there are at most 30, else a seeded sample of 30: findings ordered by a hash of their key
and the seed, so a change that removes findings keeps the others' place in the sample, and
only findings a change makes new need a label. ``known.csv`` lists true cases found by grep
and reading, independently of the rules' logic; recall is the share of them reported.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import zipfile
from collections import defaultdict
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, "manifest.toml")
LABELS = os.path.join(HERE, "labels.csv")
SECOND = os.path.join(HERE, "labels-second.csv")  # an independent pass on the rules near the floor
KNOWN = os.path.join(HERE, "known.csv")
SAMPLE = 30
SEED = "truthlint-corpus-1"
FLOOR = 0.90
VERDICTS = ("TP", "FP", "borderline")
LABEL_FIELDS = ("package", "version", "path", "line", "code", "verdict", "reason")
KNOWN_FIELDS = ("package", "version", "path", "line", "code", "reason")


class Backend(NamedTuple):
    name: str
    version: str
    check: str
    stack: str

    @property
    def slug(self) -> str:
        return f"{self.name}-{self.version}"


class Finding(NamedTuple):
    package: str
    version: str
    path: str
    line: int
    code: str
    message: str

    @property
    def key(self) -> Tuple[str, str, str, int, str]:
        return (self.package, self.version, self.path, self.line, self.code)


def cache_dir() -> str:
    return os.environ.get("TRUTHLINT_CORPUS_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "truthlint-corpus")


def backends() -> List[Backend]:
    with open(MANIFEST, "rb") as handle:
        data = tomllib.load(handle)
    return [Backend(b["name"], b["version"], b["check"], b.get("stack", "")) for b in data["backend"]]


def source_root(backend: Backend) -> str:
    return os.path.join(cache_dir(), "src", backend.slug)


# ---------------------------------------------------------------- fetch


def fetch(selected: Sequence[Backend]) -> None:
    downloads = os.path.join(cache_dir(), "dl")
    os.makedirs(downloads, exist_ok=True)
    for backend in selected:
        root = source_root(backend)
        if os.path.isdir(root):
            print(f"{backend.slug}: unpacked already ({root})")
            continue
        wheel = _wheel(downloads, backend)
        if wheel is None:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                            "--dest", downloads, f"{backend.name}=={backend.version}"], check=True)
            wheel = _wheel(downloads, backend)
        if wheel is None:
            raise SystemExit(f"{backend.slug}: pip downloaded no wheel into {downloads}")
        _unpack(wheel, root)
        print(f"{backend.slug}: unpacked {wheel} into {root}")


def _wheel(downloads: str, backend: Backend) -> Optional[str]:
    prefix = f"{backend.name.replace('-', '_')}-{backend.version}-".lower()
    for name in sorted(os.listdir(downloads)):
        if name.lower().startswith(prefix) and name.endswith(".whl"):
            return os.path.join(downloads, name)
    return None


def _unpack(wheel: str, root: str) -> None:
    """Every member, only below ``root`` (an absolute member or one naming ``..`` is skipped).
    Data files and the wheel's metadata stay: a labeller needs them (a package that holds only
    templates is not a placeholder; entry points import modules no code imports)."""
    partial = root + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.infolist():
            name = member.filename
            parts = name.split("/")
            if member.is_dir() or name.startswith("/") or ".." in parts or "\\" in name:
                continue
            target = os.path.join(partial, *parts)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with archive.open(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
    with open(os.path.join(partial, "pyproject.toml"), "w", encoding="utf-8") as handle:
        handle.write("# written by truthlint's corpus harness: default settings\n[tool.truthlint]\n")
    os.replace(partial, root)


# ---------------------------------------------------------------- run


def opt_in_codes() -> List[str]:
    from truthlint.rules.registry import RULES  # the truthlint under test, never the corpus

    return [code for code, rule in RULES.items() if rule.off_by_default]


def run(selected: Sequence[Backend], name: str, jobs: int) -> None:
    out = os.path.join(cache_dir(), "runs", name)
    os.makedirs(out, exist_ok=True)
    extra = opt_in_codes()
    for backend in selected:
        root = source_root(backend)
        if not os.path.isdir(root):
            raise SystemExit(f"{backend.slug}: not fetched (run `corpus.py fetch` first)")
        found = {"default": _check(root, backend.check, [], jobs)}
        if extra:
            found["opt-in"] = _check(root, backend.check, ["--select", ",".join(extra)], jobs)
        with open(os.path.join(out, backend.slug + ".json"), "w", encoding="utf-8") as handle:
            json.dump(found, handle, indent=1)
        counts = ", ".join(f"{k}: {len(v)}" for k, v in found.items())
        print(f"{backend.slug}: {counts}")


def _check(root: str, target: str, args: List[str], jobs: int) -> List[dict]:
    shutil.rmtree(os.path.join(root, ".truthlint_cache"), ignore_errors=True)
    proc = subprocess.run(
        [sys.executable, "-m", "truthlint.adapters.cli", "check", "--format", "json", "--exit-zero",
         "--no-progress", "-j", str(jobs), *args, target],
        cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"truthlint failed on {root}/{target} (exit {proc.returncode}):\n{proc.stderr}")
    if proc.stderr.strip():
        print(proc.stderr.strip(), file=sys.stderr)
    return [{"path": f["path"], "line": f["line"], "code": f["code"], "message": f["message"]}
            for f in json.loads(proc.stdout)]


def load_run(name: str, selected: Sequence[Backend]) -> Dict[str, List[Finding]]:
    """``{"default": [...], "opt-in": [...]}`` over the selected backends."""
    out: Dict[str, List[Finding]] = defaultdict(list)
    for backend in selected:
        path = os.path.join(cache_dir(), "runs", name, backend.slug + ".json")
        if not os.path.exists(path):
            raise SystemExit(f"no run {name!r} for {backend.slug} (run `corpus.py run --as {name}`)")
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        for kind, findings in data.items():
            out[kind].extend(Finding(backend.name, backend.version, f["path"], f["line"], f["code"],
                                     f["message"]) for f in findings)
    return out


# ---------------------------------------------------------------- labels and the sample


def read_csv(path: str, fields: Sequence[str]) -> List[Dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for number, row in enumerate(rows, 2):
        if tuple(k for k in row if k is not None) != tuple(fields):
            raise SystemExit(f"{path}:{number}: expected the columns {', '.join(fields)}")
    return rows


def labels(path: str = LABELS) -> Dict[Tuple[str, str, str, int, str], Tuple[str, str]]:
    out: Dict[Tuple[str, str, str, int, str], Tuple[str, str]] = {}
    if path != LABELS and not os.path.exists(path):
        return out
    for number, row in enumerate(read_csv(path, LABEL_FIELDS), 2):
        if row["verdict"] not in VERDICTS:
            raise SystemExit(f"{path}:{number}: verdict must be one of {', '.join(VERDICTS)}")
        key = (row["package"], row["version"], row["path"], int(row["line"]), row["code"])
        if key in out and out[key][0] != row["verdict"]:
            raise SystemExit(f"{path}:{number}: {key} is labelled twice, differently")
        out[key] = (row["verdict"], row["reason"])
    return out


def _rank(finding: Finding) -> str:
    text = "|".join([SEED, *map(str, finding.key)])
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def cells(findings: Iterable[Finding]) -> Dict[Tuple[str, str], List[Finding]]:
    """Findings per (code, package), each list in sample order."""
    out: Dict[Tuple[str, str], List[Finding]] = defaultdict(list)
    seen = set()
    for finding in findings:
        if finding.key not in seen:  # one label per (path, line, code)
            seen.add(finding.key)
            out[(finding.code, finding.package)].append(finding)
    for items in out.values():
        items.sort(key=_rank)
    return out


def sample(items: List[Finding]) -> List[Finding]:
    return items[:SAMPLE]


def todo(name: str, selected: Sequence[Backend], context: int) -> None:
    known = labels()
    missing = [f for kind in load_run(name, selected).values() for items in cells(kind).values()
               for f in sample(items) if f.key not in known]
    by_backend = {b.name: b for b in selected}
    for finding in sorted(missing, key=lambda f: (f.package, f.code, f.path, f.line)):
        print(",".join([finding.package, finding.version, finding.path, str(finding.line), finding.code]))
        print(f"    {finding.message}")
        if context:
            _show(os.path.join(source_root(by_backend[finding.package]), finding.path), finding.line,
                  context)
    print(f"{len(missing)} sampled findings need a label", file=sys.stderr)


def _show(path: str, line: int, context: int) -> None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return
    for number in range(max(1, line - context), min(len(lines), line + context) + 1):
        print(f"    {'>' if number == line else ' '}{number:5d} {lines[number - 1]}")


# ---------------------------------------------------------------- report


class Cell(NamedTuple):
    findings: int
    labelled: int
    tp: int
    fp: int
    borderline: int


def wilson(tp: int, n: int, z: float = 1.96) -> Tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = tp / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def pooled(parts: Sequence[Cell]) -> Tuple[Optional[float], Tuple[float, float]]:
    """Precision over all backends, each backend's sampled precision weighted by its number of
    findings (a stratified estimate: a sample of 30 from 300 speaks for 300). The interval is
    Wilson's on the labelled counts scaled to the effective sample size."""
    weighted = [(c.findings, c.tp / (c.tp + c.fp), c.tp + c.fp) for c in parts if c.tp + c.fp]
    if not weighted:
        return None, (0.0, 1.0)
    total = sum(w for w, _, _ in weighted)
    estimate = sum(w * p for w, p, _ in weighted) / total
    effective = total ** 2 / sum(w * w / n for w, _, n in weighted)
    effective_n = max(1, round(min(effective, sum(n for _, _, n in weighted))))
    return estimate, wilson(round(estimate * effective_n), effective_n)


def measure(findings: Sequence[Finding], known: Dict[Tuple[str, str, str, int, str], Tuple[str, str]]
            ) -> Dict[str, Dict[str, Cell]]:
    out: Dict[str, Dict[str, Cell]] = defaultdict(dict)
    for (code, package), items in cells(findings).items():
        verdicts = [known[f.key][0] for f in sample(items) if f.key in known]
        out[code][package] = Cell(len(items), len(verdicts), verdicts.count("TP"), verdicts.count("FP"),
                                  verdicts.count("borderline"))
    return out


def recall(findings: Sequence[Finding]) -> Dict[str, Tuple[int, int]]:
    """Per code: (known true cases reported, known true cases). A known case with line 0 is
    matched by any finding of its code in its file (file-level findings)."""
    exact = {f.key for f in findings}
    files = {(f.package, f.version, f.path, f.code) for f in findings}
    out: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    for row in read_csv(KNOWN, KNOWN_FIELDS):
        line = int(row["line"])
        hit = ((row["package"], row["version"], row["path"], row["code"]) in files if line == 0 else
               (row["package"], row["version"], row["path"], line, row["code"]) in exact)
        out[row["code"]][1] += 1
        out[row["code"]][0] += int(hit)
    return {code: (a, b) for code, (a, b) in out.items()}


def _pct(value: Optional[float]) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def report(name: str, selected: Sequence[Backend]) -> str:
    from truthlint.rules.registry import RULES

    known = labels()
    run_findings = load_run(name, selected)
    lines = [
        "# Precision on real backends",
        "",
        "Generated by `python benchmarks/corpus/corpus.py report --write docs/precision.md`; do not",
        "edit by hand. Each finding below was labelled by reading the code behind it (TP: the",
        "finding is true and worth acting on; FP: it is not; borderline: arguable), per rule and",
        f"backend every finding up to {SAMPLE}, else a seeded sample of {SAMPLE}. Precision leaves",
        "borderline verdicts out and pools the backends, each weighted by its number of findings;",
        "the interval is a 95% Wilson interval. Recall is measured on true cases found by grep and",
        "reading, independently of the rules (`benchmarks/corpus/known.csv`). How backends are",
        "fetched, findings sampled and verdicts reached: `benchmarks/corpus/README.md`; every",
        "verdict and its reason: `benchmarks/corpus/labels.csv`.",
        "",
        f"A rule is on by default only if its pooled precision is at least {FLOOR:.0%}.",
        "",
        "| backend | version | checked | stack |",
        "|---|---|---|---|",
    ]
    lines += [f"| {b.name} | {b.version} | `{b.check}/` | {b.stack} |" for b in selected]
    for kind in ("default", "opt-in"):
        findings = run_findings.get(kind, [])
        table = measure(findings, known)
        found = recall(findings)
        title = "Default settings" if kind == "default" else "Opt-in rules (named in `--select`)"
        lines += ["", f"## {title}", "",
                  "| rule | findings | labelled | TP | FP | borderline | precision (95% CI) "
                  "| borderline share | known-case recall |",
                  "|---|---:|---:|---:|---:|---:|---|---:|---:|"]
        codes = [c for c in RULES if c in table or (kind == "default" and not RULES[c].off_by_default)
                 or (kind == "opt-in" and RULES[c].off_by_default)]
        for code in codes:
            parts = list(table.get(code, {}).values())
            total = Cell(*(sum(col) for col in zip(*parts))) if parts else Cell(0, 0, 0, 0, 0)
            estimate, (low, high) = pooled(parts)
            share = total.borderline / total.labelled if total.labelled else None
            hit, of = found.get(code, (0, 0))
            flag = " ⚠" if share is not None and share > 0.2 else ""
            ci = f"{_pct(estimate)} ({_pct(low)}–{_pct(high)})" if estimate is not None else "–"
            lines.append(f"| {code} {RULES[code].name} | {total.findings} | {total.labelled} | {total.tp} "
                         f"| {total.fp} | {total.borderline} | {ci} | {_pct(share)}{flag} "
                         f"| {f'{hit}/{of}' if of else '–'} |")
        lines += ["", "Per backend (findings / labelled: TP-FP-borderline):", "",
                  "| rule | " + " | ".join(b.name for b in selected) + " |",
                  "|---|" + "---:|" * len(selected)]
        for code in codes:
            row = table.get(code, {})
            cols = []
            for b in selected:
                c = row.get(b.name)
                cols.append("·" if c is None else f"{c.findings} / {c.tp}-{c.fp}-{c.borderline}")
            lines.append(f"| {code} | " + " | ".join(cols) + " |")
    lines += _second_pass([f for kind in run_findings.values() for f in kind], known)
    missing = sum(1 for kind in run_findings.values() for items in cells(kind).values()
                  for f in sample(items) if f.key not in known)
    if missing:
        lines += ["", f"**{missing} sampled findings have no label yet** (`corpus.py todo`)."]
    return "\n".join(lines) + "\n"


def _second_pass(findings: Sequence[Finding], first: Dict[Tuple[str, str, str, int, str], Tuple[str, str]]
                 ) -> List[str]:
    """Where an independent second labeller read the same sampled findings: how often the two
    agree (and Cohen's kappa over TP/FP/borderline), and the precision each pass gives."""
    second = labels(SECOND)
    if not second:
        return []
    from truthlint.rules.registry import RULES

    rows = ["", "## Second, independent labelling pass", "",
            "Rules near the floor were labelled again by a second reader who did not see the "
            "first labels (`benchmarks/corpus/labels-second.csv`). The tables above use the "
            "first pass; disagreements were read again and are listed in the closing notes.",
            "", "| rule | labelled twice | agree | Cohen's κ | precision, first pass | "
            "precision, second pass |", "|---|---:|---:|---:|---:|---:|"]
    by_code: Dict[str, List[Tuple[str, str]]] = defaultdict(list)
    for items in cells(findings).values():
        for f in sample(items):
            if f.key in first and f.key in second:
                by_code[f.code].append((first[f.key][0], second[f.key][0]))
    for code in [c for c in RULES if c in by_code]:
        pairs = by_code[code]
        agree = sum(a == b for a, b in pairs) / len(pairs)
        n = len(pairs)
        expected = sum((sum(a == v for a, _ in pairs) / n) * (sum(b == v for _, b in pairs) / n)
                       for v in VERDICTS)
        kappa = "–" if expected == 1 else f"{(agree - expected) / (1 - expected):.2f}"
        precision = []
        for side in (0, 1):
            tp = sum(p[side] == "TP" for p in pairs)
            fp = sum(p[side] == "FP" for p in pairs)
            precision.append(_pct(tp / (tp + fp)) if tp + fp else "–")
        rows.append(f"| {code} | {len(pairs)} | {agree:.0%} | {kappa} | {precision[0]} | {precision[1]} |")
    return rows


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("fetch", "run", "todo", "report"))
    parser.add_argument("--only", default="", help="comma-separated backend names")
    parser.add_argument("--as", dest="name", default="current", help="the run's name (default: current)")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--context", type=int, default=3, help="todo: source lines around each finding")
    parser.add_argument("--write", metavar="FILE", help="report: write the table to FILE")
    args = parser.parse_args(argv)
    every = backends()
    chosen = [b for b in every if not args.only or b.name in args.only.split(",")]
    if args.command == "fetch":
        fetch(chosen)
    elif args.command == "run":
        run(chosen, args.name, args.jobs)
    elif args.command == "todo":
        todo(args.name, chosen, args.context)
    else:
        text = report(args.name, chosen)
        if args.write:
            with open(args.write, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
