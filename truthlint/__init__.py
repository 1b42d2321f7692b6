"""truthlint: keeps a backend's architecture audit true by checking behaviour, imports and call graphs."""

__version__ = "0.1.0"
