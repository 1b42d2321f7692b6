"""The results cache: the last run's findings, reused when nothing a finding can depend on
changed (contents, file modes, directory listings, configuration, truthlint's version, the
codes asked for)."""

from __future__ import annotations

import json
import os
import time
from typing import Any, List, Optional, Set, Tuple

from ..core.config import default_cache
from ..core.context import Finding
from ..core.digest import blake2b, build_id, encoded
from ..core.files import RACY_NS, read_regular, write_cache
from ..engine.check import Engine
from .filecheck import Located


class ResultsCache:
    """The last run's findings, reused when the run's whole input is unchanged.

    Any change anywhere invalidates it: findings are whole-project facts, so this cache
    never tries to guess which files a change could affect.
    """

    def __init__(self, engine: Engine, files: List[str]) -> None:
        self.engine, self.files = engine, files
        self.absolute = [os.path.abspath(f) for f in files]
        # (the working directory too: the findings it replays name paths relative to it)
        key = json.dumps([os.getcwd()] + self.absolute + sorted(engine.selection.codes))
        self.name = "results-" + blake2b(encoded(key), digest_size=8).hexdigest()
        self.path = self._where()
        self._partial: Optional[Any] = None
        self._newest = 0  # the latest file time seen: a file this new may be racy (RACY_NS)

    def begin(self) -> None:
        """Digest the files' metadata, directory listings and configuration now, before the
        run reads anything: a file edited during the run then misses the cache next time."""
        engine = self.engine
        digest = blake2b(digest_size=16)
        digest.update(build_id().encode())
        directories: Set[str] = set()
        for full in self.absolute:
            try:
                info = os.stat(full)
            except OSError:
                return
            self._newest = max(self._newest, info.st_mtime_ns)
            digest.update(encoded(f"{full}|{info.st_mode}|{info.st_mtime_ns}|{info.st_size}\n"))
            directories.add(full.rpartition(os.sep)[0])
        directories |= {d.rpartition(os.sep)[0] for d in directories}
        sources = {s for s in (engine.finder.for_dir(d).source for d in directories) if s}
        for directory in sorted(directories):  # hidden entries (caches) are not inputs
            names = sorted(n for n in engine.fs.listdir(directory) if not n.startswith("."))
            digest.update(encoded(f"{directory}|{engine.fs.mode(directory)}|{names}\n"))
            for name in names:  # (F10: STI012 judges the data files beside a package by mode)
                if not name.endswith(".py"):
                    mode = engine.fs.file_mode(os.path.join(directory, name))
                    digest.update(encoded(f"{name}|{mode}\n"))
        try:
            for source in sorted(sources):
                digest.update(read_regular(source))
        except OSError:
            return
        self._partial = digest

    def _state(self) -> str:
        """A digest of everything the findings depend on: what :meth:`begin` saw and the
        content of every indexed module (every index of the run must be built by now)."""
        if self._partial is None:
            return ""
        digest = self._partial.copy()
        for index in self.engine.indexes.built():
            for path, content in sorted(index.digests.items()):
                digest.update(encoded(f"{path}|{content}\n"))
        return str(digest.hexdigest())

    def _where(self) -> Optional[str]:
        if not self.files:
            return None
        config = self.engine.finder.for_file(os.path.abspath(self.files[0]))
        directory = config.cache_dir if config.source else default_cache(os.getcwd())
        return os.path.join(directory, self.name + ".json") if directory else None

    def load(self) -> Optional[Tuple[List[Located], List[str]]]:
        state = self._state()
        if not self.path or not state:
            return None
        try:
            data = json.loads(read_regular(self.path))
            if data.get("state") != state:
                return None
            written = data.get("written")
            if not isinstance(written, int) or self._newest >= written - RACY_NS:
                return None  # a file as new as the cache may have changed unseen since
            located = [Located(str(row[0]), Finding.of(row[1:6]), str(row[6]))
                       for row in data["findings"]]
            return located, list(data["diagnostics"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, located: List[Located], diagnostics: List[str]) -> None:
        state = self._state()
        if not self.path or not state:
            return
        data = {"state": state, "written": time.time_ns(), "diagnostics": diagnostics,
                "findings": [[i.path, *i.finding, i.source_line] for i in located]}
        write_cache(self.path, json.dumps(data))
