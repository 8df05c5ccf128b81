"""Loading, scaling and saving images (taught in notebook 01).

Every image in the package is a float32 tensor of shape ``[1, H, W, 3]`` with values in ``[0, 1]``:
a batch of one RGB picture, the layout Keras models and the TF Hub Magenta module expect.

:func:`load_image` takes a bundled image's short name (``"tuebingen"``, ``"starry_night"``), a path,
an http(s) URL, raw bytes, a PIL image, a NumPy array or a tensor, and always returns that layout.
"""

from __future__ import annotations

import importlib.resources
import io
import os
import stat
import tempfile
import warnings
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image, ImageOps, UnidentifiedImageError

from .config import env_path
from .errors import NSTError, check_int
from .options import MAX_DIM_LIMIT, MIN_SIDE
from .sources.downloads import download, store_in_cache

ImageSource = str | os.PathLike | bytes | Image.Image | np.ndarray | tf.Tensor


def images_dir() -> Path:
    """Return the folder of bundled images: the package's ``data/`` (or ``$NST_IMAGES_DIR``).

    The pictures ship inside the package, so a clone, an editable install and an installed wheel
    find them the same way (``importlib.resources``).

    Returns:
        The folder that holds ``content/``, ``style/``, ``video/`` and ``CREDITS.md``.
    """
    return env_path("NST_IMAGES_DIR") or Path(str(importlib.resources.files(__package__) / "data"))


#: Short names of the bundled images, by kind.
BUNDLED = {
    "content": {
        "tuebingen": "tuebingen_neckarfront.jpg",
        "cat": "chelsea_cat.jpg",
        "astronaut": "astronaut_eileen_collins.jpg",
        "coffee": "coffee.jpg",
    },
    "style": {
        "starry_night": "van_gogh_starry_night.jpg",
        "great_wave": "hokusai_great_wave.jpg",
        "the_scream": "munch_the_scream.jpg",
        "shipwreck": "turner_shipwreck_of_the_minotaur.jpg",
        "woman_with_a_hat": "matisse_woman_with_a_hat.jpg",
    },
}


def list_images(kind: str | None = None) -> dict[str, Path]:
    """List the bundled images by short name.

    Args:
        kind: ``"content"``, ``"style"`` or ``None`` for both.

    Returns:
        A mapping from short name (e.g. ``"starry_night"``) to the file's path.

    Raises:
        NSTError: If ``kind`` is not one of the above.
    """
    if kind is not None and kind not in BUNDLED:
        raise NSTError(f"kind must be 'content', 'style' or None, got {kind!r}")
    kinds = [kind] if kind else list(BUNDLED)
    return {name: images_dir() / k / file for k in kinds for name, file in BUNDLED[k].items()}


def image_path(name: str) -> Path:
    """Return the path of a bundled image.

    Args:
        name: A short name from :func:`list_images`, e.g. ``"tuebingen"``.

    Returns:
        The path of the image file.

    Raises:
        NSTError: If there is no bundled image of that name, or its file is missing.
    """
    known = list_images()
    if name not in known:
        raise NSTError(
            f"no bundled image named {name!r}; use one of {', '.join(known)}, a path or a URL"
        )
    path = known[name]
    if not path.is_file():
        fix = "reinstall nst_helpers"
        if env_path("NST_IMAGES_DIR"):
            fix = "point NST_IMAGES_DIR at a folder with content/ and style/, or unset it"
        raise NSTError(f"bundled image {name!r} is missing at {path}; {fix}")
    return path


def load_image(source: ImageSource, max_dim: int | None = None) -> tf.Tensor:
    """Load an image as a float32 tensor ``[1, H, W, 3]`` in ``[0, 1]``.

    EXIF orientation is applied (the picture comes out upright, as a photo viewer shows it);
    grayscale, palette, RGBA (composited on white), CMYK and 16-bit images become RGB; an animated
    image gives its first frame.

    Args:
        source: A bundled image's short name, a path, an http(s) URL, the bytes of an image file,
            a PIL image, a NumPy array (``H×W``, ``H×W×3``, ``H×W×4`` or with a leading batch of 1;
            uint8, uint16, or floats in ``[0, 1]``) or a tensor of the same layouts.
        max_dim: If given, scale so that the longest side is ``max_dim`` pixels, keeping the
            aspect ratio.

    Returns:
        The image as a tensor of shape ``[1, H, W, 3]``, dtype float32, values in ``[0, 1]``.

    Raises:
        NSTError: If the source cannot be read as an image, is too small (shorter side under
            32 px), or ``max_dim`` is out of range.
    """
    if max_dim is not None:
        max_dim = check_int("max_dim", max_dim, MIN_SIDE, MAX_DIM_LIMIT)
    if isinstance(source, (np.ndarray, tf.Tensor)) and not isinstance(source, Image.Image):
        array = _array_to_float(np.asarray(source), "the array")
        label = "the array"
    else:
        pil, label = _open_pil(source)
        array = _pil_to_float(pil, label)
    _check_size(array.shape[0], array.shape[1], label)
    image = tf.constant(array[np.newaxis], dtype=tf.float32)
    if max_dim is not None:
        image = scale_to_max_dim(image, max_dim)
    return image


