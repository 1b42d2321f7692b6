"""TBV — temporal boundaries: code that runs at the wrong time, and imports across layers.

One module per rule, named after the rule (its kebab-case name with underscores).
"""
