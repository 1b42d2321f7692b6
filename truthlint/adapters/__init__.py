"""Floor 7, adapters: the ways in and out (the flake8 plugin, the command line, output
formats, the truth map, the rendered docs). Nothing imports an adapter but the package's
``__main__`` and the entry points in pyproject.toml.
"""
