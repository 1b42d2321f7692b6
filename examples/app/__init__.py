"""Example backend: the package root."""
