"""Run-time settings read from the environment, and the hardware the lessons run on.

* ``NST_OFFLINE=1`` — skip the download attempts; use the offline backends at once.
* ``NST_QUICK=1`` — the notebooks shrink image sizes and step counts (CI sets it).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from . import __version__
from .errors import NSTError

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
#: Optimizers of the Gatys loop (see :mod:`nst_helpers.gatys`).
OPTIMIZERS = ("adam", "lbfgs")

#: The GitHub repository (owner/name) the notebooks' Colab badges and setup cells point to.
#: Change it here and in pyproject.toml, then run ``python scripts/refresh_notebooks.py --strip-only``.
REPOSITORY = "nst-teaching/nst-suite"
#: The release tag the notebooks' badges and setup cells open and install: ``v`` + the package's
#: version (``nst_helpers.__version__``, the one place it is written). Change the version, then run
#: ``python scripts/refresh_notebooks.py --strip-only``.
RELEASE_TAG = f"v{__version__}"


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
    """Whether the CPU computes bfloat16 natively (x86 AVX512-BF16 or AMX-BF16).

    Read from ``/proc/cpuinfo``, so it is False off Linux and on CPUs that do not say so.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith("flags"):
                    return bool({"avx512_bf16", "amx_bf16"} & set(line.split()))
    except OSError:
        pass
    return False


def mixed_precision_default() -> bool:
    """Whether the Gatys loop runs its first steps in bfloat16 when not told.

    Yes on a CPU that computes bfloat16 natively, where a step takes about half the time. No on a
    GPU (a Colab T4 has no bfloat16 units; the published notebooks run float32), and no on other
    CPUs, which would only emulate bfloat16.

    Returns:
        True if mixed precision pays off here.
    """
    return not has_gpu() and cpu_has_bfloat16()


def resolve_mixed_precision(mixed_precision: bool | None, optimizer: str) -> bool:
    """Check the Gatys loop's ``mixed_precision`` and decide ``None`` (automatic) for this machine.

    Args:
        mixed_precision: True, False, or None for :func:`mixed_precision_default`.
        optimizer: ``"adam"`` or ``"lbfgs"``; only L-BFGS has a bfloat16 phase.

    Returns:
        Whether the run starts in bfloat16.

    Raises:
        NSTError: If ``mixed_precision`` is not a bool or None, or is True with Adam.
    """
    if mixed_precision not in (None, True, False):
        raise NSTError(
            f"mixed_precision must be True, False or None (automatic), not {mixed_precision!r}"
        )
    if mixed_precision and optimizer == "adam":
        raise NSTError(
            "mixed_precision works with optimizer='lbfgs' only; Adam runs the tutorial's "
            "float32 loop (leave mixed_precision out)"
        )
    if mixed_precision is None:
        return optimizer == "lbfgs" and mixed_precision_default()
    return mixed_precision


def output_dir() -> Path:
    """The folder the notebooks save pictures in (made if missing).

    ``$NST_OUTPUT_DIR`` if set; in Colab ``/content/outputs``, next to the cloned repository, where
    the file browser shows it; elsewhere ``outputs/`` at the top of the repository when run from
    ``notebooks/``, else ``outputs/`` in the current folder.

    Returns:
        The folder.
    """
    folder = env_path("NST_OUTPUT_DIR") or _default_output_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _default_output_dir() -> Path:
    if "google.colab" in sys.modules:
        return Path("/content/outputs")
    if Path.cwd().name == "notebooks":
        return Path.cwd().parent / "outputs"
    return Path.cwd() / "outputs"


def device_summary() -> str:
    """One line saying whether a GPU is present, for the notebooks' setup cells."""
    if has_gpu():
        return "GPU found: the published (large) defaults are used."
    return f"No GPU: running on the CPU ({os.cpu_count()} cores) with CPU-sized defaults."


