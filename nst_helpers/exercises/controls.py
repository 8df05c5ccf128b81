"""Checkers for the exercises of notebook 06, ``06_controlling_style.ipynb``.

* :func:`check_match_mean_std` — ``match_mean_std(content, style, epsilon)``, AdaIN: give each
  channel of one feature map the mean and standard deviation of the same channel in another,
  picture by picture in a batch;
* :func:`check_match_luminance` — ``match_luminance(painting, photo)``: the painting's YIQ
  luminance with the photo's luminance's mean and standard deviation.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import tensorflow as tf

from . import guard, report

#: The epsilon the checker passes first; the right answer adds it to the variance, inside the root.
EPSILON = 1e-5
#: The second, large epsilon: a function that ignores its ``epsilon`` argument fails on it.
LARGE_EPSILON = 0.5


def _match(content, style, epsilon, spread=None, axes=(1, 2), ddof=0, style_spread=None):
    """Notebook 06's AdaIN, or a mistake: ``spread(variance, epsilon)`` as each deviation."""
    # spread defaults to the right sqrt(variance + epsilon); style_spread (default: spread) is the
    # style's, for the one-sided mistakes.
    spread = spread or (lambda v, e: np.sqrt(v + e))
    stats = [
        (x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True, ddof=ddof))
        for x in (content, style)
    ]
    (mean_c, var_c), (mean_s, var_s) = stats
    deviation = (style_spread or spread)(var_s, epsilon) / spread(var_c, epsilon)
    return deviation * (content - mean_c) + mean_s


#: Typical wrong AdaINs of notebook 06, each an explanation and :func:`_match`'s arguments.
_ADAIN_MISTAKES = [
    (
        "that divides by the variance, not the standard deviation: take the square root",
        {"spread": lambda v, e: v + e},
    ),
    (
        "the statistics are over the whole map; take them per channel, over axes 1 and 2 only",
        {"axes": (1, 2, 3)},
    ),
    (
        "epsilon is missing: std = sqrt(variance + epsilon), so a flat channel does not divide by "
        "almost 0",
        {"spread": lambda v, e: np.sqrt(v)},
    ),
    (
        "epsilon is outside the square root: std = sqrt(variance + epsilon)",
        {"spread": lambda v, e: np.sqrt(v) + e},
    ),
    (
        "epsilon is added to the content's variance only: the style's std is "
        "sqrt(variance + epsilon) too",
        {"style_spread": lambda v, e: np.sqrt(v)},
    ),
    (
        "epsilon is added to the style's variance only: the content's std is "
        "sqrt(variance + epsilon) too",
        {"spread": lambda v, e: np.sqrt(v), "style_spread": lambda v, e: np.sqrt(v + e)},
    ),
    (
        "that is the sample standard deviation (÷ H·W − 1); use the population one (÷ H·W), "
        "as instance normalisation does (tf.nn.moments, np.var)",
        {"ddof": 1},
    ),
]


def _adain_mistakes(content: np.ndarray, style: np.ndarray, epsilon: float) -> list:
    """What the typical wrong AdaINs of notebook 06 return, each with its explanation."""
    mistakes = [
        (
            "content and style are swapped: the result keeps content's layout and takes style's "
            "statistics, AdaIN(content, style) = σ(style)·(content − μ(content))/σ(content) + "
            "μ(style)",
            _match(style, content, epsilon),
        ),
        (
            "only the means are matched: also scale by σ(style) / σ(content)",
            content
            - content.mean(axis=(1, 2), keepdims=True)
            + style.mean(axis=(1, 2), keepdims=True),
        ),
    ]
    if content.shape == style.shape:  # otherwise the maps' statistics do not broadcast
        mistakes.append(
            (
                "the statistics are over the channels (the last axis); take each channel's mean "
                "and std over height and width (axes 1 and 2)",
                _match(content, style, epsilon, axes=(3,)),
            )
        )
    if len(content) > 1:
        mistakes.append(
            (
                "the statistics are over the batch axis too, so both pictures get one mixed "
                "style; take them over height and width only (axes 1 and 2), picture by picture",
                _match(content, style, epsilon, axes=(0, 1, 2)),
            )
        )
    if epsilon != EPSILON:  # a function that ignores its argument still passes the first cases
        mistakes.append(
            (
                f"the epsilon passed in is ignored: this call passes epsilon={epsilon:g}; use the "
                "argument, not a fixed number",
                _match(content, style, EPSILON),
            )
        )
    return mistakes + [
        (why, _match(content, style, epsilon, **how)) for why, how in _ADAIN_MISTAKES
    ]


