"""Floor 2, facts: what one file says, read in the one walk (imports by kind, sessions, the
library catalogue, behaviour evidence, the per-module summary the project index keeps).

Imports only from core.
"""
