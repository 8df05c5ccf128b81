"""Checkers for the exercises of notebook ``02_gram_matrices.ipynb``.

* :func:`check_gram_matrix` — a Gram matrix written by hand in NumPy (TensorFlow-tutorial
  normalisation);
* :func:`check_convert_style_weight` — translating a ``style_weight`` between the ``"tf"``,
  ``"pytorch"`` and ``"gatys"`` loss conventions.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from ..losses import NORMALIZATIONS
from . import guard, report


def _gram(features: np.ndarray) -> np.ndarray:
    """Notebook 02's Gram matrix in float64: ``[1, H, W, C]`` → ``[1, C, C]``, ÷ ``H·W``."""
    _, height, width, channels = features.shape
    flat = features.reshape(-1, height * width, channels).astype(np.float64)
    return np.einsum("bpc,bpd->bcd", flat, flat) / (height * width)


def _feature_cases(rng: np.random.Generator) -> list[tuple[np.ndarray, str]]:
    """Five feature maps for notebook 02's Gram exercise, each also shuffled and doubled."""
    # ReLU-like (non-negative, some exact zeros) as VGG's maps are: three never square, one square
    # with one channel, one in float64.
    cases = []
    for index in range(5):
        height = int(rng.integers(3, 9))
        width = height if index == 3 else height + int(rng.integers(1, 5))
        shape = (1, height, width, 1 if index == 3 else int(rng.integers(2, 7)))
        features = np.maximum(rng.normal(0.3, 1.0, shape), 0.0)
        features = features.astype(np.float64 if index == 4 else np.float32)
        order = rng.permutation(height * width)
        shuffled = features.reshape(1, -1, shape[3])[:, order].reshape(shape)
        cases += [(features, ""), (shuffled, ", positions shuffled"), (2 * features, ", × 2")]
    return cases


