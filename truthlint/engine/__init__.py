"""Floor 5, engine: which rules a run selects, and one check of one file for a phase.

Imports only from rules, project, facts and core; never flake8.
"""
