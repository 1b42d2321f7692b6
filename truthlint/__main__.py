"""``python -m truthlint`` runs the command line.

``-m`` puts the working directory first on ``sys.path``, and the working directory is the
tree being checked: its ``tomllib.py`` or ``json.py`` would be imported in place of the
standard library's, and run. Take it off before anything else is imported (the package's own
modules are found through the package, not through that entry).
"""
import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from .adapters.cli import main  # noqa: E402  (after the guard, on purpose)

sys.exit(main())