def _gram_mistakes(features: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """What typical wrong Gram matrices give for ``features`` (notebook 02)."""
    _, height, width, channels = features.shape
    want, positions = _gram(features), height * width
    mixed = features.reshape(channels, positions).astype(np.float64)
    flat = features.reshape(positions, channels).astype(np.float64)
    return [
        (
            "you multiplied positions with positions (F·Fᵀ, size H·W × H·W); flatten to "
            "[H·W, C] and take Fᵀ·F so that every entry pairs two channels (size C × C)",
            (flat @ flat.T)[None] / positions,
        ),
        (
            f"it is {positions} = H·W times too large: divide the sum by the number of positions",
            want * positions,
        ),
        (
            f"it is {channels} = C times too small: you divided by C·H·W (the PyTorch "
            "convention); this exercise uses the TensorFlow one, ÷ H·W",
            want / channels,
        ),
        ("you divided by H·W twice", want / positions),
        (
            "flatten to [H·W, C] (positions × channels): reshaping [H, W, C] to [C, H·W] mixes "
            "channels and positions",
            (mixed @ mixed.T)[None] / positions,
        ),
        ("keep the batch axis: the result should be [1, C, C] for features [1, H, W, C]", want[0]),
    ]


def _gram_shape_mistake(features: np.ndarray) -> str:
    """Explain a Gram matrix of notebook 02 whose shape is wrong."""
    channels = features.shape[3]
    return (
        f"the result should have shape [1, C, C] = (1, {channels}, {channels}), one entry per "
        "pair of channels: flatten to [H·W, C] and take Fᵀ·F (F·Fᵀ pairs positions, H·W × H·W)"
    )


#: Notebook 02's Gram matrix in NumPy: its built-ins and explanations.
_GRAM = guard.Exercise(
    otherwise="the values differ from Σ_positions F[p, c]·F[p, d] / (H·W); check which axes you "
    "flatten and multiply (the channel axis must survive, the position axes must be summed over)",
    rebuilds="the package's gram_matrix",
    hint="write Fᵀ·F / (H·W) with NumPy (reshape, transpose and @, or np.einsum)",
    functions=("nst_helpers.losses.gram_matrix",),
    numpy_only=True,
)


def check_gram_matrix(
    my_gram_matrix: Callable[[np.ndarray], np.ndarray], *, seed: int | None = None
) -> bool:
    """Check a student's ``my_gram_matrix(features)``.

    For a feature map ``[1, H, W, C]`` (a NumPy array) the function must return a NumPy array
    ``[1, C, C]`` with ``G[c, d] = Σ_positions F[p, c]·F[p, d] / (H·W)`` (the TensorFlow tutorial's
    normalisation), computed with NumPy only. The checker compares with a reference on random
    maps, square and not, float32 and float64, with one channel or several, and on each map with
    its positions shuffled and doubled (the properties the notebook teaches: the matrix forgets
    where features are and grows fourfold). Rejected, each with its explanation: any TensorFlow
    operation (``tf.einsum``, ``tf.matmul``, the package's ``gram_matrix``) or a returned tensor,
    no division by H·W, the PyTorch ÷ C·H·W, dividing twice, positions × positions (F·Fᵀ), a
    missing batch axis, a wrong reshape.

    Args:
        my_gram_matrix: The student's function.
        seed: Seed of the random feature maps (the default repeats them on every run).

    Returns:
        True if every check passes, else False (and the first failure is explained).
    """
    cases = _feature_cases(report.rng(seed))

    def checks() -> str:
        for features, how in cases:
            _, height, width, channels = features.shape
            given = (
                f"my_gram_matrix(features of shape {features.shape}: H={height}, W={width}, "
                f"C={channels}, {features.dtype}{how})"
            )
            expected = f"Σ F·F / (H·W), shape (1, {channels}, {channels})"
            _GRAM.expect(
                my_gram_matrix,
                (features.copy(),),
                _gram(features),
                given,
                expected,
                partial(_gram_mistakes, features),
                _gram_shape_mistake(features),
            )
        return (
            f"my_gram_matrix matches Σ F·F / (H·W) on {len(cases) // 3} random feature "
            "maps; symmetric, blind to position shuffles, scales as the square."
        )

    return report.run_checks(checks)


def _style_losses(rng: np.random.Generator) -> tuple[int, dict[str, float]]:
    """Unweighted style losses of one random layer under each convention (notebook 02)."""
    from ..losses import gram_matrix, style_loss

    height, width, channels = (int(n) for n in rng.integers((4, 4, 3), (12, 12, 65)))
    shape = (1, height, width, channels)
    generated = np.maximum(rng.normal(0.0, 1.0, shape), 0.0).astype(np.float32)
    target = np.maximum(rng.normal(0.2, 1.5, shape), 0.0).astype(np.float32)
    losses = {}
    for norm in NORMALIZATIONS:
        grams = [{"layer": gram_matrix(image, norm)} for image in (generated, target)]
        sizes = {"layer": (channels, height * width)}
        losses[norm] = float(style_loss(*grams, norm, sizes))
    return channels, losses


def _converted(weight: float, channels: int, source: str, target: str) -> str:
    """A call of notebook 02's ``convert_style_weight`` as a failure shows it."""
    return f"convert_style_weight({weight:.4g}, channels={channels}, {source!r}, {target!r})"


def _weight_mistakes(weight: float, channels: int) -> list[tuple[str, Callable[[str, str], float]]]:
    """Typical wrong conversions of notebook 02, each ``(source, target) -> weight``."""

    def via(factors: dict[str, float]) -> Callable[[str, str], float]:
        return lambda s, t: weight * factors[t] / factors[s]

    right = {"tf": 1.0, "gatys": 4.0, "pytorch": float(channels) ** 2}
    return [
        (
            "you returned the weight unchanged, but the conventions scale the loss differently",
            lambda s, t: weight,
        ),
        (
            "the conversion goes the wrong way: divide where you multiplied (source ↔ target)",
            lambda s, t: weight * right[s] / right[t],
        ),
        (
            f"the PyTorch Gram is C = {channels} times smaller than the TF one, but the loss "
            "squares Gram differences, so the losses differ by C², not C",
            via({"tf": 1.0, "gatys": 4.0, "pytorch": float(channels)}),
        ),
        (
            "TF and Gatys are not the same: the Gatys loss is Σ(G − A)² / (4·N²·M²) with an "
            "undivided Gram; write it as a mean over the N² entries and compare it with TF's",
            via({"tf": 1.0, "gatys": 1.0, "pytorch": float(channels) ** 2}),
        ),
    ]


def check_convert_style_weight(
    convert_style_weight: Callable[[float, int, str, str], float], *, seed: int | None = None
) -> bool:
    """Check a student's ``convert_style_weight(style_weight, channels, source, target)``.

    The function must return the weight that, under the ``target`` convention, gives one layer
    with ``channels`` channels the same weighted style loss as ``style_weight`` under ``source``.
    The checker builds random feature maps, computes the style loss of each convention with the
    package's :func:`~nst_helpers.losses.gram_matrix` and :func:`~nst_helpers.losses.style_loss`,
    and tests ``converted × loss_target ≈ style_weight × loss_source`` for every pair of
    conventions, with float and int weights. Rejected, each with its explanation: the weight
    unchanged, the conversion inverted, a factor C instead of C², and Gatys treated as TF.

    Args:
        convert_style_weight: The student's function; conventions are ``"tf"``, ``"pytorch"``
            and ``"gatys"``.
        seed: Seed of the random layers (the default repeats them on every run).

    Returns:
        True if every conversion keeps the weighted loss, else False (with the reason).
    """
    generator = report.rng(seed)
    trials = [(*_style_losses(generator), 10.0 ** generator.uniform(-3, 3)) for _ in range(4)]
    trials[-1] = (*trials[-1][:2], 10**6)  # a weight typed as an int, like PyTorch's 1e6
    pairs = [(source, target) for source in NORMALIZATIONS for target in NORMALIZATIONS]

    def checks() -> str:
        for channels, losses, weight in trials:
            answers = {}
            for source, target in pairs:
                given = _converted(weight, channels, source, target)
                args = (weight, channels, source, target)
                got = report.call(convert_style_weight, *args, given=given, expected="a weight")
                answers[source, target] = report.scalar(got, given, "a weight")
            for (source, target), got in answers.items():
                want = weight * losses[source] / losses[target]
                if not np.isclose(got, want, rtol=1e-3):
                    mistake = report.likeliest(
                        _weight_mistakes(weight, channels),
                        (source, target),
                        got,
                        list(answers.items()),
                        "write each convention's loss as a mean of squared differences of Grams "
                        "divided by H·W; the factors left over are what the weights must absorb",
                        lambda a, b: bool(np.isclose(a, b, rtol=1e-3)),
                    )
                    raise report.CheckFailed(
                        _converted(weight, channels, source, target),
                        f"{want:.4g} (weighted loss {weight * losses[source]:.4g} either way)",
                        f"{got:.4g} (weighted loss {got * losses[target]:.4g})",
                        mistake,
                    )
        return (
            f"convert_style_weight keeps the weighted style loss for all {len(pairs)} "
            f"pairs of conventions on {len(trials)} random layers."
        )

    return report.run_checks(checks)


__all__ = ["check_convert_style_weight", "check_gram_matrix"]
