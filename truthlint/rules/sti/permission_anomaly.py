"""STI012: source files, data files and directories other users cannot read."""

from __future__ import annotations

import os
import stat
from typing import Optional, cast

from ...core.context import FileContext
from ..base import Rule, RuleDoc


class PermissionAnomaly(Rule):
    """STI012: files and directories other users cannot read."""

    doc = RuleDoc(
        code="STI012",
        name="permission-anomaly",
        severity="governance",
        message="{problem} — a container or service running as another user cannot read it; "
                "make files 0644 and directories 0755",
        summary="Flags a source file that other users cannot read (mode 600, 640 …), a "
                "directory between the package root and the file that other users cannot enter "
                "(700, 750 …), and, for a package's `__init__.py`, a data file beside it with the "
                "same problem. Reported at line 1.",
        rationale="The seed found 600 JSON files in `schemas/`, a 700 `secrets/` directory and "
                  "600 specs: images built from that tree break as soon as the app runs as a "
                  "non-root user.",
        seed="STI-012",
        bad="""$ ls -l app/schemas/
-rw------- 1 dev dev  812 failure_catalog.json
""",
        good="""$ chmod 0644 app/schemas/failure_catalog.json
-rw-r--r-- 1 dev dev  812 failure_catalog.json
""",
        limits=(
            "Editor buffers (stdin) are not checked; nor are platforms without POSIX modes.",
            "Directories above the package root (a home directory with mode 700) are not "
            "judged.",
        ),
    )

    @classmethod
    def applies(cls, ctx: FileContext) -> bool:
        return os.name == "posix" and ctx.location.root is not None and not ctx.from_stdin

    def begin(self) -> None:
        loc = self.ctx.location
        problem = self._file_problem(cast(str, loc.path))  # applies(): a file below a root
        if problem is None:
            problem = self._directory_problem()
        if problem is None and loc.is_init:
            directory = cast(str, loc.directory)
            for name in sorted(self.ctx.fs.listdir(directory)):
                path = os.path.join(directory, name)
                if not name.endswith((".py", ".pyc")) and not name.startswith("."):
                    problem = self._file_problem(path, data=True)
                    if problem:
                        break
        if problem:
            self.report(1, 0, problem=problem)

    def _shown(self, path: str) -> str:
        root_parent = os.path.dirname(cast(str, self.ctx.location.root))
        return os.path.relpath(path, root_parent).replace(os.sep, "/")

    def _file_problem(self, path: str, data: bool = False) -> Optional[str]:
        mode = self.ctx.fs.file_mode(path)
        if mode is None or not stat.S_ISREG(mode) or mode & stat.S_IROTH:
            return None
        what = "data file " if data else ""
        return (f"{what}{self._shown(path)} has mode {stat.S_IMODE(mode):04o}, "
                f"not readable by other users")

    def _directory_problem(self) -> Optional[str]:
        loc = self.ctx.location
        for depth in range(0, len(loc.parts)):
            directory = os.path.join(cast(str, loc.root), *loc.parts[:depth])
            mode = self.ctx.fs.mode(directory)
            if mode is None:
                return None
            if (mode & (stat.S_IROTH | stat.S_IXOTH)) != (stat.S_IROTH | stat.S_IXOTH):
                return (f"directory {self._shown(directory)} has mode {stat.S_IMODE(mode):04o}, "
                        f"not readable by other users")
        return None
