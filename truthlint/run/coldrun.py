"""A cold command run: the project index is built from the very parse and walk that check
each file, so a file is parsed once, not once for the index and once for the rules.

Phase one parses and walks every file whose summary the index lacks, with every rule that
can be judged without the index, and returns the file's summary. The summaries complete the
index. Phase two judges the rules that need only the index (cycles, duplicate tables …) for
those files, with no parse, and checks in full the files phase one did not see (their
summaries were cached) and the few whose rules asked the index something during phase one
(a dependency or an import-time call into another module). Findings are exactly those of a
run whose index existed from the start: tests compare the two on every fixture tree.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from ..engine.check import Finding, Project
from .filecheck import (Located, check_file, decode, locate_findings, noqa_file, parse,
                        statement_starts, unreadable)
from ..project.index import ProjectIndex, Stale, summarize_file
from ..project.layout import split_lines
from .pool import run_tasks, size_of
from ..facts.summary import empty_summary

Result = Tuple[List[Located], Optional[str]]


class FirstPass(NamedTuple):
    path: str                 # as the user named it
    source: str               # the absolute path the index knows it by
    summary: str              # JSON, for the index
    findings: List[Finding]   # before ``noqa``
    starts: List[int]         # see ``filecheck.statement_starts``
    diagnostic: Optional[str]
    then: str                 # "judge": project rules next; "check": a full check; "": done


def plan_indexes(project: Project, files: List[str]
                 ) -> Tuple[List[Tuple[Any, ProjectIndex, List[Stale]]], Dict[str, Stale]]:
    """Every package root the files are in, with its cache loaded; and the stale modules
    (by absolute path) whose summaries the run must make."""
    plans: Dict[Any, Tuple[ProjectIndex, List[Stale]]] = {}
    stale: Dict[str, Stale] = {}
    seen = set()
    for path in files:
        directory = os.path.dirname(os.path.abspath(path))
        if directory in seen:
            continue
        seen.add(directory)
        config = project.finder.for_dir(directory)
        root = project.fs.find_root(directory, config)
        if root is None:
            continue
        key = project.index_key(root, config)
        if key in plans or project.has_index(key):
            continue
        index = project.new_index(root, config)
        try:
            todo = index.plan()
        except Exception:  # as Project.index_for: a broken index only skips project checks
            project.adopt(key, None)
            continue
        plans[key] = (index, todo)
        stale.update((item.path, item) for item in todo)
    return [(key, index, todo) for key, (index, todo) in plans.items()], stale


def first_pass(project: Project, codes: Optional[List[str]], work: Tuple[str, Stale]
               ) -> FirstPass:
    path, item = work
    source, encoding = decode(item.data)
    if source is None:
        return FirstPass(path, item.path, _summary_of(project, item), [], [], unreadable(path), "")
    tree, problem = parse(source, path)
    if tree is None:
        return FirstPass(path, item.path, _summary_of(project, item), [], [], problem, "")
    lines = split_lines(source)
    deferred = project.check_deferred(tree, lines, path, codes)
    then = "check" if deferred.recheck else "judge"
    if encoding != "utf-8" or deferred.summary.get("module") != item.module:
        # the index reads such files (a BOM, a coding cookie …) slightly differently from the
        # rules: take its own summary, and check the file again against it
        summary, then = _summary_of(project, item), "check"
    else:
        summary = json.dumps(deferred.summary)
    if noqa_file(source):
        return FirstPass(path, item.path, summary, [], [], None, "")
    return FirstPass(path, item.path, summary, deferred.findings, statement_starts(tree), None,
                     then)


def _summary_of(project: Project, item: Stale) -> str:
    config = project.finder.for_file(item.path)
    try:
        return json.dumps(summarize_file(item.path, item.data, config, project.fs, item.module))
    except Exception:
        return json.dumps(empty_summary(item.module))


def summary_only(project: Project, codes: Optional[List[str]], item: Stale) -> Tuple[str, str]:
    return item.path, _summary_of(project, item)


def second_pass(project: Project, codes: Optional[List[str]], work: Any) -> Result:
    if isinstance(work, str):
        return check_file(project, work, codes)
    path, findings, starts, data = work
    lines = split_lines(decode(data)[0] or "")
    judged = project.judge_project(lines, path, codes)
    return locate_findings(path, lines, findings + judged, starts), None


def check_cold(project: Project, files: List[str], codes: Optional[List[str]], jobs: int,
               progress: Any = None) -> Optional[List[Result]]:
    """Check ``files`` in two phases when some index is stale; None when every index is
    up to date (the caller then checks each file once, as usual)."""
    plans, stale = plan_indexes(project, files)
    if not stale:
        for key, index, _ in plans:
            project.adopt(key, index.complete(()))
        return None
    mine = [(path, stale[os.path.abspath(path)]) for path in files
            if os.path.abspath(path) in stale]
    seen = {item.path for _, item in mine}
    others = [item for item in stale.values() if item.path not in seen]
    if progress:
        progress.total = len(mine) + len(files)
    firsts: List[FirstPass] = run_tasks(project, codes, first_pass, mine, jobs,
                                        sum(len(item.data) for _, item in mine), progress)
    summaries = {f.source: f.summary for f in firsts}
    summaries.update(run_tasks(project, codes, summary_only, others, jobs,
                               sum(len(item.data) for item in others)))
    for key, index, todo in plans:
        try:
            project.adopt(key, index.complete((item.rel, summaries[item.path]) for item in todo))
        except Exception:
            project.adopt(key, None)
    data = {path: item.data for path, item in mine}
    done = {f.path: f for f in firsts}
    second: List[Any] = []
    results: List[Result] = []
    for path in files:
        first = done.get(path)
        if first is None or first.then == "check":
            second.append(path)
        elif first.then == "judge":
            second.append((path, first.findings, first.starts, data[path]))  # no summary
        else:
            results.append(([], first.diagnostic))
    if progress:
        progress.total = len(mine) + len(second)
    # judging from the index costs about a tenth of checking a file
    size = size_of(w for w in second if isinstance(w, str)) + sum(
        len(w[3]) // 10 for w in second if not isinstance(w, str))
    return results + run_tasks(project, codes, second_pass, second, jobs, size, progress)