def scale_to_max_dim(image: tf.Tensor, max_dim: int) -> tf.Tensor:
    """Scale an image so that its longest side is ``max_dim`` pixels, keeping the aspect ratio.

    This is the ``img_scaler`` of the TensorFlow tutorials. Shrinking is antialiased.

    Args:
        image: A tensor ``[1, H, W, 3]`` (or ``[H, W, 3]``).
        max_dim: The longest side after scaling, in pixels.

    Returns:
        The scaled image, same rank as ``image``, values clipped to ``[0, 1]``.

    Raises:
        NSTError: If ``max_dim`` is out of range or the result would be under 32 px on a side.
    """
    max_dim = check_int("max_dim", max_dim, MIN_SIDE, MAX_DIM_LIMIT)
    shape = tf.shape(image)[-3:-1].numpy()
    scale = max_dim / max(int(shape[0]), int(shape[1]))
    new_shape = [max(1, round(int(shape[0]) * scale)), max(1, round(int(shape[1]) * scale))]
    if min(new_shape) < MIN_SIDE:
        raise NSTError(
            f"max_dim={max_dim} would make this {shape[1]}×{shape[0]} image {new_shape[1]}×"
            f"{new_shape[0]} px, under {MIN_SIDE} px on a side; use a larger max_dim"
        )
    resized = tf.image.resize(image, new_shape, method="bicubic", antialias=scale < 1)
    return tf.clip_by_value(resized, 0.0, 1.0)


