"""Magenta's model from Kaggle: the second online source, tried when TF Hub fails.

tfhub.dev's handles now resolve through Kaggle, which refuses some of TF Hub's requests;
``kagglehub.model_download`` fetches the same SavedModel by its Kaggle handle into kagglehub's
cache (``$KAGGLEHUB_CACHE``, by default ``~/.cache/kagglehub``). Colab ships ``kagglehub``.
:func:`nst_helpers.magenta.load_stylizer` (notebook 04) loads through :func:`load_magenta_online`.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import NSTError
from .choice import download_failure
from .hub import load_hub_module

#: Kaggle's handle of TF Hub's ``magenta/arbitrary-image-stylization-v1-256/2``.
KAGGLE_HANDLE = "google/arbitrary-image-stylization-v1/tensorFlow1/256/2"
#: The fix TF Hub's and Kaggle's download errors end with (as :func:`load_hub_module` words it).
_NO_NETWORK = "; connect to the internet once, or use the offline backend"


def load_kaggle_module(handle: str = KAGGLE_HANDLE) -> tuple[object, str]:
    """Download (once) and load Magenta's SavedModel from Kaggle with ``kagglehub``.

    Args:
        handle: The model's Kaggle handle (owner/model/framework/variation/version).

    Returns:
        The loaded module and where it came from (``"from Kaggle, HANDLE"``).

    Raises:
        NSTError: If kagglehub is missing, the download fails or the files do not load.
    """
    try:
        import kagglehub
    except ImportError:
        raise NSTError(
            "Kaggle's copy needs kagglehub, not installed: pip install kagglehub"
        ) from None
    try:
        folder = kagglehub.model_download(handle)
    except Exception as exc:  # requests' ConnectionError, kagglehub's HTTP errors, ...
        fix = _NO_NETWORK.removeprefix("; ")
        raise NSTError(download_failure(f"Kaggle's copy ({handle})", exc, fix)) from None
    try:
        module, _ = load_hub_module(folder)
    except NSTError as exc:
        raise NSTError(
            f"Kaggle's copy in {folder} could not be loaded ({exc}); delete {Path(folder)} and "
            "run again online"
        ) from None
    return module, f"from Kaggle, {handle}"


def load_magenta_online(handle: str) -> tuple[object, str]:
    """Magenta's module from TF Hub (``handle``) or, when that fails, the same one from Kaggle.

    Args:
        handle: The TF Hub URL to try first.

    Returns:
        The loaded module and where it came from; Kaggle's says why TF Hub was not used.

    Raises:
        NSTError: If neither loads; the message gives both reasons.
    """
    try:
        return load_hub_module(handle)
    except NSTError as exc:
        hub_error = exc
    try:
        module, origin = load_kaggle_module()
    except NSTError as kaggle_error:
        both = f"{hub_error}; {kaggle_error}"
        if both.count(_NO_NETWORK) == 2:  # say the fix once
            both = both.replace(_NO_NETWORK, "", 1)
        raise NSTError(both) from None
    why = str(hub_error).split("; ")[0]  # the cause, without the fix for a missing network
    return module, f"{origin}, the same model, because {why}"