def _adain_cases(seed: int | None) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """The ``(content, style, epsilon)`` cases of notebook 06's AdaIN checker."""
    # A single map; a large epsilon with a nearly flat style channel (telling the epsilon
    # mistakes apart); maps of different sizes with a nearly flat content channel; a batch of two.
    generator = report.rng(seed)

    def maps(shape, flat=None):
        """Maps with a spread and offset per picture and channel, channel 0 nearly ``flat``."""
        spread = generator.uniform(0.2, 4, (shape[0], 1, 1, shape[-1]))
        values = generator.normal(0.0, 1.0, shape) * spread + generator.uniform(-2, 2, spread.shape)
        if flat is not None:
            values[..., 0] = flat + 1e-3 * generator.standard_normal(shape[:3])
        return values.astype(np.float32)

    cases = [  # (content shape, style shape, epsilon, flat content channel, flat style channel)
        ((1, 3, 4, 5), (1, 3, 4, 5), EPSILON, None, None),
        ((1, 4, 5, 3), (1, 5, 3, 3), LARGE_EPSILON, None, 0.2),
        ((1, 6, 5, 3), (1, 2, 7, 3), EPSILON, 0.5, None),
        ((2, 5, 4, 3), (2, 3, 6, 3), EPSILON, None, None),  # two pictures, two styles
    ]
    return [
        (maps(content_shape, flat_content), maps(style_shape, flat_style), epsilon)
        for content_shape, style_shape, epsilon, flat_content, flat_style in cases
    ]


#: Notebook 06's AdaIN by hand: its built-ins, tolerances and explanations.
_ADAIN = guard.Exercise(
    otherwise="compare each channel's mean and std over axes 1 and 2 with the formula",
    rtol=1e-3,
    atol=1e-3,
    shape="return the content's shape",
    rebuilds="the package's adain (and its mean_std)",
    hint="write it by hand: each channel's mean and variance over axes 1 and 2 (tf.nn.moments), "
    "then σ_s · (content − μ_c) / σ_c + μ_s",
    functions=("nst_helpers.adain.adain", "nst_helpers.adain.mean_std"),
)


def check_match_mean_std(
    match_mean_std: Callable[[tf.Tensor, tf.Tensor, float], tf.Tensor], *, seed: int | None = None
) -> bool:
    """Check AdaIN: each channel of ``content`` gets that channel's mean and std in ``style``.

    ``match_mean_std(content, style, epsilon)`` takes two feature maps ``[B, H, W, C]`` (float32
    tensors; their heights and widths may differ; picture ``b`` of ``content`` takes the style of
    picture ``b`` of ``style``) and returns ``σ_s · (content − μ_c) / σ_c + μ_s``, with the means
    and standard deviations per picture and channel over height and width, and
    ``σ = sqrt(variance + epsilon)`` with the population variance. The cases: two single maps, a
    batch of two pictures with different styles, and a large epsilon with a nearly flat style
    channel. Rejected, each with its explanation: the package's ``adain`` or ``mean_std``
    (however reached), content and style swapped, the variance instead of the standard deviation,
    statistics over the channels, the whole map or the batch axis, the epsilon argument ignored,
    epsilon missing, outside the root or on one side only, the sample standard deviation, only
    the means matched.

    Args:
        match_mean_std: The student's function.
        seed: Seed of the random feature maps (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    cases = _adain_cases(seed)

    def checks() -> str:
        for content, style, epsilon in cases:
            given = (
                f"match_mean_std(content {list(content.shape)}, style {list(style.shape)}, "
                f"epsilon={epsilon:g})"
            )
            content64, style64 = content.astype(np.float64), style.astype(np.float64)
            expected = f"an array of shape {list(content.shape)} (the content's shape)"
            args = (tf.constant(content), tf.constant(style), epsilon)
            want = _match(content64, style64, epsilon)
            mistakes = partial(_adain_mistakes, content64, style64, epsilon)
            _ADAIN.expect(match_mean_std, args, want, given, expected, mistakes)
        return (
            f"match_mean_std gives each channel the style's mean and std on {len(cases)} pairs "
            "of feature maps, a batch of two styles and a large epsilon among them."
        )

    return report.run_checks(checks)


# --- the colour exercise: luminance with the photo's statistics ----------------------------------

#: YIQ's luminance weights, as notebook 06 teaches them, and BT.709's (HDTV's), a typical slip.
_YIQ, _BT709 = np.array([0.299, 0.587, 0.114]), np.array([0.2126, 0.7152, 0.0722])
_Y = "Y = 0.299 R + 0.587 G + 0.114 B"


def _grey(image: np.ndarray, weights: np.ndarray = _YIQ) -> np.ndarray:
    """An RGB image's luminance ``[1, H, W, 1]`` in float64, by ``weights`` (notebook 06)."""
    return (np.asarray(image, np.float64) @ weights)[..., None]


