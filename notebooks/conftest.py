"""nbval runs each notebook in a fresh kernel with the environment the user gave.

The unit tests (``tests/conftest.py``) default ``NST_OFFLINE`` to 1 while they run; the notebooks
get back what was set when pytest started, so ``python -m pytest --nbval-lax`` without
``NST_OFFLINE`` tests the online models. TensorFlow's C++ log lines stay out of the kernels' output.
"""

from __future__ import annotations

import os

_GIVEN = {name: os.environ.get(name) for name in ("NST_OFFLINE",)}
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_runtest_setup(item):
    """Restore the user's model-source settings before a notebook's kernel starts."""
    for name, value in _GIVEN.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
