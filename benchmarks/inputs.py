"""The benchmark's inputs: the same pixels for the reference and for the package.

The style loss on VGG features is very sensitive to how a painting was resized (the Grams of the
first blocks respond to the finest texture): the same result can score ten times more style loss
against one resize of the painting than against another. So a comparison is fair only when both
programs get the very same pixels. :func:`prepare_pair` resizes each bundled picture once, with
the package's :func:`~nst_helpers.images.load_image`, and writes it as a PNG of exactly that size
(8 bits a value); both sides then load those files with :func:`load_pair`, which is what the
package's command line does with a file, and no second resampling takes place.
"""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf

from nst_helpers.images import load_image, save_image

#: Content × style pairs of bundled pictures; the astronaut is square.
PAIRS = [("tuebingen", "starry_night"), ("cat", "great_wave"), ("astronaut", "the_scream")]


def pair_key(content: str, style: str) -> str:
    """The pair's name in ``results.json``, e.g. ``"tuebingen+starry_night"``."""
    return f"{content}+{style}"


def prepare_pair(content: str, style: str, max_dim: int, folder: Path) -> tuple[Path, Path]:
    """Resize a bundled pair to ``max_dim`` once and write both as PNGs into ``folder``.

    Args:
        content: A bundled content picture's short name.
        style: A bundled style picture's short name.
        max_dim: The longest side of both, in pixels.
        folder: Where the PNGs go.

    Returns:
        The content and style PNGs' paths.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in (content, style):
        path = folder / f"{name}_{max_dim}.png"
        save_image(load_image(name, max_dim=max_dim), path)
        paths.append(path)
    return paths[0], paths[1]


def load_pair(content: Path | str, style: Path | str, max_dim: int) -> tuple[tf.Tensor, tf.Tensor]:
    """The content and style tensors both sides of the benchmark optimise with.

    ``load_image(path, max_dim=max_dim)``, as the package's ``stylize`` and command line load a
    file: for files from :func:`prepare_pair` the pixels come through unchanged.
    """
    return load_image(content, max_dim=max_dim), load_image(style, max_dim=max_dim)
