"""``truthlint map --diff BASE``: what a change did to the truth map, as Markdown for a pull
request comment.

BASE is a saved ``truthlint map --format json`` or a git revision. A revision is read
without a work tree: ``git ls-tree`` and ``git cat-file`` copy its Python and configuration
files into a private temporary directory (removed afterwards), with git told to ignore what
a repository's own configuration could make it run (fsmonitor, hooks, external diff,
pagers); nothing of the repository changes. Entries are compared by identity, not by line,
so code that only moved is no change.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections import Counter
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..core.files import MAX_FILE_BYTES, read_regular

WANTED = (".py", ".toml", ".cfg", ".ini", ".flake8", ".importlinter")
MAX_FILES = 200_000
MAX_TOTAL = 1024 * 1024 * 1024  # all the blobs of a revision, read at once
GIT_TIMEOUT = 120
# what a repository's configuration could make git run: off, whatever it says
SAFE_GIT = ("-c", "core.fsmonitor=false", "-c", f"core.hooksPath={os.devnull}",
            "-c", "diff.external=", "-c", "core.pager=cat", "-c", "protocol.allow=never",
            "--no-pager")


class DiffError(Exception):
    """The base cannot be read: the message says which and why (exit 2)."""


def _git(args: Sequence[str], cwd: str, data: Optional[bytes] = None) -> bytes:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    try:
        done = subprocess.run(["git", *SAFE_GIT, *args], cwd=cwd, input=data, env=env,
                              capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiffError(f"git {args[0]}: {exc}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffError(f"git {args[0]}: {reason[-1] if reason else 'failed'}")
    return done.stdout


def _safe(path: str) -> bool:
    parts = path.split("/")
    return (bool(path) and not path.startswith("/") and ".git" not in parts
            and all(p not in ("", ".", "..") for p in parts) and "\\" not in path)


def export(revision: str, project: str, dest: str) -> Tuple[str, str]:
    """Copy the revision's Python and configuration files (regular blobs; links, submodules
    and paths that would leave the copy are left out) into ``dest/<repository name>``;
    returns the place of ``project`` inside the copy (it may not exist at that revision)
    and the copy's top."""
    if revision.startswith("-") or not revision.strip() or "\0" in revision:
        raise DiffError(f"{revision!r} is not a revision")
    top = _git(["rev-parse", "--show-toplevel"], project).decode("utf-8", "replace").strip()
    commit = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], top).strip()
    rows = _git(["ls-tree", "-r", "-l", "-z", "--full-tree", commit.decode()], top).split(b"\0")
    wanted: Dict[str, str] = {}  # path -> blob (a path listed twice is taken once)
    total = 0
    for row in rows:
        meta, _, raw = row.partition(b"\t")
        fields = meta.split()
        path = raw.decode("utf-8", "surrogateescape")
        if (len(fields) != 4 or fields[1] != b"blob" or fields[0] not in (b"100644", b"100755")
                or not path.endswith(WANTED) or not _safe(path) or path in wanted):
            continue
        if not fields[3].isdigit():  # git lists a blob it cannot read (a partial clone)
            raise DiffError(f"{revision}: git could not read {path} (a partial clone?)")
        if int(fields[3]) <= MAX_FILE_BYTES:
            wanted[path] = fields[2].decode("ascii", "replace")
            total += int(fields[3])
    if len(wanted) > MAX_FILES or total > MAX_TOTAL:
        raise DiffError(f"{revision}: more than {MAX_FILES} files or {MAX_TOTAL} bytes to read")
    order = sorted(wanted)
    blobs = _git(["cat-file", "--batch"], top, "".join(f"{wanted[p]}\n" for p in order).encode())
    copy = os.path.join(dest, os.path.basename(top.rstrip("/")) or "repository")
    offset = 0
    for path in order:
        end = blobs.find(b"\n", offset)
        header = blobs[offset:end].split() if end >= 0 else []
        if (len(header) != 3 or header[0].decode("ascii", "replace") != wanted[path]
                or header[1] != b"blob" or not header[2].isdigit()):
            raise DiffError(f"{revision}: git could not read {path} (a partial clone?)")
        size = int(header[2])
        content = blobs[end + 1:end + 1 + size]
        offset = end + 1 + size + 1
        target = os.path.join(copy, *path.split("/"))
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "xb") as handle:
                handle.write(content)
        except OSError as exc:  # a file and a directory of one name, names the system refuses
            raise DiffError(f"{revision}: cannot copy {path}: {exc.strerror or exc}") from None
    inside = os.path.relpath(os.path.realpath(project), os.path.realpath(top))
    return (copy if inside == "." else os.path.join(copy, inside)), copy


