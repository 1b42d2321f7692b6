"""The project indexes of one run, one per package root and configuration: the one owner of
their lifecycle. An index is built on first use, or planned by a cold command run (which
summarises the stale modules in its own walk) and completed from what that run found."""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Tuple

from ..core.config import Config, ConfigFinder, default_cache
from ..core.files import FileSystem
from ..core.walker import warn
from .index import Early, ProjectIndex, Stale
from .summaries import summarize_file
from .layout import find_root, project_dir

Key = Tuple[str, Optional[str]]  # (package root, configuration file)


class Plan(NamedTuple):
    """An index whose cache is loaded and whose stale modules are known, not yet complete."""

    key: Key
    pending: ProjectIndex
    stale: List[Stale]


class Indexes:
    def __init__(self, fs: FileSystem) -> None:
        self.fs = fs
        self._built: Dict[Key, Optional[ProjectIndex]] = {}
        self._early: Dict[Key, Early] = {}  # planned, not yet complete (see ``Early``)

    @staticmethod
    def key(root: str, config: Config) -> Key:
        return root, config.source

    def built(self) -> List[ProjectIndex]:
        """The indexes built so far in this run."""
        return [index for _, index in sorted(self._built.items(), key=lambda kv: str(kv[0]))
                if index is not None]

    def get(self, root: str, config: Config) -> Optional[ProjectIndex]:
        """The index of one package root, built (or loaded) on first use; None when it
        could not be built (then only the whole-project checks are skipped)."""
        key = self.key(root, config)
        if key not in self._built:
            with self.fs.unnoted():  # building is not the current file's reading
                try:
                    self._built[key] = self._new(root, config).build()
                except Exception:  # a broken index must not take the per-file rules down
                    self._adopt(key, None)
        return self._built[key]

    def early(self, root: str, config: Config) -> Optional[Early]:
        """The root's planned index while it is being completed, or None."""
        return self._early.get(self.key(root, config))

    def walk_ahead(self, plan: Plan, hook: Callable[[Stale], Optional[Dict[str, Any]]]) -> None:
        """Let a planned index's early answers take a stale module's summary from the run's
        own walk of it (see ``Early.ahead``)."""
        early = self._early.get(plan.key)
        if early is not None:
            early.ahead = hook

    def ready(self, root: str, config: Config) -> bool:
        """Has this run built the root's index (and could it)?"""
        return self._built.get(self.key(root, config)) is not None

    def cache_dir(self, root: str, config: Config) -> Optional[str]:
        """Where the caches of a root's files go: beside the configuration, or the project."""
        return config.cache_dir if config.source else _project_cache(root)

    def plan(self, finder: ConfigFinder, files: Iterable[str]) -> List[Plan]:
        """Every package root the files are in whose index this run has not built yet,
        with its cache loaded and its stale modules listed."""
        plans: Dict[Key, Plan] = {}
        seen = set()
        for path in files:
            directory = os.path.dirname(os.path.abspath(path))
            if directory in seen:
                continue
            seen.add(directory)
            config = finder.for_dir(directory)
            root = find_root(self.fs, directory, config)
            if root is None:
                continue
            key = self.key(root, config)
            if key in plans or key in self._built:
                continue
            index = self._new(root, config)
            try:
                plans[key] = Plan(key, index, index.plan())
                self._early[key] = Early(index, plans[key].stale)
            except Exception:  # as in get(): a broken index only skips project checks
                self._adopt(key, None)
        return list(plans.values())

    def complete(self, plan: Plan, summaries: Iterable[Tuple[str, str]]) -> None:
        """Complete a planned index with the (rel, summary JSON) of its stale modules."""
        self._early.pop(plan.key, None)
        with self.fs.unnoted():
            try:
                self._adopt(plan.key, plan.pending.complete(summaries))
            except Exception:
                self._adopt(plan.key, None)

    def _new(self, root: str, config: Config) -> ProjectIndex:
        """An index not yet built, its cache beside the configuration (or the project)."""
        return ProjectIndex(root, config, self.fs, self.cache_dir(root, config), summarize_file)

    def _adopt(self, key: Key, index: Optional[ProjectIndex]) -> None:
        if index is None:
            warn("truthlint: could not index %s; whole-project checks are skipped", key[0])
        self._built[key] = index


def _project_cache(root: str) -> Optional[str]:
    """Without a configuration file the cache goes in the project directory (see
    ``layout.project_dir``); with none, nowhere: a tree outside any project (the standard
    library, say) is indexed in memory only."""
    project = project_dir(root)
    return default_cache(project) if project else None
