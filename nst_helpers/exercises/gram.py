"""Checkers for the exercises of notebook ``02_gram_matrices.ipynb``.

* :func:`check_gram_matrix` — a Gram matrix written by hand (TensorFlow-tutorial normalisation);
* :func:`check_convert_style_weight` — translating a ``style_weight`` between the ``"tf"``,
  ``"pytorch"`` and ``"gatys"`` loss conventions.

Each checker makes its own seeded random feature maps, tests invariants with tolerances (symmetry,
the position shuffle the Gram matrix ignores, scaling, equal weighted losses) and reports in the
style of :mod:`nst_helpers.exercises.report`: ``✓ …`` when everything passes, else ``✗`` with the
first failure explained; it returns ``True`` or ``False``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..losses import NORMALIZATIONS
from . import report
from .cnn import numpy_only


def _reference_gram(features: np.ndarray) -> np.ndarray:
    """``[1, H, W, C]`` → ``[1, C, C]``, divided by ``H·W``."""
    _, height, width, channels = features.shape
    flat = features.reshape(-1, height * width, channels).astype(np.float64)
    return np.einsum("bpc,bpd->bcd", flat, flat) / (height * width)


def _random_features(rng: np.random.Generator) -> np.ndarray:
    height = int(rng.integers(3, 9))
    width = height + int(rng.integers(1, 5))  # never square
    channels = int(rng.integers(2, 7))
    # ReLU-like: non-negative, as VGG feature maps are, with some exact zeros.
    values = np.maximum(rng.normal(0.3, 1.0, (1, height, width, channels)), 0.0)
    return values.astype(np.float32)


def _diagnose_gram(features: np.ndarray, got: np.ndarray) -> str:
    _, height, width, channels = features.shape
    want = _reference_gram(features)
    positions = height * width
    if got.shape == (1, positions, positions) or got.shape == (positions, positions):
        return (
            "you multiplied positions with positions (F·Fᵀ, size H·W × H·W); flatten to "
            "[H·W, C] and take Fᵀ·F so that every entry pairs two channels (size C × C)"
        )
    if got.shape == (channels, channels):
        return "keep the batch axis: the result should be [1, C, C] for features [1, H, W, C]"
    if got.shape != want.shape:
        return f"the result should have shape [1, C, C] = {want.shape}"
    ratio = _ratio(got, want)
    if ratio is not None:
        if np.isclose(ratio, positions, rtol=1e-3):
            return f"it is {positions} = H·W times too large: divide the sum by the number of positions"
        if np.isclose(ratio, 1.0 / channels, rtol=1e-3):
            return (
                f"it is {channels} = C times too small: you divided by C·H·W (the PyTorch "
                "convention); this exercise uses the TensorFlow one, ÷ H·W"
            )
        if np.isclose(ratio, 1.0 / positions, rtol=1e-3):
            return "you divided by H·W twice"
    return (
        "the values differ from Σ_positions F[p, c]·F[p, d] / (H·W); check which axes you flatten "
        "and multiply (the channel axis must survive, the position axes must be summed over)"
    )


def _ratio(got: np.ndarray, want: np.ndarray) -> float | None:
    mask = np.abs(want) > 1e-6
    if not mask.any():
        return None
    ratios = got[mask] / want[mask]
    if np.allclose(ratios, ratios.flat[0], rtol=1e-3):
        return float(ratios.flat[0])
    return None


def check_gram_matrix(
    my_gram_matrix: Callable[[np.ndarray], np.ndarray], *, seed: int | None = None
) -> bool:
    """Check a student's ``my_gram_matrix(features)``.

    For a feature map ``[1, H, W, C]`` the function must return ``[1, C, C]`` with
    ``G[c, d] = Σ_positions F[p, c]·F[p, d] / (H·W)`` (the TensorFlow tutorial's normalisation).
    Besides comparing with a reference, the checker tests the properties the notebook teaches:
    the matrix is symmetric, does not change when the positions are shuffled, and grows fourfold
    when the features double. Rejected, each with its explanation: any TensorFlow operation
    (``tf.einsum``, ``tf.matmul``, the package's ``gram_matrix``) or a returned tensor, no division
    by H·W, the PyTorch ÷ C·H·W, dividing twice, positions × positions (F·Fᵀ), a missing batch
    axis, a wrong reshape.

    Args:
        my_gram_matrix: The student's function; it gets a float32 NumPy array and must return a
            NumPy array, computed with NumPy only.
        seed: Seed of the random feature maps (the default repeats them on every run).

    Returns:
        True if every check passes, else False (and the first failure is explained).
    """
    generator = report.rng(seed)
    trials = [(_random_features(generator), generator.permutation(1000)) for _ in range(5)]

    def gram(features: np.ndarray, given: str) -> np.ndarray:
        expected = f"the Gram matrix, shape (1, {features.shape[-1]}, {features.shape[-1]})"
        result = numpy_only(
            my_gram_matrix, features.copy(), given=given, expected=expected, built_in={}
        )
        return report.array(result, given, expected)

    def checks() -> str:
        for features, order in trials:
            _, height, width, channels = features.shape
            given = f"my_gram_matrix(features of shape {features.shape}: H={height}, W={width}, C={channels})"
            got, want = gram(features, given), _reference_gram(features)
            if got.shape != want.shape or not np.allclose(got, want, rtol=1e-4, atol=1e-6):
                shown = f"shape {got.shape}" + (", other values" if got.shape == want.shape else "")
                raise report.CheckFailed(
                    given,
                    f"Σ F·F / (H·W), shape {want.shape}",
                    shown,
                    _diagnose_gram(features, got),
                )
            order = order[order < height * width]
            shuffled = features.reshape(1, -1, channels)[:, order].reshape(features.shape)
            again = gram(shuffled, "my_gram_matrix(the same features, positions shuffled)")
            if not np.allclose(again, got, rtol=1e-4, atol=1e-6):
                raise report.CheckFailed(
                    "my_gram_matrix(the same features with the positions shuffled)",
                    "the same matrix as before the shuffle",
                    "a different matrix",
                    "a Gram matrix sums over positions, so it must forget *where* features are",
                )
            doubled = gram(2.0 * features, "my_gram_matrix(2 × features)")
            if not np.allclose(doubled, 4.0 * got, rtol=1e-4, atol=1e-6):
                raise report.CheckFailed(
                    "my_gram_matrix(2 × features)",
                    "4 × the Gram matrix of features",
                    f"{_ratio(doubled, got) or 'not a multiple'} × it",
                    "every entry is a product of two features, so doubling them multiplies it by 4",
                )
        return (
            f"my_gram_matrix matches Σ F·F / (H·W) on {len(trials)} random feature maps; "
            "symmetric, blind to position shuffles, scales as the square."
        )

    return report.run_checks(checks)


def _style_losses(rng: np.random.Generator) -> tuple[int, dict[str, float]]:
    """Unweighted style losses of one random layer under each convention (package losses)."""
    from ..losses import gram_matrix, style_loss

    height = int(rng.integers(4, 12))
    width = int(rng.integers(4, 12))
    channels = int(rng.integers(3, 65))
    shape = (1, height, width, channels)
    generated = np.maximum(rng.normal(0.0, 1.0, shape), 0.0).astype(np.float32)
    target = np.maximum(rng.normal(0.2, 1.5, shape), 0.0).astype(np.float32)
    losses = {}
    for norm in NORMALIZATIONS:
        sizes = {"layer": (channels, height * width)}
        losses[norm] = float(
            style_loss(
                {"layer": gram_matrix(generated, norm)},
                {"layer": gram_matrix(target, norm)},
                norm,
                sizes,
            )
        )
    return channels, losses


def check_convert_style_weight(
    convert_style_weight: Callable[[float, int, str, str], float], *, seed: int | None = None
) -> bool:
    """Check a student's ``convert_style_weight(style_weight, channels, source, target)``.

    The function must return the weight that, under the ``target`` convention, gives one layer
    with ``channels`` channels the same weighted style loss as ``style_weight`` under ``source``.
    The checker builds random feature maps, computes the style loss of each convention with the
    package's :func:`~nst_helpers.losses.gram_matrix` and :func:`~nst_helpers.losses.style_loss`,
    and tests ``converted × loss_target ≈ style_weight × loss_source`` for every pair. Rejected,
    each with its explanation: the weight unchanged, the conversion inverted, a factor C instead
    of C², and Gatys treated as TF.

    Args:
        convert_style_weight: The student's function; conventions are ``"tf"``, ``"pytorch"``
            and ``"gatys"``.
        seed: Seed of the random layers (the default repeats them on every run).

    Returns:
        True if every conversion keeps the weighted loss, else False (with the reason).
    """
    generator = report.rng(seed)
    trials = [
        (*_style_losses(generator), float(10.0 ** generator.uniform(-3, 3))) for _ in range(4)
    ]
    pairs = [(source, target) for source in NORMALIZATIONS for target in NORMALIZATIONS]

    def checks() -> str:
        for channels, losses, weight in trials:
            answers = {}
            for source, target in pairs:
                given = (
                    f"convert_style_weight({weight:.4g}, channels={channels}, {source!r}, "
                    f"{target!r})"
                )
                got = report.call(
                    convert_style_weight,
                    weight,
                    channels,
                    source,
                    target,
                    given=given,
                    expected="a weight",
                )
                answers[source, target] = report.scalar(got, given, "a weight")
            wants = {(s, t): weight * losses[s] / losses[t] for s, t in pairs}
            for (source, target), got in answers.items():
                want = wants[source, target]
                if not np.isclose(got, want, rtol=1e-3):
                    raise report.CheckFailed(
                        f"convert_style_weight({weight:.4g}, channels={channels}, {source!r}, "
                        f"{target!r})",
                        f"{want:.4g} (weighted loss {weight * losses[source]:.4g} either way)",
                        f"{got:.4g} (weighted loss {got * losses[target]:.4g})",
                        _diagnose_weight(answers, wants, weight, channels),
                    )
        return (
            f"convert_style_weight keeps the weighted style loss for all {len(pairs)} "
            f"pairs of conventions on {len(trials)} random layers."
        )

    return report.run_checks(checks)


def _diagnose_weight(
    answers: dict[tuple[str, str], float],
    wants: dict[tuple[str, str], float],
    weight: float,
    channels: int,
) -> str:
    """Name the typical mistake that explains the whole table of the student's answers."""

    def matches(formula: Callable[[str, str], float]) -> bool:
        return all(np.isclose(got, formula(s, t), rtol=1e-3) for (s, t), got in answers.items())

    def via(factors: dict[str, float]) -> Callable[[str, str], float]:
        return lambda s, t: weight * factors[t] / factors[s]

    if matches(lambda s, t: weight):
        return "you returned the weight unchanged, but the conventions scale the loss differently"
    if matches(lambda s, t: weight * weight / wants[s, t]):
        return "the conversion goes the wrong way: divide where you multiplied (source ↔ target)"
    if matches(via({"tf": 1.0, "gatys": 4.0, "pytorch": float(channels)})):
        return (
            f"the PyTorch Gram is C = {channels} times smaller than the TF one, but the loss "
            "squares Gram differences, so the losses differ by C², not C"
        )
    if matches(via({"tf": 1.0, "gatys": 1.0, "pytorch": float(channels) ** 2})):
        return (
            "TF and Gatys are not the same: the Gatys loss is Σ(G − A)² / (4·N²·M²) with an "
            "undivided Gram; write it as a mean over the N² entries and compare it with TF's"
        )
    return (
        "write each convention's loss as a mean of squared differences of Grams divided by H·W; "
        "the factors left over are what the weights must absorb"
    )
