"""Checkers for the exercises of notebook 03, ``03_gatys_style_transfer.ipynb``.

* :func:`check_total_variation` — ``total_variation(image)`` written by hand;
* :func:`check_style_loss` — ``style_loss(style_features, style_targets)`` from feature maps:
  each layer's Gram matrix ``FᵀF / (H·W)``, its mean squared error against the target Gram,
  averaged over the layers;
* :func:`check_deprocess` — ``deprocess(inputs, mean_bgr)``, the inverse of VGG preprocessing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

import numpy as np
import tensorflow as tf

from . import guard, report
from ._gatys_mistakes import (
    gram_matrix,
    layer_mistake,
    shape_mistake,
    short_error,
    style_mistakes,
    tv_mistakes,
)
from .guard import Mistakes

#: Caffe-style channel means (BGR) of Keras' VGG19; the checkers also try other means.
VGG_MEAN_BGR = (103.939, 116.779, 123.68)

# --- Exercise 1: total variation -----------------------------------------------------------------


def _random_images(rng: np.random.Generator) -> list[tf.Tensor]:
    """Random images ``[1, H, W, 3]`` in ``[0, 1]`` for notebook 03, two tall and one wide."""
    images = []
    for tall in (True, False, True):
        short, long = sorted(rng.integers(5, 24, size=2))
        long = long + 3  # never square, so swapped axes show
        height, width = (long, short) if tall else (short, long)
        images.append(tf.constant(rng.uniform(0, 1, (1, height, width, 3)), tf.float32))
    return images


#: Notebook 03's total variation by hand: its built-ins, tolerance and explanations.
_TOTAL_VARIATION = guard.Exercise(
    otherwise="not one of the usual slips; sum |below − pixel| and |right − pixel| over every "
    "pixel and channel",
    atol=1e-3,
    rebuilds="tf.image.total_variation",
    hint="write it by hand: sum tf.abs of the differences between neighbours (image[:, 1:] - "
    "image[:, :-1], and the same along the width)",
    functions=("nst_helpers.losses.total_variation_loss", "tf.image.total_variation"),
)


def check_total_variation(
    total_variation: Callable[[tf.Tensor], tf.Tensor], *, seed: int | None = None
) -> bool:
    """Check a hand-written total variation against ``tf.image.total_variation``.

    The function should return the sum of absolute differences between vertical and horizontal
    neighbours, over all pixels and channels, as one number. Rejected, each with its explanation:
    calling ``tf.image.total_variation`` (however reached: an alias, ``tf.compat``, TensorFlow's
    internal module, ``__wrapped__``, a ``tf.function``, the package's ``total_variation_loss``),
    one direction only, squared differences, means instead of sums, no ``abs``, adding the
    brightness, a result per pixel instead of one number.

    Args:
        total_variation: The student's function, ``total_variation(image) -> scalar`` for an
            image ``[1, H, W, 3]``.
        seed: Seed of the random images (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    generator = report.rng(seed)
    images = _random_images(generator)
    flat = tf.fill([1, 9, 13, 3], float(generator.uniform(0.1, 0.9)))

    def checks() -> str:
        given = "total_variation(an image of one colour)"
        got = report.scalar(_TOTAL_VARIATION.call(total_variation, (flat,), given, "0"), given, "0")
        if abs(got) > 1e-4:
            raise report.CheckFailed(
                given,
                "0 (no neighbour differs)",
                f"{got:.6g}",
                "only differences between neighbours count, not the pixel values (the brightness)",
            )
        for image in images:
            given = f"total_variation(a random {image.shape[2]}×{image.shape[1]} image, W×H)"
            want = _reference_total_variation(image)
            expected = f"{want:.6g} (as tf.image.total_variation gives)"
            mistakes = partial(tv_mistakes, image)
            _TOTAL_VARIATION.expect(total_variation, (image,), want, given, expected, mistakes)
        return (
            f"total_variation matches tf.image.total_variation on {len(images)} random images "
            "and is 0 for a flat one."
        )

    return report.run_checks(checks)


def _reference_total_variation(image: tf.Tensor) -> float:
    """Notebook 03's total variation in float64, what ``tf.image.total_variation`` sums to."""
    pixels = np.asarray(image, np.float64)
    down = np.abs(pixels[:, 1:] - pixels[:, :-1]).sum()
    across = np.abs(pixels[:, :, 1:] - pixels[:, :, :-1]).sum()
    return float(down + across)


# --- Exercise 2: the style loss from feature maps ------------------------------------------------


def _layer_shapes(rng: np.random.Generator, broadcast: bool) -> list[tuple[int, int, int]]:
    """``(H, W, C)`` of notebook 03's four layers: every ``C`` and every ``H·W`` different."""
    # Every H·W above every C, so a shape in an error message tells a Gram [1, C, C] from
    # positions × positions [1, H·W, H·W]. With `broadcast` W == C, so a map [1, H, W, C] minus a
    # Gram [1, C, C] broadcasts instead of raising; otherwise W is never 1 or C and it raises.
    while True:
        channels = [int(c) for c in rng.choice([3, 4, 5, 6, 8, 12], size=4, replace=False)]
        shapes = []
        for c in channels:
            height = int(rng.integers(2, 8))
            width = c if broadcast else int(rng.choice([w for w in range(2, 10) if w != c]))
            shapes.append((height, width, c))
        positions = [h * w for h, w, _ in shapes]
        if len(set(positions)) == 4 and all(n > max(channels) for n in positions):
            return shapes


def _layer_pairs(
    rng: np.random.Generator, broadcast: bool = False
) -> tuple[dict[str, tf.Tensor], dict[str, tf.Tensor]]:
    """Feature maps ``[1, H, W, C]`` of notebook 03's four layers, and target Grams for them."""
    # Each layer's own C and H·W put a Gram divided by C, C·H·W or nothing off by another factor
    # in each layer. The targets, Grams of maps of other sizes scaled differently per layer, make
    # the layers' errors differ a lot, so a mean over all layers' entries at once is clearly off.
    features, targets = {}, {}
    scales = rng.permutation([0.5, 1.0, 2.0, 3.0])
    for index, ((height, width, channels), scale) in enumerate(
        zip(_layer_shapes(rng, broadcast), scales, strict=True)
    ):
        name = f"block{index + 1}_conv1"
        picture = np.maximum(rng.normal(0.3, 1.0, (1, height, width, channels)), 0.0)
        size = tuple(int(n) for n in rng.integers(3, 9, size=2))
        painting = np.maximum(rng.normal(0.3, 1.0, (1, *size, channels)), 0.0) * scale
        features[name] = tf.constant(picture, tf.float32)
        targets[name] = tf.constant(gram_matrix(painting.astype(np.float32)), tf.float32)
    return features, targets


def _reference_style_loss(features: Mapping, targets: Mapping) -> float:
    """Notebook 03's style loss in float64: each layer's Gram's mean squared error, averaged."""
    grams = {k: gram_matrix(np.asarray(features[k], np.float64)) for k in targets}
    return float(np.mean([np.mean((grams[k] - np.asarray(targets[k])) ** 2) for k in targets]))


def check_style_loss(
    style_loss: Callable[[Mapping[str, tf.Tensor], Mapping[str, tf.Tensor]], tf.Tensor],
    *,
    seed: int | None = None,
) -> bool:
    """Check a hand-written style loss that starts from feature maps.

    ``style_loss(style_features, style_targets)`` gets each style layer's feature map
    ``[1, H, W, C]`` and the painting's Gram matrices ``[1, C, C]`` (÷ ``H·W``, notebook 02's
    convention), by layer name. It must turn each map into its Gram matrix ``FᵀF / (H·W)``, take
    the mean squared error against the target and average over the layers.

    What distinguishes it: each of the checker's four layers has its own number of channels
    (3 to 12) and of positions ``H·W``, and errors of very different sizes, so every slip gives
    a clearly different number. Rejected, each with its explanation: feature maps compared with
    Grams directly (notebook 03's ``content_loss``, which raises a shape error or, where the
    shapes broadcast, gives a wrong number), no division by ``H·W``, division by ``C·H·W``
    (PyTorch's convention), by ``C``, by ``H`` or ``W`` alone, the Gram ``F·Fᵀ`` (positions ×
    positions), a sum over layers, sums instead of means in a layer, sums throughout, the pooled
    mean over all layers' entries, no square (absolute or signed differences), the square of the
    mean difference, a square root, only the last layer, pairing layers by position (``zip``)
    instead of by name.

    Args:
        style_loss: The student's function, ``style_loss(style_features, style_targets) ->
            scalar`` where ``style_features`` maps layer names to feature maps ``[1, H, W, C]``
            and ``style_targets`` maps the same names to Gram matrices ``[1, C, C]``.
        seed: Seed of the random layers (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    generator = report.rng(seed)
    trials = [_layer_pairs(generator, broadcast=index == 2) for index in range(3)]

    def loss(features: Mapping, targets: Mapping, given: str, mistakes: Mistakes = ()) -> None:
        """The student's loss must be the reference's; an error's message names the mistake."""
        want = _reference_style_loss(features, targets)
        expected = f"{want:.6g} (each layer's Gram ÷ H·W, its mean squared error, averaged)"
        try:
            _STYLE_LOSS.expect(style_loss, (features, targets), want, given, expected, mistakes)
        except report.CheckFailed as failure:
            mistake = layer_mistake(failure.got, targets) or shape_mistake(failure.got, features)
            got = short_error(failure.got)
            raise report.CheckFailed(given, expected, got, mistake or failure.mistake) from None

    def checks() -> str:
        for features, targets in trials:
            sizes = ", ".join("×".join(str(n) for n in f.shape[1:]) for f in features.values())
            given = f"style_loss(style_features, style_targets) for feature maps H×W×C = {sizes}"
            loss(features, targets, given, partial(style_mistakes, features, targets))
            _check_other_orders(loss, features, targets)
        return (
            "style_loss turns each layer's feature map into its Gram matrix ÷ H·W and averages "
            f"the layers' mean squared errors, on {len(trials)} sets of layers of different sizes."
        )

    return report.run_checks(checks)


def _check_other_orders(loss: Callable, features: Mapping, targets: Mapping) -> None:
    """Notebook 03's style loss pairs layers by name, whatever order each dict lists them in."""
    for given, maps, goals in (
        ("style_features, the same style_targets in reverse order", features, _reversed(targets)),
        ("the same style_features in reverse order, style_targets", _reversed(features), targets),
    ):
        try:
            loss(maps, goals, f"style_loss({given})")
        except report.CheckFailed as failure:
            mistake = (
                "pair each layer's feature map and target by its name (for name in "
                "style_targets: style_features[name] with style_targets[name]), not by position "
                "with zip"
            )
            raise report.CheckFailed(
                failure.given, failure.expected, failure.got, mistake
            ) from None


def _reversed(layers: Mapping) -> dict:
    """The same layers of notebook 03 in reverse order."""
    return {name: layers[name] for name in reversed(list(layers))}


#: Notebook 03's style loss from feature maps: its built-ins and explanations.
_STYLE_LOSS = guard.Exercise(
    otherwise="not one of the usual slips; for each layer flatten the map to [1, H·W, C], take "
    "FᵀF / (H·W), then tf.reduce_mean(tf.square(gram − target)), and average those numbers over "
    "the layers",
    rebuilds="the package's style_loss",
    hint="write the loop over the layers yourself: each feature map's Gram matrix, its mean "
    "squared error against the target, the mean over the layers",
    functions=("nst_helpers.losses.style_loss",),
)


# --- Exercise 3: deprocessing --------------------------------------------------------------------


def _preprocess(image: tf.Tensor, mean_bgr: tuple[float, float, float]) -> tf.Tensor:
    """VGG preprocessing as the notebook writes it: RGB [0, 1] → BGR [0, 255] minus the means."""
    return tf.reverse(image * 255.0, axis=[-1]) - tf.constant(mean_bgr, tf.float32)


def _deprocess_mistakes(inputs: tf.Tensor, mean: tuple[float, ...]) -> list[tuple[str, tf.Tensor]]:
    """What typical wrong inverses of notebook 03's preprocessing give, with their explanations."""
    means = tf.constant(mean, tf.float32)

    def clip(x: tf.Tensor) -> tf.Tensor:
        return tf.clip_by_value(x, 0.0, 1.0)

    def rgb(x: tf.Tensor) -> tf.Tensor:
        return tf.reverse(x, axis=[-1])

    return [
        (
            "the colours come back in BGR order: reverse the channel axis too",
            clip((inputs + means) / 255),
        ),
        (
            "use the mean_bgr argument, not fixed numbers",
            clip(rgb(inputs + tf.constant(VGG_MEAN_BGR)) / 255),
        ),
        (
            "mean_bgr is in BGR order: add it before turning BGR into RGB, not after",
            clip((rgb(inputs) + means) / 255),
        ),
        ("add the means back (preprocessing subtracted them)", clip(rgb(inputs - means) / 255)),
        ("divide by 255 to get back to [0, 1]", clip(rgb(inputs + means))),
        ("clip to [0, 1] (tf.clip_by_value) so it is a valid picture", rgb(inputs + means) / 255),
    ]


def check_deprocess(
    deprocess: Callable[[tf.Tensor, tuple[float, float, float]], tf.Tensor],
    *,
    seed: int | None = None,
) -> bool:
    """Check a hand-written inverse of VGG preprocessing.

    ``deprocess(preprocess(image, mean_bgr), mean_bgr)`` must give ``image`` back, in RGB order,
    clipped to ``[0, 1]``, for any channel means; inputs far out of range must come back clipped.
    Rejected, each with its explanation: BGR order kept, fixed means instead of ``mean_bgr``,
    means added after the channel flip, means subtracted, no division by 255, no clipping.

    Args:
        deprocess: The student's function, ``deprocess(inputs, mean_bgr) -> image`` where
            ``inputs`` is ``[1, H, W, 3]`` BGR minus ``mean_bgr`` and the result is RGB in
            ``[0, 1]``.
        seed: Seed of the random images and means (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    generator = report.rng(seed)
    cases = []
    for mean in (VGG_MEAN_BGR, tuple(float(m) for m in generator.uniform(60, 160, size=3))):
        height, width = (int(n) for n in generator.integers(4, 17, size=2))
        image = tf.constant(generator.uniform(0, 1, (1, height, width, 3)), tf.float32)
        cases.append(
            (f"preprocess(a random {width}×{height} image)", _preprocess(image, mean), mean, image)
        )
    wild = tf.constant(generator.uniform(-400, 400, (1, 6, 6, 3)), tf.float32)
    expected_wild = tf.clip_by_value(tf.reverse(wild + VGG_MEAN_BGR, axis=[-1]) / 255, 0.0, 1.0)
    cases.append(("inputs far outside the valid range", wild, VGG_MEAN_BGR, expected_wild))

    def checks() -> str:
        for label, inputs, mean, want in cases:
            given = f"deprocess({label}, mean_bgr={tuple(round(m, 2) for m in mean)})"
            expected = f"the RGB image in [0, 1], shape {tuple(want.shape)}"
            mistakes = partial(_deprocess_mistakes, inputs, mean)
            _DEPROCESS.expect(deprocess, (inputs, mean), want, given, expected, mistakes)
        return "deprocess undoes preprocess for two sets of means and clips to [0, 1]."

    return report.run_checks(checks)


#: Notebook 03's inverse of VGG preprocessing: its built-ins, tolerance and explanations.
_DEPROCESS = guard.Exercise(
    otherwise="not one of the usual slips; add mean_bgr, reverse the channels, ÷ 255, clip",
    rtol=0.0,
    atol=1e-4,
    shape="keep the input's shape [1, H, W, 3]",
    rebuilds="the backbone's deprocess",
    hint="write it by hand: add mean_bgr, reverse the channels, divide by 255, clip to [0, 1]",
    functions=("nst_helpers.models.Backbone.deprocess",),
)


__all__ = ["VGG_MEAN_BGR", "check_deprocess", "check_style_loss", "check_total_variation"]
