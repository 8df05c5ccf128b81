"""Checkers for the notebooks' exercises, one module per notebook.

Each checker runs a student's function on seeded random inputs it makes itself (the same on every
run, so a failure can be reproduced; pass ``seed=`` for others), tests invariants with tolerances,
and reports in one style (:mod:`nst_helpers.exercises.report`): ``✓ …`` when every check passes,
else ``✗`` with the first failure explained — the input, what was expected, what came back and the
likely mistake. It returns ``True`` or ``False``.
"""
