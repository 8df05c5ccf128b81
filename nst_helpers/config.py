"""Run-time settings read from the environment, and the hardware the lessons run on.

* ``NST_OFFLINE=1`` — skip the download attempts; use the offline backends at once.
* ``NST_QUICK=1`` — the notebooks shrink image sizes and step counts (CI sets it).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

_TRUE = ("1", "true", "yes", "on")

#: The GitHub repository (owner/name) the notebooks' Colab badges and setup cells point to.
#: Change it here and in pyproject.toml, then run ``python scripts/refresh_notebooks.py --strip-only``.
REPOSITORY = "nst-teaching/nst-suite"
#: The git ref (branch or tag) every "Open in Colab" badge opens and every setup cell installs:
#: ``"main"`` until the first release is cut, then the release tag, so that nothing a student can
#: click names a tag that does not exist. Only ``scripts/release.py`` changes it.
COLAB_REF = "main"


def env_flag(name: str) -> bool:
    """Whether the environment variable ``name`` is set to a true value (1, true, yes, on).

    Args:
        name: The variable's name, e.g. ``"NST_QUICK"``.

    Returns:
        True if it is set to a true value.
    """
    return os.environ.get(name, "").strip().lower() in _TRUE


def env_path(name: str) -> Path | None:
    """The path in the environment variable ``name`` (``~`` expanded), if it is set.

    Args:
        name: The variable's name, e.g. ``"NST_OUTPUT_DIR"``.

    Returns:
        The path, which may not exist, or None when the variable is unset or blank.
    """
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else None


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


@functools.lru_cache(maxsize=1)
def cpu_has_bfloat16() -> bool:
    """Whether the CPU computes bfloat16 natively (x86 AVX512-BF16 or AMX-BF16, ARM BF16).

    Read from ``/proc/cpuinfo`` (x86's ``flags``, ARM's ``Features``), so it is False off Linux
    and on CPUs that do not say so.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith(("flags", "Features")):
                    return bool({"avx512_bf16", "amx_bf16", "bf16"} & set(line.split()))
    except OSError:
        pass
    return False


def output_dir() -> Path:
    """The folder the notebooks save pictures in (made if missing).

    ``$NST_OUTPUT_DIR`` if set; in Colab ``/content/outputs``, next to the cloned repository, where
    the file browser shows it; elsewhere ``outputs/`` at the top of the repository when run from
    ``notebooks/``, else ``outputs/`` in the current folder.

    Returns:
        The folder; outside Colab relative to the current folder (``../outputs``), so a printed
        path says where the student finds the file, not where the notebook once ran.
    """
    folder = env_path("NST_OUTPUT_DIR") or _default_output_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _default_output_dir() -> Path:
    if "google.colab" in sys.modules:
        return Path("/content/outputs")
    if Path.cwd().name == "notebooks":
        return Path("..", "outputs")
    return Path("outputs")


def device_summary() -> str:
    """One line saying whether a GPU is present, for the notebooks' setup cells."""
    if has_gpu():
        return "GPU found: the published (large) defaults are used."
    return f"No GPU: running on the CPU ({os.cpu_count()} cores) with CPU-sized defaults."
