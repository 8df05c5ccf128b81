"""Checkers for the exercises of notebook 06, ``06_controlling_style.ipynb``.

Each checker calls the student's function on seeded random inputs it makes itself, compares with
the right answer within a tolerance and reports in the style of :mod:`nst_helpers.exercises.report`:
``✓ …`` when everything passes, else ``✗`` with the first failure explained (the input, what was
expected, what came back, the likely mistake). It returns ``True`` or ``False``.

* :func:`check_match_mean_std` — ``match_mean_std(content, style, epsilon)``, AdaIN: give each
  channel of one feature map the mean and standard deviation of the same channel in another,
  picture by picture in a batch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf

from . import report

#: The epsilon the checker passes first; the right answer adds it to the variance, inside the root.
EPSILON = 1e-5
#: The second, large epsilon: a function that ignores its ``epsilon`` argument fails on it.
LARGE_EPSILON = 0.5


def _statistics(x: np.ndarray, axes: tuple[int, ...], ddof: int = 0) -> tuple:
    mean = x.mean(axis=axes, keepdims=True)
    return mean, x.var(axis=axes, keepdims=True, ddof=ddof)


def _match(
    content: np.ndarray,
    style: np.ndarray,
    spread: Callable,
    axes=(1, 2),
    ddof=0,
    style_spread: Callable | None = None,
):
    """``content`` given ``style``'s statistics, with ``spread(variance)`` as the deviation.

    ``style_spread`` (default ``spread``) is the style's deviation, for the one-sided mistakes.
    """
    mean_c, var_c = _statistics(content, axes, ddof)
    mean_s, var_s = _statistics(style, axes, ddof)
    return (style_spread or spread)(var_s) * (content - mean_c) / spread(var_c) + mean_s


def _right(content: np.ndarray, style: np.ndarray, epsilon: float) -> np.ndarray:
    return _match(content, style, lambda v: np.sqrt(v + epsilon))


def _mistakes(
    content: np.ndarray, style: np.ndarray, epsilon: float
) -> list[tuple[str, np.ndarray]]:
    """What the typical wrong answers return, each with its explanation."""
    with_eps = lambda v: np.sqrt(v + epsilon)  # noqa: E731 - the right spread, reused below
    over_channels = None
    if content.shape == style.shape:  # otherwise the maps' statistics do not broadcast
        over_channels = _match(content, style, with_eps, axes=(3,))
    fixed_epsilon = None
    if epsilon != EPSILON:  # a function that ignores its argument still passes the first cases
        fixed_epsilon = _match(content, style, lambda v: np.sqrt(v + EPSILON))
    mistakes = [
        (
            "content and style are swapped: the result keeps content's layout and takes style's "
            "statistics, AdaIN(content, style) = σ(style)·(content − μ(content))/σ(content) + "
            "μ(style)",
            _right(style, content, epsilon),
        ),
        (
            "that divides by the variance, not the standard deviation: take the square root",
            _match(content, style, lambda v: v + epsilon),
        ),
        (
            "the statistics are over the channels (the last axis); take each channel's mean and "
            "std over height and width (axes 1 and 2)",
            over_channels,
        ),
        (
            "the statistics are over the whole map; take them per channel, over axes 1 and 2 only",
            _match(content, style, with_eps, axes=(1, 2, 3)),
        ),
        (
            "the statistics are over the batch axis too, so both pictures get one mixed style; "
            "take them over height and width only (axes 1 and 2), picture by picture",
            _match(content, style, with_eps, axes=(0, 1, 2)) if len(content) > 1 else None,
        ),
        (
            f"the epsilon passed in is ignored: this call passes epsilon={epsilon:g}; use the "
            "argument, not a fixed number",
            fixed_epsilon,
        ),
        (
            "epsilon is missing: std = sqrt(variance + epsilon), so a flat channel does not "
            "divide by almost 0",
            _match(content, style, np.sqrt),
        ),
        (
            "epsilon is outside the square root: std = sqrt(variance + epsilon)",
            _match(content, style, lambda v: np.sqrt(v) + epsilon),
        ),
        (
            "epsilon is added to the content's variance only: the style's std is "
            "sqrt(variance + epsilon) too",
            _match(content, style, with_eps, style_spread=np.sqrt),
        ),
        (
            "epsilon is added to the style's variance only: the content's std is "
            "sqrt(variance + epsilon) too",
            _match(content, style, np.sqrt, style_spread=with_eps),
        ),
        (
            "that is the sample standard deviation (÷ H·W − 1); use the population one (÷ H·W), "
            "as instance normalisation does (tf.nn.moments, np.var)",
            _match(content, style, with_eps, ddof=1),
        ),
        (
            "only the means are matched: also scale by σ(style) / σ(content)",
            content
            - content.mean(axis=(1, 2), keepdims=True)
            + style.mean(axis=(1, 2), keepdims=True),
        ),
    ]
    return [(why, result) for why, result in mistakes if result is not None]


def _cases(seed: int | None) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """The ``(content, style, epsilon)`` cases of the checker.

    A single map; a large epsilon with a nearly flat style channel (telling the epsilon mistakes
    apart); maps of different sizes with a nearly flat content channel; a batch of two pictures
    with different styles.
    """
    generator = report.rng(seed)

    def maps(shape, flat=None):
        """Maps with a spread and offset per picture and channel; channel 0 nearly flat at ``flat``."""
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
    channel. Rejected, each with its explanation: content and style swapped, the variance instead
    of the standard deviation, statistics over the channels, the whole map or the batch axis,
    the epsilon argument ignored, epsilon missing, outside the root or on one side only, the
    sample standard deviation, only the means matched.

    Args:
        match_mean_std: The student's function.
        seed: Seed of the random feature maps (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    cases = _cases(seed)

    def checks() -> str:
        for content, style, epsilon in cases:
            given = (
                f"match_mean_std(content {list(content.shape)}, style {list(style.shape)}, "
                f"epsilon={epsilon:g})"
            )
            content64, style64 = content.astype(np.float64), style.astype(np.float64)
            right = _right(content64, style64, epsilon)
            expected = f"an array of shape {list(right.shape)} (the content's shape)"
            got = report.array(
                report.call(
                    match_mean_std,
                    tf.constant(content),
                    tf.constant(style),
                    epsilon,
                    given=given,
                    expected=expected,
                ),
                given,
                expected,
            )
            if got.shape != right.shape:
                raise report.CheckFailed(
                    given, expected, f"shape {list(got.shape)}", "return the content's shape"
                )
            if not np.allclose(got, right, rtol=1e-3, atol=1e-3):
                mistake = report.diagnose(
                    got,
                    _mistakes(content64, style64, epsilon),
                    "compare each channel's mean and std over axes 1 and 2 with the formula",
                    rtol=1e-3,
                    atol=1e-3,
                )
                first = tuple(
                    int(i) for i in np.unravel_index(np.argmax(abs(got - right)), right.shape)
                )
                raise report.CheckFailed(
                    given,
                    f"{right[first]:.5g} at {list(first)}",
                    f"{got[first]:.5g}",
                    mistake,
                )
        return (
            f"match_mean_std gives each channel the style's mean and std on {len(cases)} pairs "
            "of feature maps, a batch of two styles and a large epsilon among them."
        )

    return report.run_checks(checks)


__all__ = ["EPSILON", "LARGE_EPSILON", "check_match_mean_std"]