def _rescale(values: np.ndarray, to: np.ndarray, mean: bool = True, spread=np.std) -> np.ndarray:
    """``values`` given the mean (if ``mean``) and the ``spread`` of ``to`` (notebook 06)."""
    scaled = (values - values.mean()) * spread(to) / spread(values)
    return scaled + (to.mean() if mean else values.mean())


def _luminance_mistakes(painting: np.ndarray, photo: np.ndarray) -> list:
    """What the typical wrong luminance matchings of notebook 06 return, each explained."""
    y_painting, y_photo = _grey(painting), _grey(photo)
    right, ratio = _rescale(y_painting, y_photo), np.std(y_photo) / np.std(y_painting)
    channels = [_rescale(painting[..., k : k + 1], photo[..., k : k + 1]) for k in range(3)]
    return [
        (
            f"each RGB channel was matched on its own: match the luminance {_Y}, one channel",
            np.concatenate(channels, axis=-1),
        ),
        (
            "return the luminance alone, [1, h, w, 1], not copied to three channels",
            np.tile(right, 3),
        ),
        (
            f"(R + G + B) / 3 is not the luminance: weigh the channels as YIQ does, {_Y}",
            _rescale(_grey(painting, np.full(3, 1 / 3)), _grey(photo, np.full(3, 1 / 3))),
        ),
        (
            f"those are BT.709's weights (0.2126, 0.7152, 0.0722); YIQ's luminance is {_Y}",
            _rescale(_grey(painting, _BT709), _grey(photo, _BT709)),
        ),
        (
            "the roles are swapped: the painting's luminance takes the photo's mean and standard "
            "deviation, match_luminance(painting, photo)",
            _rescale(y_photo, y_painting),
        ),
        (
            "that scales by the ratio of the variances; scale by the ratio of the standard "
            "deviations, σ(photo) / σ(painting)",
            _rescale(y_painting, y_photo, spread=np.var),
        ),
        (
            "only the mean is matched: also scale by σ(photo) / σ(painting)",
            y_painting - y_painting.mean() + y_photo.mean(),
        ),
        (
            "only the spread is matched: the mean must become the photo's too",
            _rescale(y_painting, y_photo, mean=False),
        ),
        (
            "the ratio is upside down: multiply by σ(photo) / σ(painting)",
            (y_painting - y_painting.mean()) / ratio + y_photo.mean(),
        ),
        (
            "subtract the painting's mean before scaling: (Y − μ(painting)) · σ(photo) / "
            "σ(painting) + μ(photo)",
            y_painting * ratio + y_photo.mean(),
        ),
        (
            "no clipping: return the matched values as they are, below 0 and above 1 included",
            np.clip(right, 0.0, 1.0),
        ),
    ]


