"""The command line, ``python -m nst_helpers`` (notebook 04 opens its door; ``docs/cli.md``).

* :mod:`~nst_helpers.cli.parser` — the flags, their checks and the exit codes;
* :mod:`~nst_helpers.cli.main` — ``main`` and one-picture runs;
* :mod:`~nst_helpers.cli.streams` — folder and video runs;
* :mod:`~nst_helpers.cli.teach` — student copies of the notebooks, ``python -m nst_helpers.cli.teach``.
"""
