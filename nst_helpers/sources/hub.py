"""Magenta's arbitrary-image-stylization module from TensorFlow Hub, or a local SavedModel.

:func:`nst_helpers.magenta.load_stylizer` (notebook 04) loads it through :func:`load_hub_module`:
``hub.load`` of the URL (downloaded once, cached in ``$TFHUB_CACHE_DIR``) or of a local folder
(``NST_MAGENTA_DIR``; ``scripts/make_standins.py`` writes a small stand-in for tests).
"""

from __future__ import annotations

import hashlib
import os
import sys
import types
from pathlib import Path

from ..errors import NSTError
from .choice import download_failure

HUB_HANDLE = "https://tfhub.dev/google/magenta/arbitrary-image-stylization-v1-256/2"


def import_tensorflow_hub() -> types.ModuleType:
    """Import ``tensorflow_hub``, also where setuptools no longer ships ``pkg_resources``.

    ``tensorflow_hub`` 0.16.1 imports ``pkg_resources.parse_version``, which setuptools 82 and
    newer removed; a fresh virtual environment on Python 3.12+ gets such a setuptools. When that
    import is what fails, a stand-in ``pkg_resources`` with ``parse_version`` (``packaging``'s)
    is registered and the import tried again.

    Returns:
        The ``tensorflow_hub`` module.

    Raises:
        NSTError: If it still cannot be imported; the message names the missing module.
    """
    try:
        import tensorflow_hub as hub
    except ModuleNotFoundError as exc:
        if exc.name != "pkg_resources":
            raise _hub_import_error(exc) from None
        _register_pkg_resources_stand_in()
        try:
            import tensorflow_hub as hub
        except ImportError as again:
            raise _hub_import_error(again) from None
    except ImportError as exc:
        raise _hub_import_error(exc) from None
    return hub


def _register_pkg_resources_stand_in() -> None:
    from packaging.version import parse

    stand_in = types.ModuleType("pkg_resources")
    stand_in.parse_version = parse
    sys.modules["pkg_resources"] = stand_in


def _hub_import_error(exc: ImportError) -> NSTError:
    missing = getattr(exc, "name", None)
    if missing in ("tensorflow_hub", "tf_keras"):
        fix = "pip install tensorflow-hub tf-keras"
        return NSTError(f"TF Hub needs {missing.replace('_', '-')}, not installed: {fix}")
    return NSTError(f"tensorflow_hub could not be imported: {type(exc).__name__}: {exc}")


def hub_cache_dir() -> Path:
    """The folder TF Hub caches modules in (``$TFHUB_CACHE_DIR``, else a temp folder).

    Returns:
        The cache folder.
    """
    import tempfile

    return Path(os.environ.get("TFHUB_CACHE_DIR", Path(tempfile.gettempdir()) / "tfhub_modules"))


def hub_module_dir(handle: str = HUB_HANDLE) -> Path:
    """The folder TF Hub caches ``handle`` in (named by the SHA-1 of the handle).

    Args:
        handle: The module's URL.

    Returns:
        The module's cache folder (it may not exist).
    """
    return hub_cache_dir() / hashlib.sha1(handle.encode("utf8")).hexdigest()


#: The environment variable that names a local copy of the Magenta SavedModel.
MAGENTA_DIR_VARIABLE = "NST_MAGENTA_DIR"


def magenta_dir() -> str | None:
    """The local Magenta SavedModel folder named by ``NST_MAGENTA_DIR``, if it is set.

    Returns:
        The variable's value (a folder, or a module URL), or None when it is unset or empty.
    """
    return os.environ.get(MAGENTA_DIR_VARIABLE, "").strip() or None


def load_hub_module(handle: str) -> tuple[object, str]:
    """``hub.load`` the Magenta module from its URL (cached) or a local SavedModel folder.

    Args:
        handle: The module's URL, or a folder that holds ``saved_model.pb``.

    Returns:
        The loaded module and where it came from (``"from TF Hub"`` or ``"from FOLDER"``).

    Raises:
        NSTError: If TF Hub cannot be imported or the module cannot be loaded; the message says
            why and the fix.
    """
    hub = import_tensorflow_hub()
    local = Path(handle).expanduser()
    if "://" not in handle and not local.is_dir():
        raise NSTError(
            f"no SavedModel folder at {handle}; give the folder that holds saved_model.pb"
        )
    if not local.is_dir() and not hub_module_dir(handle).is_dir():
        print(f"Downloading the TF Hub module once (cached in {hub_cache_dir()}) …")
    try:
        module = hub.load(str(local) if local.is_dir() else handle)
    except Exception as exc:  # hub raises URLError, OSError, ValueError, ...
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        if local.is_dir():
            raise NSTError(
                f"the SavedModel in {local} could not be loaded ({text}); download it again"
            ) from None
        cached = hub_module_dir(handle)
        if cached.is_dir():
            raise NSTError(
                f"the TF Hub cache folder {cached} is damaged or partial ({text}); delete that "
                "folder (or set TFHUB_CACHE_DIR to an empty one) and run again online"
            ) from None
        fix = "connect to the internet once, or use the offline backend"
        raise NSTError(download_failure("the TF Hub module", exc, fix)) from None
    origin = f"from {local}" if local.is_dir() else "from TF Hub"
    return module, origin