def to_uint8(image: tf.Tensor | np.ndarray) -> np.ndarray:
    """Convert an image in ``[0, 1]`` to a uint8 array ``H×W×3``.

    Args:
        image: ``[1, H, W, 3]`` or ``[H, W, 3]`` floats in ``[0, 1]`` (values outside are clipped).

    Returns:
        A uint8 array of shape ``[H, W, 3]``.

    Raises:
        NSTError: If the image holds NaN or infinite values (it is never turned into a picture).
    """
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 4:
        array = array[0]
    if not np.isfinite(array).all():
        raise NSTError("the image holds NaN or infinite values; it was not converted or saved")
    return (np.clip(array, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def to_pil(image: tf.Tensor | np.ndarray) -> Image.Image:
    """Convert an image tensor ``[1, H, W, 3]`` in ``[0, 1]`` to a PIL image.

    Args:
        image: The image.

    Returns:
        An RGB PIL image.
    """
    return Image.fromarray(to_uint8(image))


_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP", ".bmp": "BMP"}


def check_output_path(path: str | os.PathLike) -> Path:
    """Check that ``path`` can take an image: a known suffix, and not a folder.

    Args:
        path: Where an image is to be written.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        NSTError: If the suffix is not a known image format or ``path`` is a folder.
    """
    path = Path(path)
    if path.suffix.lower() not in _FORMATS:
        raise NSTError(f"cannot save {path}: use a file name ending in {', '.join(_FORMATS)}")
    if path.is_dir():
        raise NSTError(f"cannot save to {path}: it is a folder; give a file name such as out.png")
    return path


def save_image(image: tf.Tensor | np.ndarray | Image.Image, path: str | os.PathLike) -> Path:
    """Save an image atomically: write a temporary file beside ``path``, then rename it.

    A failed save leaves any file already at ``path`` untouched and no temporary file behind.
    Missing parent folders are made. The file gets the permissions a plain ``open()`` gives: those
    of the file it replaces, or ``0o666`` less the umask for a new file (``-rw-r--r--`` usually).

    Args:
        image: A tensor or array ``[1, H, W, 3]`` in ``[0, 1]``, or a PIL image.
        path: Where to write; the suffix picks the format (``.png``, ``.jpg``, ``.webp``, ``.bmp``).

    Returns:
        The path written.

    Raises:
        NSTError: If the suffix is not a known image format, ``path`` is a folder, or the image
            holds NaN values.
        OSError: If the folder cannot be written (no permission, disk full); nothing is left
            behind and an existing file stays as it was.
    """
    path = check_output_path(path)
    fmt = _FORMATS[path.suffix.lower()]
    pil = image if isinstance(image, Image.Image) else to_pil(image)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _new_file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    try:
        os.chmod(tmp, mode)  # mkstemp makes it -rw-------; a plain open() respects the umask
        with os.fdopen(fd, "wb") as handle:
            pil.convert("RGB").save(
                handle, format=fmt, **({"quality": 95} if fmt == "JPEG" else {})
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _new_file_mode(path: Path) -> int:
    """The permission bits ``open(path, "w")`` would give: the old file's, else 0o666 & ~umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where Linux allows (``/proc/self/status``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (the only portable way to read it)
    os.umask(mask)
    return mask


# --- reading -------------------------------------------------------------------------------------


def _open_pil(source: ImageSource) -> tuple[Image.Image, str]:
    """Open any non-array source as a decoded PIL image; return it and a label for messages."""
    if isinstance(source, Image.Image):
        return source, "the PIL image"
    if isinstance(source, (bytes, bytearray)):
        return _decode(bytes(source), "the image bytes"), "the image bytes"
    if not isinstance(source, (str, os.PathLike)):
        raise NSTError(
            f"cannot load an image from a {type(source).__name__}; pass a path, a URL, a bundled "
            "name, bytes, a PIL image, a NumPy array or a tensor"
        )
    text = os.fspath(source)
    if isinstance(source, str) and "://" in text:
        data, cached = download(text)
        image = _decode(data, text)
        if not cached:
            store_in_cache(text, data)  # only what decoded as an image
        return image, text
    path = Path(text).expanduser()
    if not path.exists() and isinstance(source, str) and os.sep not in text and "." not in text:
        path = image_path(text)  # a bundled short name such as "tuebingen"
    if not path.exists():
        raise NSTError(f"image file not found: {path}; check the path or use a bundled name")
    if path.is_dir():
        raise NSTError(f"{path} is a folder, not an image file; pick a file inside it")
    data = path.read_bytes()
    return _decode(data, str(path)), str(path)


def _decode(data: bytes, label: str) -> Image.Image:
    """Decode image bytes fully (so truncation shows now) and apply the EXIF orientation."""
    if not data:
        raise NSTError(f"{label} is empty (0 bytes); pick an image file such as a JPEG or PNG")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.seek(0)  # first frame of an animated image
            image.load()
            image = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise NSTError(
            f"{label} has far more pixels than is safe to open (over "
            f"{2 * (Image.MAX_IMAGE_PIXELS or 0):,}); shrink it in an image editor first"
        ) from None
    except UnidentifiedImageError:
        raise NSTError(
            f"{label} is not an image Pillow can read; use a JPEG, PNG, GIF, WEBP or BMP file"
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise NSTError(
            f"{label} is damaged or truncated ({exc}); re-save or re-download the image"
        ) from None
    return image


def _pil_to_float(image: Image.Image, label: str) -> np.ndarray:
    """Convert any PIL mode to a float32 ``H×W×3`` array in ``[0, 1]``."""
    mode = image.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float32)
        if mode == "F" and values.max(initial=0) <= 1.0:
            scale = 1.0
        else:
            scale = 65535.0 if mode != "F" and values.max(initial=0) > 255 else 255.0
        gray = np.clip(values / scale, 0.0, 1.0)
        return np.repeat(gray[..., np.newaxis], 3, axis=-1)
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    try:
        rgb = image.convert("RGB")
    except (OSError, ValueError) as exc:
        raise NSTError(
            f"{label} uses colour mode {mode}, which cannot become RGB ({exc})"
        ) from None
    return np.asarray(rgb, dtype=np.float32) / 255.0


def _array_to_float(array: np.ndarray, label: str) -> np.ndarray:
    """Convert a NumPy array in one of the accepted layouts to float32 ``H×W×3`` in ``[0, 1]``."""
    if array.ndim == 4:
        if array.shape[0] != 1:
            raise NSTError(f"{label} holds a batch of {array.shape[0]} images; pass one at a time")
        array = array[0]
    if array.ndim == 2:
        array = array[..., np.newaxis]
    if array.ndim != 3 or array.shape[-1] not in (1, 3, 4):
        raise NSTError(
            f"{label} has shape {array.shape}; an image needs H×W, H×W×3 or H×W×4 (or 1×H×W×3)"
        )
    if array.dtype == np.uint8:
        values = array.astype(np.float32) / 255.0
    elif array.dtype == np.uint16:
        values = array.astype(np.float32) / 65535.0
    elif np.issubdtype(array.dtype, np.floating):
        values = array.astype(np.float32)
        if not np.isfinite(values).all():
            raise NSTError(f"{label} holds NaN or infinite values; pass finite pixel values")
        if values.min(initial=0) < 0 or values.max(initial=0) > 1:
            raise NSTError(
                f"{label} is float with values from {values.min():.3g} to {values.max():.3g}; "
                "float images must be in [0, 1] (divide uint8 values by 255)"
            )
    else:
        raise NSTError(f"{label} has dtype {array.dtype}; use uint8, uint16 or float in [0, 1]")
    if values.shape[-1] == 1:
        values = np.repeat(values, 3, axis=-1)
    elif values.shape[-1] == 4:
        alpha = values[..., 3:]
        values = values[..., :3] * alpha + (1.0 - alpha)  # composite on white
    return values


def _check_size(height: int, width: int, label: str) -> None:
    if min(height, width) < MIN_SIDE:
        raise NSTError(
            f"{label} is {width}×{height} px; both sides need at least {MIN_SIDE} px for the "
            "network, so use a larger image"
        )
