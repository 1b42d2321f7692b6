"""Would astroid's inference find DB sessions that truthlint's session facts miss, and at what cost?

For every ``<receiver>.<method>(...)`` call inside a function, with ``method`` one of the session
methods truthlint knows (``WRITE_METHODS | EXECUTE_METHODS | TRANSACTION_METHODS | SESSION_IO``),
it asks two questions of each .py file of each corpus backend and joins the answers by the call's
position:

* truthlint: ``SessionFacts.session(receiver)`` in a walk of the session facts alone (the
  project index is built on first use, as the engine does; its build is timed apart);
* astroid: ``receiver.infer()`` (first 3 values); a session is an Instance whose class or an
  ancestor is a SQLAlchemy / SQLModel session or connection.

It times ``ast.parse``, truthlint's session walk, and astroid's build + inference with
``time.process_time()``, prints per-backend and total counts and CPU seconds, and writes the
astroid-only and kind-disagreement calls to ``--out/<backend>.txt`` (``path:line method``).
The backends are only parsed, never imported or run. It needs astroid, sqlalchemy and sqlmodel
(fastapi, flask-sqlalchemy, flask-appbuilder help inference) installed beside truthlint:

    python benchmarks/astroid_probe.py --cache /tmp/cc [--only NAME] [--out /tmp/astro-out]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter, defaultdict
from typing import (Any, Callable, DefaultDict, Dict, Iterator, List, NamedTuple, Optional, Set,
                    Tuple)

import astroid
from astroid import bases, nodes, util

from truthlint.core.source import read_source, split_lines
from truthlint.core.walker import Visitor, Walker
from truthlint.engine.check import Engine
from truthlint.facts.blocking import SESSION_IO
from truthlint.facts.sessions import (EXECUTE_METHODS, TRANSACTION_METHODS, WRITE_METHODS,
                                      SessionFacts)

METHODS = WRITE_METHODS | EXECUTE_METHODS | TRANSACTION_METHODS | SESSION_IO
MANIFEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "manifest.toml")
SYNC_QNAMES = frozenset({"sqlalchemy.orm.session.Session", "sqlalchemy.engine.base.Connection",
                         "sqlalchemy.orm.scoping.scoped_session", "sqlmodel.orm.session.Session"})
ASYNC_QNAMES = frozenset({"sqlalchemy.ext.asyncio.session.AsyncSession",
                          "sqlalchemy.ext.asyncio.engine.AsyncConnection",
                          "sqlalchemy.ext.asyncio.scoping.async_scoped_session",
                          "sqlmodel.ext.asyncio.session.AsyncSession"})
INFER_LIMIT = 3           # inferred values looked at per receiver
INFER_TIMEOUT = 10.0      # CPU seconds one receiver's inference may take
Key = Tuple[int, int, int, int, str]  # line, col, end line, end col, method


class Timeout(BaseException):
    """Raised by the CPU timer; a BaseException so that astroid's ``except Exception`` lets it by."""


def _on_timer(signum: int, frame: Any) -> None:
    raise Timeout()


class Seen(NamedTuple):
    """One matching call as truthlint saw it."""

    key: Key
    kind: Optional[str]  # "sync", "async", "unknown" (a session of no known kind), None: no session
    evidence: str