def base_maps(spec: str, project: str,
              make: Callable[[str, str], List[Dict[str, Any]]]) -> List[Dict[str, Any]]:
    """The maps of the base: a saved JSON map (one root, or a list of them), else the maps
    ``make`` builds of the git revision ``spec`` of ``project`` (``make(the project's place
    in the copy, the copy's top)``)."""
    if os.path.isfile(spec):  # (a file of that name wins over a revision)
        try:
            data = json.loads(read_regular(spec).decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise DiffError(f"{spec}: not a saved map ({type(exc).__name__})") from None
        maps = data if isinstance(data, list) else [data]
        if not all(isinstance(m, dict) and isinstance(m.get("root"), str) for m in maps):
            raise DiffError(f"{spec}: not a saved map (`truthlint map --format json`)")
        return maps
    with tempfile.TemporaryDirectory(prefix="truthlint-map-") as scratch:
        return make(*export(spec, project, scratch))


def _rows(data: Dict[str, Any], key: str) -> List[Any]:
    value = data
    for part in key.split("."):
        value = value.get(part, {}) if isinstance(value, dict) else {}
    return value if isinstance(value, list) else []


Fact = Tuple[str, str]  # (what it is, what it says of it): a changed value is one change


def _facts(data: Dict[str, Any]) -> Dict[str, Counter[Fact]]:
    """Each section of a map as a multiset of facts, without line numbers (code that only
    moved is no change)."""
    facts: Dict[str, Counter[Fact]] = {}

    def get(row: Any, field: str) -> str:
        return str(row.get(field, "")) if isinstance(row, dict) else ""

    def edge(row: Any) -> Fact:
        return (f"{get(row, 'from')} → {get(row, 'to')}", f"{get(row, 'imports')} imports" + (
            " ✗ violation" if isinstance(row, dict) and row.get("violation") else "") + (
            f" (⚠ {get(row, 'upward')} point up)" if isinstance(row, dict) and row.get("upward")
            else ""))

    facts["Layer dependencies"] = Counter(edge(r) for r in _rows(data, "dependencies"))
    facts["Role graph"] = Counter(edge(r) for r in _rows(data, "role-graph"))
    facts["Routes"] = Counter(
        (f"{get(r, 'methods')} `{get(r, 'path') or '/'}` → {_unlined(get(r, 'handler'))}",
         f"touches {get(r, 'touches') or '—'}") for r in _rows(data, "routes"))
    facts["Module and class state"] = Counter(
        (f"{_unlined(get(r, 'where'))} `{get(r, 'name')}`",
         f"{get(r, 'kind')}, {get(r, 'verdict')} with several workers")
        for r in _rows(data, "state.objects"))
    facts["Table writers"] = Counter(
        (f"{get(t, 'table')} written by {w}", "") for t in _rows(data, "state.tables")
        if isinstance(t, dict) and isinstance(t.get("writers"), list)
        for w in t["writers"] if isinstance(w, str))
    facts["Findings"] = Counter(
        (f"{row[0]} {row[2]} {row[3]}", "") for row in _rows(data, "items")
        if isinstance(row, list) and len(row) == 4)
    return facts


def _changes(was: Counter[Fact], now: Counter[Fact]) -> List[str]:
    """➕ what is new, ➖ what is gone, ✏️ what says something else now."""
    added, removed = sorted((now - was).elements()), sorted((was - now).elements())
    out: List[str] = []
    for key, value in added:  # an entry whose value changed: one ✏️ per pair, one to one
        old = next((i for i, (k, v) in enumerate(removed) if k == key), None)
        if old is not None and value:
            out.append(f"- ✏️ {key}: {removed.pop(old)[1]} → {value}")
        else:
            out.append(f"- ➕ {key}" + (f": {value}" if value else ""))
    out += [f"- ➖ {key}" + (f": {value}" if value else "") for key, value in removed]
    return out


def _unlined(where: str) -> str:
    """``app/x.py:12 `f``` -> ``app/x.py `f```: a position is no identity."""
    head, _, tail = where.partition(" ")
    path, _, line = head.rpartition(":")
    head = path if path and line.isdigit() else head
    return f"{head} {tail}".strip()


def diff(old: Sequence[Dict[str, Any]], new: Sequence[Dict[str, Any]], base: str) -> str:
    """The Markdown of what changed between two runs' maps, root by root."""
    out: List[str] = []
    olds = {str(m.get("root")): m for m in old}
    for data in new:
        root = str(data.get("root"))
        before, after = _facts(olds.get(root, {})), _facts(data)
        out += [f"## truthlint map: what the change did to {root} (against {base})", ""]
        changed = False
        for section, now in after.items():
            lines = _changes(before.get(section, Counter()), now)
            if lines:
                changed = True
                out += [f"### {section}", ""] + lines + [""]
        if not changed:
            out += ["No change to the map.", ""]
    for root in sorted(set(olds) - {str(m.get("root")) for m in new}):
        out += [f"## truthlint map: the change removed the package root {root} (against "
                f"{base})", ""]
    return "\n".join(out)
