"""Shared fixtures: images the tests make themselves, and offline model sources by default."""

from __future__ import annotations

import io
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402


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


@pytest.fixture
def rgb_array() -> np.ndarray:
    return gradient_rgb()


@pytest.fixture
def png_file(tmp_path, rgb_array):
    path = tmp_path / "photo.png"
    Image.fromarray(rgb_array).save(path)
    return path


def pytest_runtest_setup(item):
    """Unit tests use the offline model sources unless a test asks otherwise.

    Set per test, not at import, so that the notebooks run after them (``notebooks/conftest.py``)
    see the environment the user gave.
    """
    os.environ.setdefault("NST_OFFLINE", "1")