class Probe(Visitor):
    """Asks the session facts about the receiver of every matching call in a function."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.facts: SessionFacts = ctx.collector(SessionFacts)
        self.seen: List[Seen] = []

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (self.ctx.scope.function is None or not isinstance(func, ast.Attribute)
                or func.attr not in METHODS):
            return
        found = self.facts.session(func.value)
        kind = None if found is None else (found.kind or "unknown")
        key = (node.lineno, node.col_offset, node.end_lineno or 0, node.end_col_offset or 0,
               func.attr)
        self.seen.append(Seen(key, kind, "" if found is None else found.evidence))


def disable_sqlalchemy_brain() -> int:
    """Drop astroid's ``brain_sqlalchemy`` extender: it adds ``from sqlalchemy.orm.session
    import Session`` to that very module, which shadows the real class with a self-import, so
    with SQLAlchemy 2 every ``Session`` there infers as Uninferable. Returns how many it dropped."""
    from astroid.brain import brain_sqlalchemy

    transforms = astroid.MANAGER._transform.transforms[nodes.Module]
    dropped = 0
    for entry in list(transforms):
        cells = [c.cell_contents for c in (getattr(entry[0], "__closure__", None) or ())]
        if brain_sqlalchemy._session_transform in cells:
            transforms.remove(entry)
            dropped += 1
    return dropped


def session_kind(value: Any) -> Optional[Tuple[str, str]]:
    """("sync" | "async", qname) when ``value`` is an instance of a session class, else None."""
    if not isinstance(value, bases.Instance):
        return None
    cls = getattr(value, "_proxied", None)
    if not isinstance(cls, nodes.ClassDef):
        return None
    chain = [cls]
    try:
        chain += list(cls.ancestors())
    except Exception:
        pass
    found: Optional[Tuple[str, str]] = None
    for klass in chain:
        qname = klass.qname()
        if qname in ASYNC_QNAMES:
            return "async", qname
        if qname in SYNC_QNAMES:
            found = found or ("sync", qname)
        elif qname.startswith(("sqlalchemy.", "sqlmodel.")):
            if qname.endswith(".AsyncSession"):
                return "async", qname
            if qname.endswith(".Session"):
                found = found or ("sync", qname)
    return found


def describe(value: Any) -> str:
    """A short name of an inferred value that is no session, for the report."""
    if isinstance(value, util.UninferableBase):
        return "Uninferable"
    try:
        qname = value.qname() if hasattr(value, "qname") else type(value).__name__
    except Exception:
        qname = type(value).__name__
    qname = qname if isinstance(qname, str) else type(value).__name__
    return f"instance of {qname}" if isinstance(value, bases.Instance) else qname


class Inferred(NamedTuple):
    kind: Optional[str]  # "sync", "async", "mixed" or None
    what: str            # the qname(s) or the first inferred value, for the report
    outcome: str         # "ok", "error", "timeout"


def infer_receiver(expr: nodes.NodeNG) -> Inferred:
    kinds: Set[str] = set()
    what: List[str] = []
    signal.setitimer(signal.ITIMER_PROF, INFER_TIMEOUT)
    try:
        iterator = iter(expr.infer())
        for _ in range(INFER_LIMIT):
            try:
                value = next(iterator)
            except StopIteration:
                break
            found = session_kind(value)
            if found:
                kinds.add(found[0])
                what.append(found[1])
            else:
                what.append(describe(value))
        outcome = "ok"
    except Timeout:
        outcome = "timeout"
    except astroid.InferenceError:
        outcome = "error"
    except Exception:  # astroid's own bugs, RecursionError …
        outcome = "error"
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    kind = None if not kinds else kinds.pop() if len(kinds) == 1 else "mixed"
    return Inferred(kind, ", ".join(what[:INFER_LIMIT]), outcome)


def in_function(node: nodes.NodeNG) -> bool:
    """Inside a def or lambda, as truthlint's ``scope.function`` (comprehensions are no frame
    of their own here; a decorator or default belongs to the enclosing scope)."""
    child, parent = node, node.parent
    while parent is not None:
        if isinstance(parent, (nodes.FunctionDef, nodes.Lambda)):
            body = parent.body if isinstance(parent.body, list) else [parent.body]
            if any(child is stmt for stmt in body):
                return True
        if isinstance(parent, nodes.ClassDef) and any(child is s for s in parent.body):
            child, parent = parent, parent.parent  # a class body: go on outwards
            continue
        child, parent = parent, parent.parent
    return False


def astroid_calls(module: nodes.Module) -> Iterator[Tuple[Key, nodes.NodeNG]]:
    for call in module.nodes_of_class(nodes.Call):
        func = call.func
        if isinstance(func, nodes.Attribute) and func.attrname in METHODS and in_function(call):
            yield ((call.lineno, call.col_offset, call.end_lineno or 0, call.end_col_offset or 0,
                    func.attrname), func.expr)


def mechanism(evidence: str) -> str:
    """The kind of evidence truthlint had, from its message."""
    if "session-names" in evidence:
        return "conventional name"
    if evidence.startswith("parameter"):
        return "parameter"
    if evidence.startswith("`self."):
        return "self attribute"
    return "binding (assignment, with, scoped/holder)"


def module_name(root: str, path: str) -> str:
    parts = os.path.relpath(path, root)[:-3].split(os.sep)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


class Totals:
    def __init__(self) -> None:
        self.n: Counter[str] = Counter()
        self.cpu: DefaultDict[str, float] = defaultdict(float)
        self.slowest: List[Tuple[float, str]] = []
        self.parse_ms: List[float] = []    # per file
        self.astroid_ms: List[float] = []  # per file (build + inference)
        self.other: Counter[str] = Counter()  # astroid's values where truthlint alone sees one

    def add(self, other: "Totals") -> None:
        self.n.update(other.n)
        for key, seconds in other.cpu.items():
            self.cpu[key] += seconds
        self.slowest = sorted(self.slowest + other.slowest, reverse=True)[:10]
        self.parse_ms += other.parse_ms
        self.astroid_ms += other.astroid_ms
        self.other.update(other.other)


def probe_backend(name: str, root: str, check: str, out_dir: str, budget: float,
                  verbose: bool, stock: bool) -> Totals:
    totals = Totals()
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(root, check))
                   for f in fs if f.endswith(".py"))
    old_cwd = os.getcwd()
    os.chdir(root)
    sys.path.append(root)  # astroid's search path: project imports resolve, nothing is imported
    astroid.MANAGER.clear_cache()  # each backend pays for its own library modules
    if not stock and not disable_sqlalchemy_brain():  # clear_cache registers the brains anew
        print("astroid's sqlalchemy brain was not found; nothing dropped", file=sys.stderr)
    engine = Engine()
    lines_out: List[str] = []
    contradicted: List[str] = []  # truthlint says session, astroid infers some other value
    try:
        # pass 1, before astroid fills the heap (its size would slow every later ``ast.parse``
        # through the garbage collector): parse, and truthlint's answers per file
        walked: List[Tuple[str, str, Dict[Key, Seen], float, float]] = []  # path, module,
        #                                                  calls, parse CPU s, walk CPU s
        for path in files:
            source = read_source(path)
            if source is None:
                totals.n["files unreadable"] += 1
                continue
            start = time.process_time()
            try:
                tree = ast.parse(source)
            except (SyntaxError, ValueError, RecursionError):
                totals.n["files unparsable"] += 1
                continue
            parse_s = time.process_time() - start
            ctx = engine.context(split_lines(source), path)
            if not walked:
                start = time.process_time()
                ctx.index()  # what the first resolved reference would build; timed apart
                totals.cpu["index"] += time.process_time() - start
            start = time.process_time()
            facts = SessionFacts(ctx)
            ctx.add_collector(facts)
            probe = Probe(ctx)
            walker = Walker([ctx.imports, facts, probe], ctx)
            walker.run(tree)
            walk_s = time.process_time() - start
            if walker.failed:
                totals.n["truthlint walk failures"] += 1
            walked.append((path, ctx.location.module or module_name(root, path),
                           {s.key: s for s in probe.seen}, parse_s, walk_s))

        # pass 2: astroid, file by file, its caches kept across the backend's files
        for number, (path, modname, seen, parse_s, walk_s) in enumerate(walked):
            if totals.cpu["astroid"] > budget:
                totals.n["files skipped (budget)"] += len(walked) - number
                break
            totals.n["files"] += 1  # the CPU columns count the same files, astroid's included
            totals.cpu["ast.parse"] += parse_s
            totals.cpu["truthlint"] += walk_s
            totals.parse_ms.append(1000 * parse_s)
            start = time.process_time()
            inferred: Dict[Key, Inferred] = {}
            try:
                module = astroid.MANAGER.ast_from_file(path, modname, source=True)
                for key, expr in astroid_calls(module):
                    inferred[key] = infer_receiver(expr)
            except Exception:
                totals.n["astroid build failures"] += 1
            spent = time.process_time() - start
            totals.cpu["astroid"] += spent
            totals.astroid_ms.append(1000 * spent)
            rel = os.path.relpath(path, root)
            totals.slowest = sorted(totals.slowest + [(spent, rel)], reverse=True)[:10]

            for key in set(seen) | set(inferred):
                t, a = seen.get(key), inferred.get(key)
                if t is None or a is None:
                    totals.n["calls seen by one side only (scope)"] += 1
                    continue
                n = totals.n
                n["calls"] += 1
                n[f"astroid {a.outcome}"] += 1
                if t.kind is not None:
                    n["truthlint session"] += 1
                    n[f"truthlint {t.kind}"] += 1
                if a.kind is not None:
                    n["astroid session"] += 1
                    n[f"astroid {a.kind}"] += 1
                line = f"{rel}:{key[0]} {key[4]}\t# astroid: {a.what}; truthlint: "
                if t.kind is not None and a.kind is not None:
                    n["both"] += 1
                    if t.kind == "unknown":
                        n["astroid-only (kind truthlint lacks)"] += 1
                        lines_out.append(f"{line}{t.evidence} [KIND-ADDED {a.kind}]")
                    elif t.kind != a.kind:
                        n["kind disagreements"] += 1
                        lines_out.append(f"{line}{t.kind} from {t.evidence} [KIND {a.kind}]")
                elif a.kind is not None:
                    n["astroid-only (not a session to truthlint)"] += 1
                    lines_out.append(f"{line}no [ONLY {a.kind}]")
                elif t.kind is not None:
                    n["truthlint-only"] += 1
                    n[f"truthlint-only, astroid {a.outcome}"] += 1
                    n[f"truthlint-only by {mechanism(t.evidence)}"] += 1
                    values = {v for v in a.what.split(", ") if v}
                    if a.outcome == "ok" and values - {"Uninferable"}:
                        n["truthlint-only, astroid infers something else"] += 1
                        totals.other[a.what] += 1
                        contradicted.append(f"{line}{t.kind} from {t.evidence}")
            if verbose and number % 100 == 99:
                print(f"  {name}: {number + 1}/{len(walked)} files, astroid "
                      f"{totals.cpu['astroid']:.1f}s", file=sys.stderr, flush=True)
    finally:
        sys.path.remove(root)
        os.chdir(old_cwd)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, f"{name}.txt"), "w") as fh:
        fh.write("".join(f"{line}\n" for line in sorted(lines_out)))
    with open(os.path.join(out_dir, f"{name}.contradicted.txt"), "w") as fh:
        fh.write("".join(f"{line}\n" for line in sorted(contradicted)))
    return totals


ROWS = ["files", "calls", "truthlint session", "truthlint sync", "truthlint async",
        "truthlint unknown", "astroid session", "astroid sync", "astroid async", "astroid mixed",
        "both", "astroid-only (not a session to truthlint)", "astroid-only (kind truthlint lacks)",
        "kind disagreements", "truthlint-only", "truthlint-only, astroid ok",
        "truthlint-only, astroid error", "truthlint-only, astroid timeout",
        "truthlint-only by parameter", "truthlint-only by self attribute",
        "truthlint-only by conventional name", "truthlint-only by binding (assignment, with, scoped/holder)",
        "truthlint-only, astroid infers something else", "astroid error",
        "astroid timeout", "calls seen by one side only (scope)", "astroid build failures",
        "truthlint walk failures", "files unparsable", "files skipped (budget)"]


def table(results: Dict[str, Totals]) -> str:
    names = list(results)
    width = max(len(r) for r in ROWS) + 2
    col = max(10, *(len(n) + 2 for n in names))
    head = "".ljust(width) + "".join(n.rjust(col) for n in names)
    out = [head]
    for row in ROWS:
        values = [results[n].n[row] for n in names]
        if row in ("files", "calls") or any(values):
            out.append(row.ljust(width) + "".join(str(v).rjust(col) for v in values))
    for row in ("ast.parse", "truthlint", "astroid", "index"):
        label = {"ast.parse": "CPU s ast.parse", "truthlint": "CPU s truthlint session walk",
                 "astroid": "CPU s astroid build+infer",
                 "index": "CPU s truthlint index (once)"}[row]
        out.append(label.ljust(width) + "".join(
            f"{results[n].cpu[row]:.2f}".rjust(col) for n in names))
    derived = (  # label, numerator, denominator (a CPU key or "files"), scale, format
        ("astroid / ast.parse", "astroid", "ast.parse", 1, "{:.1f}x"),
        ("truthlint walk / ast.parse", "truthlint", "ast.parse", 1, "{:.2f}x"),
        ("astroid ms / file", "astroid", "files", 1000, "{:.0f}"),
        ("ast.parse ms / file", "ast.parse", "files", 1000, "{:.1f}"),
    )
    for label, top, bottom, scale, shape in derived:
        out.append(label.ljust(width) + "".join(shape.format(
            scale * results[n].cpu[top] / max(results[n].n[bottom] if bottom == "files"
                                              else results[n].cpu[bottom], 1e-9)).rjust(col)
            for n in names))
    picks: List[Tuple[str, Callable[[Totals], float]]] = [
        ("ast.parse ms / file, median", lambda t: pct(t.parse_ms, 50)),
        ("astroid ms / file, median", lambda t: pct(t.astroid_ms, 50)),
        ("astroid ms / file, p90", lambda t: pct(t.astroid_ms, 90)),
        ("astroid ms / file, max", lambda t: pct(t.astroid_ms, 100)),
        ("astroid / parse per file, median", lambda t: pct(
            [a / max(p, 1e-3) for a, p in zip(t.astroid_ms, t.parse_ms)], 50))]
    for label, pick in picks:
        out.append(label.ljust(width) + "".join(
            f"{pick(results[n]):.1f}".rjust(col) for n in names))
    return "\n".join(out)


def pct(values: List[float], q: float) -> float:
    """The q-th percentile (nearest rank), 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def to_json(totals: Totals) -> Dict[str, Any]:
    return {"n": dict(totals.n), "cpu": dict(totals.cpu), "slowest": totals.slowest,
            "parse_ms": totals.parse_ms, "astroid_ms": totals.astroid_ms,
            "other": dict(totals.other)}