def _colour_pictures(seed: int | None) -> list[tuple[object, object]]:
    """``(painting, photo)`` pairs for notebook 06's colour exercise, tensors and arrays."""
    # Saturated colours, so that the channels' weights matter; a few white pixels in each
    # painting, so that the matched luminance leaves [0, 1]; sizes differ except in one pair.
    generator = report.rng(seed)

    def picture(height: int, width: int, mean: float, spread: float) -> np.ndarray:
        """A random colourful picture ``[1, H, W, 3]`` in ``[0, 1]``."""
        tint = generator.uniform(0.0, 1.0, (1, 1, 1, 3))
        values = mean + spread * generator.standard_normal((1, height, width, 3)) * tint
        return np.clip(values, 0.0, 1.0).astype(np.float32)

    pairs = []
    for index, (size_painting, size_photo) in enumerate(
        (((24, 30), (20, 16)), ((18, 26), (28, 22)), ((21, 21), (21, 21)), ((16, 28), (30, 20)))
    ):
        painting = picture(*size_painting, 0.4, 0.12)
        painting[0, :2, :3] = 1.0
        photo = picture(*size_photo, 0.55, 0.4)
        as_tensor = [index in (0, 2), index in (1, 2)]
        pairs.append(
            tuple(tf.constant(x) if t else x for x, t in zip((painting, photo), as_tensor))
        )
    return pairs


#: Notebook 06's luminance matching by hand: its built-ins, tolerance and explanations.
_MATCH_LUMINANCE = guard.Exercise(
    otherwise="compare the result's mean and standard deviation with the photo's luminance's, "
    "and its pixels with (Y − μ) · σ(photo) / σ(painting) + μ(photo)",
    rtol=0.0,
    atol=2e-3,
    shape="return one channel at the painting's size, [1, h, w, 1] (keepdims=True, or [..., None])",
    rebuilds="the package's controls.match_luminance",
    hint=f"write it by hand: {_Y} of each picture, then "
    "(Y_painting − its mean) · σ(Y_photo) / σ(Y_painting) + the mean of Y_photo",
    functions=("nst_helpers.controls.match_luminance",),
)


def check_match_luminance(
    match_luminance: Callable[[tf.Tensor, tf.Tensor], tf.Tensor], *, seed: int | None = None
) -> bool:
    """Check the painting's YIQ luminance given the mean and standard deviation of the photo's.

    ``match_luminance(painting, photo)`` takes two RGB pictures ``[1, H, W, 3]`` in ``[0, 1]``
    (float32 tensors or NumPy arrays; their sizes may differ) and returns ``[1, h, w, 1]``, the
    painting's size: its luminance ``Y = 0.299 R + 0.587 G + 0.114 B``, shifted and scaled so that
    its mean and standard deviation over all pixels are those of the photo's luminance, not
    clipped. Either standard deviation (÷ N or ÷ N − 1) passes. Rejected, each with its
    explanation: the package's ``controls.match_luminance`` (however reached), each RGB channel
    matched, ``(R + G + B) / 3`` or BT.709's weights as luminance, the roles swapped, the variance
    instead of the standard deviation, the mean only, the spread only, the ratio inverted, no
    centring, three channels returned, clipping, a lost axis.

    Args:
        match_luminance: The student's function.
        seed: Seed of the random pictures (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    pairs = _colour_pictures(seed)

    def checks() -> str:
        for painting, photo in pairs:
            images = [np.asarray(x) for x in (painting, photo)]
            kinds = [
                ("a tensor" if isinstance(x, tf.Tensor) else "an array") for x in (painting, photo)
            ]
            given = (
                f"match_luminance(painting: {kinds[0]} {list(images[0].shape)}, photo: {kinds[1]} "
                f"{list(images[1].shape)})"
            )
            size = [1, *images[0].shape[1:3], 1]
            expected = f"the matched luminance, shape {size} (the painting's size)"
            want = _rescale(_grey(images[0]), _grey(images[1]))
            mistakes = partial(_luminance_mistakes, *images)
            _MATCH_LUMINANCE.expect(
                match_luminance, (painting, photo), want, given, expected, mistakes
            )
        return (
            "match_luminance gives the painting's luminance the photo's mean and standard "
            f"deviation, unclipped, on {len(pairs)} pairs of pictures (tensors and arrays, most of "
            "different sizes)."
        )

    return report.run_checks(checks)


__all__ = ["EPSILON", "LARGE_EPSILON", "check_match_luminance", "check_match_mean_std"]
