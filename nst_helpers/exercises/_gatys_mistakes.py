"""The typical wrong answers of notebook 03's two loss exercises, and how to explain them.

:mod:`nst_helpers.exercises.gatys` checks ``total_variation`` and ``style_loss`` against the right
answer; when they differ, it asks this module what the usual slips give for the same inputs
(:func:`tv_mistakes`, :func:`style_mistakes`) or which slip an error message points to
(:func:`shape_mistake`, :func:`layer_mistake`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import tensorflow as tf


def tv_mistakes(image: tf.Tensor) -> list[tuple[str, float]]:
    """What typical wrong total variations give for ``image``, with their explanations."""
    down = image[:, 1:] - image[:, :-1]
    across = image[:, :, 1:] - image[:, :, :-1]

    def total(x: tf.Tensor) -> float:
        return float(tf.reduce_sum(x))

    return [
        (
            "it matches one direction only: add the vertical and the horizontal differences",
            total(tf.abs(down)),
        ),
        (
            "it matches one direction only: add the vertical and the horizontal differences",
            total(tf.abs(across)),
        ),
        (
            "it matches squared differences: total variation uses absolute values",
            total(tf.square(down)) + total(tf.square(across)),
        ),
        (
            "it matches the mean of the differences: sum them, do not average them",
            float(tf.reduce_mean(tf.abs(down)) + tf.reduce_mean(tf.abs(across))),
        ),
        (
            "it matches differences without abs: positive and negative ones cancel; take tf.abs",
            total(down) + total(across),
        ),
    ]


def gram_matrix(features: np.ndarray) -> np.ndarray:
    """Notebook 02's Gram matrix ``FᵀF / (H·W)`` of a map ``[1, H, W, C]``: ``[1, C, C]``."""
    _, height, width, _ = features.shape
    return np.einsum("bhwc,bhwd->bcd", features, features) / (height * width)


def style_mistakes(features: Mapping, targets: Mapping) -> list[tuple[str, float]]:
    """What typical wrong style losses give, with their explanations."""
    maps = [np.asarray(features[k], np.float64) for k in targets]
    wants = [np.asarray(targets[k], np.float64) for k in targets]
    diffs = [gram_matrix(f) - t for f, t in zip(maps, wants, strict=True)]
    mistakes = []
    if all(f.shape[2] in (1, f.shape[3]) for f in maps):  # the maps broadcast against the Grams
        mistakes.append(
            (
                _CONTENT_LOSS_MISTAKE,
                float(np.mean([np.mean((f - t) ** 2) for f, t in zip(maps, wants, strict=True)])),
            )
        )
    return mistakes + _scale_mistakes(maps, wants) + _averaging_mistakes(diffs)


def _scale_mistakes(maps: list[np.ndarray], wants: list[np.ndarray]) -> list[tuple[str, float]]:
    """Notebook 03's wrong style losses whose Grams are divided by something other than ``H·W``."""
    products = [np.einsum("bhwc,bhwd->bcd", f, f) for f in maps]
    positions = [f.shape[1] * f.shape[2] for f in maps]
    channels = [f.shape[3] for f in maps]

    def mse(grams: list[np.ndarray]) -> float:
        return float(np.mean([np.mean((g - t) ** 2) for g, t in zip(grams, wants, strict=True)]))

    return [
        (
            "the Grams are not divided by H·W: divide FᵀF by the number of positions H·W of each "
            "layer, as the targets were (notebook 02)",
            mse(products),
        ),
        (
            "the Grams are divided by C·H·W (PyTorch's convention); the targets follow notebook "
            "02's TensorFlow convention: divide FᵀF by H·W only",
            mse([p / (c * n) for p, c, n in zip(products, channels, positions, strict=True)]),
        ),
        (
            "the Grams are divided by the number of channels C: divide FᵀF by the number of "
            "positions H·W",
            mse([p / c for p, c in zip(products, channels, strict=True)]),
        ),
        (
            "the Grams are divided by H or W alone: divide by H·W, the number of positions",
            mse([p / f.shape[1] for p, f in zip(products, maps, strict=True)]),
        ),
        (
            "the Grams are divided by H or W alone: divide by H·W, the number of positions",
            mse([p / f.shape[2] for p, f in zip(products, maps, strict=True)]),
        ),
    ]