def from_json(data: Dict[str, Any]) -> Totals:
    totals = Totals()
    totals.n.update(data["n"])
    for key, seconds in data["cpu"].items():
        totals.cpu[key] = seconds
    totals.slowest = [(s, rel) for s, rel in data["slowest"]]
    totals.parse_ms, totals.astroid_ms = data["parse_ms"], data["astroid_ms"]
    totals.other.update(data["other"])
    return totals


def in_fresh_process(name: str, args: argparse.Namespace) -> Totals:
    """One backend in a new interpreter: what an earlier backend left on the heap would slow
    this one's ``ast.parse`` (through the garbage collector) and skew the ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.json")
        command = [sys.executable, os.path.abspath(__file__), "--cache", args.cache,
                   "--only", name, "--out", args.out, "--budget", str(args.budget),
                   "--json", out, "--quiet"] + ["--stock"] * args.stock + ["-v"] * args.verbose
        subprocess.run(command, check=True)
        with open(out) as fh:
            return from_json(json.load(fh)[name])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", required=True,
                        help="the corpus cache: backends unpacked under CACHE/src/NAME-VERSION")
    parser.add_argument("--only", action="append", help="a backend name (repeatable)")
    parser.add_argument("--out", default="/tmp/astro-out", help="where the case lists go")
    parser.add_argument("--budget", type=float, default=900.0,
                        help="astroid CPU seconds per backend before it is cut short")
    parser.add_argument("--stock", action="store_true",
                        help="keep astroid's sqlalchemy brain (it hides sqlalchemy's Session)")
    parser.add_argument("--json", help="also write the counts and CPU seconds here")
    parser.add_argument("--quiet", action="store_true", help="no table (for one backend's run)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGPROF, _on_timer)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    with open(MANIFEST, "rb") as fh:
        backends = [b for b in tomllib.load(fh)["backend"]
                    if not args.only or b["name"] in args.only]
    results: Dict[str, Totals] = {}
    total = Totals()
    for backend in backends:
        name = backend["name"]
        if len(backends) > 1:
            results[name] = in_fresh_process(name, args)
        else:
            root = os.path.join(os.path.abspath(args.cache), "src",
                                f"{name}-{backend['version']}")
            results[name] = probe_backend(name, root, backend["check"], args.out, args.budget,
                                          args.verbose, args.stock)
            print(f"{name}: done, slowest astroid files: " + ", ".join(
                f"{rel} {s:.1f}s" for s, rel in results[name].slowest[:3]), file=sys.stderr,
                flush=True)
        total.add(results[name])
    if len(results) > 1:
        results["TOTAL"] = total
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({name: to_json(t) for name, t in results.items()}, fh, indent=1)
    if args.quiet or not results:
        return
    print(table(results))
    last = results[list(results)[-1]]
    if last.other:
        print("\nwhat astroid infers where truthlint alone sees a session (top 15):")
        for what, count in last.other.most_common(15):
            print(f"  {count:5}  {what}")


if __name__ == "__main__":
    main()
