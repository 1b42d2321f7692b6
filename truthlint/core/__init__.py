"""Floor 1, core: what every other floor stands on, importing nothing of truthlint's above it.

Settings, source text, the directory cache and the one file walker, the AST walker, name
resolution, a file's place, and the per-file context with its finding type.
"""
