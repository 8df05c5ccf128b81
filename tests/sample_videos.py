"""Tiny clips the video tests make themselves, with ``scripts/make_clip.py``'s writer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from repo_scripts import load_script


def moving_frames(count: int = 10, width: int = 64, height: int = 48) -> list[Image.Image]:
    """``count`` frames of a bright square moving across a gradient."""
    y, x = np.mgrid[0:height, 0:width]
    frames = []
    for i in range(count):
        image = np.stack([x * 4, y * 5, np.full_like(x, 90)], axis=-1).clip(0, 255)
        left = 4 + 3 * i
        image[10:30, left : left + 16] = (250, 240, 60)
        frames.append(Image.fromarray(image.astype(np.uint8)))
    return frames


def make_clip(path: Path, frames: int = 10, fps: int = 10, audio: bool = True, **size) -> Path:
    """Write a tiny H.264 clip (with a quiet AAC tone if ``audio``) and return its path."""
    load_script("make_clip").write_clip(
        path, moving_frames(frames, **size), fps=fps, tone_hz=440.0 if audio else None, crf=18
    )
    return path