def _averaging_mistakes(diffs: list[np.ndarray]) -> list[tuple[str, float]]:
    """Notebook 03's wrong style losses from the right Grams: squares, means, layers mixed up."""
    layers = len(diffs)
    means = [np.mean(d**2) for d in diffs]
    sums = [np.sum(d**2) for d in diffs]
    pooled = np.concatenate([d.ravel() for d in diffs])
    return [
        (
            f"it is the sum over the {layers} layers: divide by the number of layers ({layers})",
            np.sum(means),
        ),
        (
            "it sums the squared errors in each layer: use tf.reduce_mean in each layer, not "
            "tf.reduce_sum",
            np.mean(sums),
        ),
        ("it sums everything: take each layer's mean, then average over the layers", np.sum(sums)),
        (
            "you averaged all entries of all layers together, so layers with bigger Grams count "
            "more; take each layer's mean first, then average those layer means",
            np.mean(pooled**2),
        ),
        (
            "you forgot the square: it matches the mean absolute difference",
            np.mean([np.mean(np.abs(d)) for d in diffs]),
        ),
        (
            "you forgot the square: differences of opposite signs cancel",
            np.mean([np.mean(d) for d in diffs]),
        ),
        (
            "square each difference before averaging, not the average difference",
            np.mean([np.mean(d) ** 2 for d in diffs]),
        ),
        ("you took a square root: the loss is the squared error itself", np.mean(np.sqrt(means))),
        ("only the last layer counts: add every layer's error inside the loop", means[-1]),
        (
            "only the last layer counts, divided by the layers: accumulate with +=",
            means[-1] / layers,
        ),
    ]


_CONTENT_LOSS_MISTAKE = (
    "it compares the feature maps [1, H, W, C] with the Gram matrices [1, C, C] directly, as "
    "content_loss does: first turn each feature map into its Gram matrix, FᵀF / (H·W) of the "
    "map flattened to [1, H·W, C] (notebook 02)"
)
_POSITIONS_GRAM_MISTAKE = (
    "the Gram matrix is F·Fᵀ, positions × positions [1, H·W, H·W]; the style Gram is FᵀF, "
    "channels × channels [1, C, C]: tf.matmul(flat, flat, transpose_a=True)"
)
_SHAPES = re.compile(r"[\[(]\s*(\d+(?:\s*,\s*\d+)+)\s*,?\s*[\])]")


def shape_mistake(message: str, features: Mapping) -> str | None:
    """Explain an error about shapes that do not match, from the shapes its message names."""
    if not re.search(r"ncompatible shapes|broadcast|Dimensions must be equal", message):
        return None
    named = {tuple(int(n) for n in s.split(",")) for s in _SHAPES.findall(message)}
    maps = [tuple(f.shape) for f in features.values()]
    if any((h * w, h * w) in {s[-2:] for s in named} for _, h, w, _ in maps):
        return _POSITIONS_GRAM_MISTAKE
    raw = {s for _, h, w, c in maps for s in ((1, h, w, c), (h, w, c), (1, h * w, c), (h * w, c))}
    return _CONTENT_LOSS_MISTAKE if named & raw else None


def short_error(got: str) -> str:
    """An error as :func:`.report.call` shows it, without TensorFlow's op and device decorations."""
    return re.sub(r"\{\{[^}]*\}\}\s*|\s*\[Op:.*$", "", got).strip()


def layer_mistake(message: str, targets: Mapping) -> str | None:
    """Explain a KeyError for a layer the targets do not hold (a loop over other layer names)."""
    match = re.match(r"the error KeyError: '(.*)'$", message)
    if not match or match[1] in targets:
        return None
    return (
        f"it asks for the layer {match[1]!r}, which is not among the targets it was given "
        f"({', '.join(targets)}): loop over the targets (for name, target in "
        "style_targets.items()), not over the notebook's STYLE_LAYERS or another fixed list"
    )


__all__ = [
    "gram_matrix",
    "layer_mistake",
    "shape_mistake",
    "short_error",
    "style_mistakes",
    "tv_mistakes",
]
