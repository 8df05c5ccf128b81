"""Run-time settings read from the environment, and the hardware the lessons run on.

* ``NST_OFFLINE=1`` — skip the download attempts; use the offline backends at once.
* ``NST_QUICK=1`` — the notebooks shrink image sizes and step counts (CI sets it).
"""

from __future__ import annotations

import functools
import os

_TRUE = ("1", "true", "yes", "on")

# Input limits shared by the package and the command line (which checks them before it imports
# TensorFlow).
#: The shorter side of an image must be at least this many pixels: VGG pools five times.
MIN_SIDE = 32
#: The largest ``max_dim`` the package accepts.
MAX_DIM_LIMIT = 4096
#: The largest number of steps the package accepts.
MAX_STEPS = 100_000
#: The largest loss weight the package accepts.
MAX_WEIGHT = 1e12
#: Backbones of the Gatys loop (see :mod:`nst_helpers.models`).
BACKBONES = ("auto", "vgg19", "vgg16-hed")
#: Optimizers of the Gatys loop (see :mod:`nst_helpers.optimize`).
OPTIMIZERS = ("adam", "lbfgs")

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


@functools.lru_cache(maxsize=1)
def has_gpu() -> bool:
    """Whether TensorFlow sees a GPU."""
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def device_summary() -> str:
    """One line saying whether a GPU is present, for the notebooks' setup cells."""
    if has_gpu():
        return "GPU found: the published (large) defaults are used."
    return f"No GPU: running on the CPU ({os.cpu_count()} cores) with CPU-sized defaults."


#: Seconds per Gatys step (forward and backward) per pixel, measured on a 2-core CPU at 256×192
#: px with the VGG16 backbone (about 0.37 s a step), and a rough figure for a Colab T4 GPU.
SECONDS_PER_PIXEL_STEP = {"cpu": 0.37 / (256 * 192), "gpu": 0.03 / (512 * 384)}


def gatys_defaults() -> dict[str, int]:
    """Default ``max_dim`` and ``steps`` of the Gatys loop for the hardware at hand.

    Returns:
        ``{"max_dim": 512, "steps": 500}`` on a GPU; ``{"max_dim": 256, "steps": 200}`` on a CPU,
        which finishes in about a minute.
    """
    return {"max_dim": 512, "steps": 500} if has_gpu() else {"max_dim": 256, "steps": 200}


def estimate_seconds(height: int, width: int, steps: int) -> float:
    """A rough estimate of a Gatys run's time, printed before long runs.

    Args:
        height: Image height in pixels.
        width: Image width in pixels.
        steps: Forward-and-backward passes.

    Returns:
        Seconds, from :data:`SECONDS_PER_PIXEL_STEP`.
    """
    rate = SECONDS_PER_PIXEL_STEP["gpu" if has_gpu() else "cpu"]
    return rate * height * width * steps


def announce(notice: str, online: str, reason: str) -> None:
    """Print which backend runs, once, and why the online one was not used.

    Args:
        notice: The backend's one-line notice.
        online: The online source's name (e.g. ``"VGG19"``).
        reason: Why it was not loaded (empty when it was, or was not asked for).
    """
    print(notice)
    if reason:
        print(f"  ({online} was not loaded: {reason})")
