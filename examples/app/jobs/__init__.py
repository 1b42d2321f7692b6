"""Background aggregation jobs."""
# TODO: daily cost roll-ups go here.
