"""Downloading images from http(s) URLs, with a size cap, a timeout and a cache.

:func:`nst_helpers.images.load_image` calls :func:`download` for a URL, and
:func:`store_in_cache` once the bytes decoded as an image, so the next run needs no network.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from ..config import env_path
from ..errors import NSTError

#: Downloads larger than this are refused.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
#: Seconds to wait for a download before giving up.
DOWNLOAD_TIMEOUT = 15.0


def cache_dir() -> Path:
    """Return the folder where downloaded images are cached (``$NST_CACHE_DIR`` to change it).

    Returns:
        The cache folder (not created until something is downloaded).
    """
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "nst_helpers"
    return env_path("NST_CACHE_DIR") or default


def _cache_path(url: str) -> Path:
    return cache_dir() / "images" / hashlib.sha256(url.encode()).hexdigest()


def store_in_cache(url: str, data: bytes) -> None:
    """Keep a downloaded image's bytes in :func:`cache_dir`, written atomically.

    Args:
        url: The URL the bytes came from (the cache key).
        data: The bytes, stored only once they decoded as an image.
    """
    path = _cache_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def download(url: str) -> tuple[bytes, bool]:
    """Download an http(s) URL with a timeout and a size cap, or read it from the cache.

    Args:
        url: An ``http://`` or ``https://`` URL.

    Returns:
        The bytes, and whether they came from the cache.

    Raises:
        NSTError: For another scheme, a non-image answer, a file over
            :data:`MAX_DOWNLOAD_BYTES`, or a network failure (the message says the fix).
    """
    scheme = urllib.parse.urlparse(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise NSTError(f"cannot load {url}: only http:// and https:// URLs are supported")
    cached = _cache_path(url)
    if cached.is_file() and cached.stat().st_size > 0:
        return cached.read_bytes(), True
    request = urllib.request.Request(url, headers={"User-Agent": "nst-helpers"})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
            kind = response.headers.get("Content-Type", "")
            if kind and not kind.startswith(("image/", "application/octet-stream")):
                raise NSTError(f"{url} is not an image (the server sent {kind}); use an image URL")
            length = response.headers.get("Content-Length")
            if length and int(length) > MAX_DOWNLOAD_BYTES:
                raise NSTError(_too_big(url))
            data = response.read(MAX_DOWNLOAD_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise NSTError(f"downloading {url} failed: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NSTError(
            f"downloading {url} failed ({reason}); check the network, or download the image "
            "and pass its path"
        ) from None
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise NSTError(_too_big(url))
    return data, False


def _too_big(url: str) -> str:
    limit = MAX_DOWNLOAD_BYTES // (1024 * 1024)
    return f"{url} is larger than {limit} MB; download and shrink it, then pass its path"
