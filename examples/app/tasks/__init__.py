"""Background tasks: recovery queue and memory updates."""
