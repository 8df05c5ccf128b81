"""Images the tests make themselves (imported by conftest.py and by tests that need the bytes).

A module of its own, not ``conftest``: ``notebooks/conftest.py`` shares that module name, so
``from conftest import …`` could pick up the wrong file when pytest collects both folders.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def gradient_rgb(width: int = 64, height: int = 48) -> np.ndarray:
    """A uint8 H×W×3 image with a distinct colour in every corner."""
    x = np.linspace(0, 255, width, dtype=np.float32)[np.newaxis, :]
    y = np.linspace(0, 255, height, dtype=np.float32)[:, np.newaxis]
    red = np.broadcast_to(x, (height, width))
    green = np.broadcast_to(y, (height, width))
    blue = np.full((height, width), 90.0)
    return np.stack([red, green, blue], axis=-1).astype(np.uint8)


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    """The bytes of ``image`` saved in ``fmt``."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()
