"""Checkers for the exercises of notebook 06, ``06_controlling_style.ipynb``.

Each checker calls the student's function on seeded random inputs it makes itself, compares with
the right answer within a tolerance and reports in the style of :mod:`nst_helpers.exercises.report`:
``✓ …`` when everything passes, else ``✗`` with the first failure explained (the input, what was
expected, what came back, the likely mistake). It returns ``True`` or ``False``.

* :func:`check_match_mean_std` — ``match_mean_std(content, style, epsilon)``, AdaIN: give each
  channel of one feature map the mean and standard deviation of the same channel in another.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf

from . import report

#: The epsilon the checker passes; the right answer adds it to the variance, inside the root.
EPSILON = 1e-5


def _statistics(x: np.ndarray, axes: tuple[int, ...], ddof: int = 0) -> tuple:
    mean = x.mean(axis=axes, keepdims=True)
    return mean, x.var(axis=axes, keepdims=True, ddof=ddof)


def _match(content: np.ndarray, style: np.ndarray, spread: Callable, axes=(1, 2), ddof=0):
    """``content`` given ``style``'s statistics, with ``spread(variance)`` as the deviation."""
    mean_c, var_c = _statistics(content, axes, ddof)
    mean_s, var_s = _statistics(style, axes, ddof)
    return spread(var_s) * (content - mean_c) / spread(var_c) + mean_s


def _right(content: np.ndarray, style: np.ndarray) -> np.ndarray:
    return _match(content, style, lambda v: np.sqrt(v + EPSILON))


def _mistakes(content: np.ndarray, style: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """What the typical wrong answers return, each with its explanation."""
    with_eps = lambda v: np.sqrt(v + EPSILON)  # noqa: E731 - the right spread, reused below
    over_channels = None
    if content.shape == style.shape:  # otherwise the maps' statistics do not broadcast
        over_channels = _match(content, style, with_eps, axes=(3,))
    mistakes = [
        (
            "content and style are swapped: the result keeps content's layout and takes style's "
            "statistics, AdaIN(content, style) = σ(style)·(content − μ(content))/σ(content) + "
            "μ(style)",
            _right(style, content),
        ),
        (
            "that divides by the variance, not the standard deviation: take the square root",
            _match(content, style, lambda v: v + EPSILON),
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
            "epsilon is missing: std = sqrt(variance + epsilon), so a flat channel does not "
            "divide by almost 0",
            _match(content, style, np.sqrt),
        ),
        (
            "epsilon is outside the square root: std = sqrt(variance + epsilon)",
            _match(content, style, lambda v: np.sqrt(v) + EPSILON),
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


def _cases(seed: int | None) -> list[tuple[np.ndarray, np.ndarray]]:
    generator = report.rng(seed)
    cases = []
    for content_shape, style_shape in (((1, 3, 4, 5), (1, 3, 4, 5)), ((1, 6, 5, 3), (1, 2, 7, 3))):
        channels = content_shape[-1]
        content = generator.normal(0.0, 1.0, content_shape) * generator.uniform(0.5, 3, channels)
        content[..., 0] = 0.5 + 1e-3 * generator.standard_normal(content_shape[:3])  # nearly flat
        style = generator.normal(0.0, 1.0, style_shape) * generator.uniform(0.2, 4, channels)
        style += generator.uniform(-2, 2, channels)
        cases.append((content.astype(np.float32), style.astype(np.float32)))
    return cases


def check_match_mean_std(
    match_mean_std: Callable[[tf.Tensor, tf.Tensor, float], tf.Tensor], *, seed: int | None = None
) -> bool:
    """Check AdaIN: each channel of ``content`` gets that channel's mean and std in ``style``.

    ``match_mean_std(content, style, epsilon)`` takes two feature maps ``[1, H, W, C]`` (float32
    tensors; their sizes may differ) and returns ``σ_s · (content − μ_c) / σ_c + μ_s``, with the
    means and standard deviations per channel over height and width, and ``σ = sqrt(variance +
    epsilon)`` with the population variance. Rejected, each with its explanation: content and
    style swapped, the variance instead of the standard deviation, statistics over the channels
    or over the whole map, epsilon missing or outside the root, the sample standard deviation,
    only the means matched.

    Args:
        match_mean_std: The student's function.
        seed: Seed of the random feature maps (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    cases = _cases(seed)

    def checks() -> str:
        for content, style in cases:
            given = (
                f"match_mean_std(content {list(content.shape)}, style {list(style.shape)}, "
                f"epsilon={EPSILON:g})"
            )
            right = _right(content.astype(np.float64), style.astype(np.float64))
            expected = f"an array of shape {list(right.shape)} (the content's shape)"
            got = report.array(
                report.call(
                    match_mean_std,
                    tf.constant(content),
                    tf.constant(style),
                    EPSILON,
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
                    _mistakes(content.astype(np.float64), style.astype(np.float64)),
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
            "of feature maps."
        )

    return report.run_checks(checks)


__all__ = ["EPSILON", "check_match_mean_std"]
