"""Run-time settings read from the environment, and the hardware the lessons run on.

* ``NST_OFFLINE=1`` — skip the download attempts; use the offline backends at once.
* ``NST_QUICK=1`` — the notebooks shrink image sizes and step counts (CI sets it).
"""

from __future__ import annotations

import os

_TRUE = ("1", "true", "yes", "on")

#: The GitHub repository (owner/name) the notebooks' Colab badges and setup cells point to.
#: Change it here and in pyproject.toml, then run ``python scripts/refresh_notebooks.py --strip-only``.
REPOSITORY = "nst-teaching/nst-suite"


def env_flag(name: str) -> bool:
    """Whether the environment variable ``name`` is set to a true value (1, true, yes, on).

    Args:
        name: The variable's name, e.g. ``"NST_QUICK"``.

    Returns:
        True if it is set to a true value.
    """
    return os.environ.get(name, "").strip().lower() in _TRUE


def offline_requested() -> bool:
    """Whether ``NST_OFFLINE`` asks to skip the online model sources."""
    return env_flag("NST_OFFLINE")


def quick_mode() -> bool:
    """Whether ``NST_QUICK`` asks the notebooks for small sizes and few steps."""
    return env_flag("NST_QUICK")


def has_gpu() -> bool:
    """Whether TensorFlow sees a GPU."""
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def device_summary() -> str:
    """One line saying whether a GPU is present, for the notebooks' setup cells."""
    if has_gpu():
        return "GPU found: the published (large) defaults are used."
    return f"No GPU: running on the CPU ({os.cpu_count()} cores) with CPU-sized defaults."
