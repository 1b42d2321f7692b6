"""Floor 3, project: where files sit (roots, modules, claimed layers) and the whole-project
index built from the facts of every module, with its cache.

Imports only from facts and core.
"""
