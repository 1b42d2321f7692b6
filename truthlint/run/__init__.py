"""Floor 6, run: a whole run of the ``truthlint`` command (the cold two-pass pipeline, the
process pool, ``noqa``, the results cache and baselines).

Imports only from the floors below it.
"""
