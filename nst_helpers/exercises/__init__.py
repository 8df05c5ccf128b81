"""Checkers for the notebooks' exercises, one module per notebook.

Each checker runs a student's function on inputs it makes itself, tests invariants with
tolerances (not stored seeded numbers), prints what is right or what is wrong and why, and returns
``True`` when every check passes.
"""