#: Seconds per Gatys step (forward and backward) per pixel with the offline VGG16 backbone:
#: measured on a 2-core CPU without native bfloat16 (0.87 s a step at 256×192 px, the benchmark's
#: three pairs at 256 px); a bfloat16 step takes 0.56 of a float32 one on a CPU that has it (0.2 s
#: against 0.36 s on a faster 2-core machine). The GPU figure is the README's estimate for a
#: Colab T4 (about 0.1 s a step at 512×384), not a measurement.
SECONDS_PER_PIXEL_STEP = {
    "cpu": 0.87 / (256 * 192),
    "cpu-bfloat16": 0.87 * 0.2 / 0.36 / (256 * 192),
    "gpu": 0.1 / (512 * 384),
}


def gatys_defaults() -> dict[str, int]:
    """Default ``max_dim`` and ``steps`` of the Gatys loop for the hardware at hand.

    Returns:
        ``{"max_dim": 512, "steps": 500}`` on a GPU; ``{"max_dim": 256, "steps": 290}`` on a CPU:
        four to five and a half minutes on 2 cores without native bfloat16, less on faster CPUs
        and those with it. On one of the benchmark's three pairs that passes the loss of the
        TensorFlow tutorial's 1000 Adam steps; on the other two it ends 16–20 % above it
        (``benchmarks/``, README).
    """
    return {"max_dim": 512, "steps": 500} if has_gpu() else {"max_dim": 256, "steps": 290}


def estimate_seconds(height: int, width: int, steps: int, bfloat16_steps: int = 0) -> float:
    """A rough estimate of a Gatys run's time, printed before long runs.

    Args:
        height: Image height in pixels.
        width: Image width in pixels.
        steps: Forward-and-backward passes.
        bfloat16_steps: How many of them run in bfloat16 (mixed precision, CPU only).

    Returns:
        Seconds, from :data:`SECONDS_PER_PIXEL_STEP`.
    """
    if has_gpu():
        return SECONDS_PER_PIXEL_STEP["gpu"] * height * width * steps
    step_seconds = (steps - bfloat16_steps) * SECONDS_PER_PIXEL_STEP["cpu"]
    step_seconds += bfloat16_steps * SECONDS_PER_PIXEL_STEP["cpu-bfloat16"]
    return step_seconds * height * width


def announce_backend(notice: str, online: str, reason: str) -> None:
    """Print which backend runs, once, and why the online one was not used.

    Args:
        notice: The backend's one-line notice.
        online: The online source's name (e.g. ``"VGG19"``).
        reason: Why it was not loaded (empty when it was, or was not asked for).
    """
    print(notice)
    if reason:
        print(f"  ({online} was not loaded: {reason})")


Backend = TypeVar("Backend")


def online_or_offline(
    load_online: Callable[[], Backend], load_offline: Callable[[str], Backend]
) -> tuple[Backend, str]:
    """Load the online backend unless ``NST_OFFLINE`` is set; if it fails, the offline one.

    Args:
        load_online: Loads the online backend (VGG19, TF Hub), raising :class:`NSTError` if it
            cannot be had.
        load_offline: Loads the offline backend, given why the online one was not used.

    Returns:
        The backend, and why the online one was not used (empty if it was).
    """
    if offline_requested():
        reason = "NST_OFFLINE is set"
        return load_offline(reason), reason
    try:
        return load_online(), ""
    except NSTError as exc:
        return load_offline(str(exc)), str(exc)


def load_once(
    loaded: dict[str, Backend],
    name: str,
    choose: Callable[[], tuple[Backend, str]],
    online: str,
    verbose: bool,
) -> Backend:
    """Load a backend the first time ``name`` is asked for, and say which one runs.

    Args:
        loaded: The backends loaded so far, by name; later calls for ``name`` reuse its entry.
        name: What was asked for (``"auto"``, ``"vgg19"``, ``"onnx"`` …).
        choose: Loads the backend; returns it and why the online one was not used (or ``""``).
        online: The online source's name, for the notice (e.g. ``"VGG19"``).
        verbose: Print the backend's notice (on the first load only).

    Returns:
        The backend.
    """
    if name not in loaded:
        backend, reason = choose()
        loaded[name] = backend
        if verbose:
            announce_backend(backend.notice, online, reason)
    return loaded[name]
