"""Shared fixtures: images the tests make themselves, and offline model sources by default."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402
from sample_images import gradient_rgb  # noqa: E402


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
