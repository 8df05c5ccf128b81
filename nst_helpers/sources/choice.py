"""Online or offline model sources, and saying once which one runs (see :mod:`nst_helpers.sources`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..config import env_flag, offline_requested
from ..errors import NSTError


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


#: Set to 1 to make ``auto`` fail instead of falling back to the offline models (instructors'
#: checks on Colab: the notebooks then run on the real VGG19 and TF Hub models, or fail).
REQUIRE_ONLINE_VARIABLE = "NST_REQUIRE_ONLINE"


def online_or_offline(
    load_online: Callable[[], Backend], load_offline: Callable[[str], Backend], online: str
) -> tuple[Backend, str]:
    """Load the online backend unless ``NST_OFFLINE`` is set; if it fails, the offline one.

    With ``NST_REQUIRE_ONLINE=1`` there is no fallback: the online backend loads or this raises.

    Args:
        load_online: Loads the online backend (VGG19, TF Hub), raising :class:`NSTError` if it
            cannot be had.
        load_offline: Loads the offline backend, given why the online one was not used.
        online: The online backend's name, for the strict switch's error (e.g. ``"VGG19"``).

    Returns:
        The backend, and why the online one was not used (empty if it was).

    Raises:
        NSTError: With ``NST_REQUIRE_ONLINE=1``, if the online backend cannot be loaded.
    """
    strict = env_flag(REQUIRE_ONLINE_VARIABLE)
    if offline_requested() and not strict:
        reason = "NST_OFFLINE is set"
        return load_offline(reason), reason
    try:
        return load_online(), ""
    except NSTError as exc:
        if strict:
            raise NSTError(
                f"{online} could not be loaded and {REQUIRE_ONLINE_VARIABLE}=1 forbids the offline "
                f"fallback: {exc}"
            ) from None
        return load_offline(str(exc)), str(exc)


def download_failure(what: str, exc: BaseException, fix: str) -> str:
    """Why a download failed, in words: a server's refusal is not a missing network.

    Args:
        what: What was being downloaded (``"VGG19's ImageNet weights"``).
        exc: The exception the download raised.
        fix: What to do when there is no network.

    Returns:
        One sentence naming the cause and the fix.
    """
    text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    for code, meaning in (("403", "refused it (HTTP 403)"), ("429", "asked to wait (HTTP 429)")):
        if code in text:
            return (
                f"{what} could not be downloaded: the server {meaning} ({text}); the network "
                "works, so try again later or from another connection"
            )
    if "proxy" in text.lower():
        return f"{what} could not be downloaded through the proxy ({text}); check its settings"
    return f"{what} could not be downloaded ({text}); {fix}"


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
