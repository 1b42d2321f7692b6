"""STI — structural truth: what the package layout and the layers claim versus what the code is.

One module per rule, named after the rule (its kebab-case name with underscores).
"""
