"""SOI — state ownership: who holds state, and who may change it.

One module per rule, named after the rule (its kebab-case name with underscores).
"""
