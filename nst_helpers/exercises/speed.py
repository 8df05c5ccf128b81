"""Checkers for the exercises of notebook 05, ``05_making_it_fast.ipynb``.

* :func:`check_textbook_gamma` — ``textbook_gamma(s, y)``, the ``γ = sᵀy / yᵀy`` of L-BFGS's
  starting guess ``H₀ = γI``;
* :func:`check_box_sums` — ``box_sums(values, radius)``, the sums over a square around each pixel
  that the per-region scale is read from;
* :func:`check_gram_float16` — ``gram_float16(features)``, a Gram matrix of float16 features that
  does not overflow float16's range.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import partial

import numpy as np
import tensorflow as tf

from . import guard, report


def _gamma_mistakes(s: np.ndarray, y: np.ndarray) -> list[tuple[str, float]]:
    """What typical wrong scales of notebook 05 give for the pair ``(s, y)``."""
    sy, yy, ss = (float(np.dot(a, b)) for a, b in ((s, y), (y, y), (s, s)))
    with np.errstate(divide="ignore", invalid="ignore"):
        per_value = float(np.mean(s * y / (y * y)))
    return [
        ("the ratio is upside down: γ = sᵀy / yᵀy, not yᵀy / sᵀy", yy / sy),
        (
            "sᵀs / sᵀy is the other Barzilai–Borwein scale; L-BFGS's textbook choice is sᵀy / yᵀy",
            ss / sy,
        ),
        (
            "the ratio of the lengths ‖s‖ / ‖y‖ is not it: divide the dot products sᵀy and yᵀy",
            float(np.linalg.norm(s) / np.linalg.norm(y)),
        ),
        (
            "one scale for the whole vector: divide the sums (dot products), not each value's "
            "s·y by its y·y",
            per_value,
        ),
    ]


#: Notebook 05's textbook scale: its tolerance and explanations.
_GAMMA = guard.Exercise(
    otherwise="γ = (s · y) / (y · y): two dot products, one division", rtol=1e-4, atol=0.0
)


def check_textbook_gamma(
    textbook_gamma: Callable[[np.ndarray, np.ndarray], float], *, seed: int | None = None
) -> bool:
    """Check the ``γ = sᵀy / yᵀy`` of textbook L-BFGS's starting guess ``H₀ = γI`` for one pair.

    ``s`` is the last step and ``y`` the change of the gradient along it (flat NumPy vectors,
    float32 and float64). Rejected, each with its explanation: the ratio upside down
    (``yᵀy / sᵀy``), the other Barzilai–Borwein scale ``sᵀs / sᵀy``, the ratio of lengths
    ``‖s‖ / ‖y‖``, one scale per value (an array, or the mean of ``s·y / y·y`` per value).

    Args:
        textbook_gamma: The student's function, ``textbook_gamma(s, y) -> float``.
        seed: Seed of the random pairs (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    generator = report.rng(seed)
    pairs = []
    for size, dtype in ((7, np.float32), (50, np.float64), (300, np.float32)):
        s = generator.standard_normal(size).astype(dtype)
        stiffness = np.exp(generator.uniform(-2, 2, size)).astype(dtype)
        pairs.append((s, stiffness * s))  # y = A s for a positive diagonal A: sᵀy > 0

    def checks() -> str:
        for s, y in pairs:
            right = float(np.dot(s, y)) / float(np.dot(y, y))
            given = f"textbook_gamma(s, y) for {s.dtype} vectors of {s.size} values"
            mistakes = partial(_gamma_mistakes, s, y)
            _GAMMA.expect(
                textbook_gamma, (s.copy(), y.copy()), right, given, f"{right:.6g}", mistakes
            )
        return f"textbook_gamma gives sᵀy / yᵀy on {len(pairs)} curvature pairs."

    return report.run_checks(checks)


def _box_sums(values: np.ndarray, radius: int) -> np.ndarray:
    """Notebook 05's box sums in float64: each pixel's square of side ``2r + 1``, cut off."""
    padded = np.pad(values.astype(np.float64), [(0, 0), (radius, radius), (radius, radius), (0, 0)])
    _, height, width, _ = values.shape
    side = 2 * radius + 1
    return sum(padded[:, r : r + height, c : c + width] for r in range(side) for c in range(side))


def _box_sums_mistakes(values: np.ndarray, radius: int) -> list[tuple[str, np.ndarray]]:
    """What typical wrong box sums of notebook 05 give for ``values``, with their explanations."""
    right = _box_sums(values, radius)
    rows, cols = np.zeros_like(right), np.zeros_like(right)
    for row in range(values.shape[1]):
        rows[:, row] = values[:, max(0, row - radius) : row + radius + 1].sum(1)
    for col in range(values.shape[2]):
        cols[:, :, col] = values[:, :, max(0, col - radius) : col + radius + 1].sum(2)
    shifts = range(-radius, radius + 1)
    mistakes = [
        (
            "that is the mean: return the sum (do not divide by the count)",
            right / _box_sums(np.ones_like(values), radius),
        ),
        ("that is the mean over a full square: return the sum", right / (2 * radius + 1) ** 2),
        (
            "the square must stop at the edges, not wrap around to the other side",
            sum(np.roll(values, (r, c), axis=(1, 2)) for r in shifts for c in shifts),
        ),
        (
            "sum each channel on its own, not the channels together",
            np.broadcast_to(right.sum(-1, keepdims=True), right.shape),
        ),
        ("sum over the columns too, not only the rows", rows),
        ("sum over the rows too, not only the columns", cols),
        (
            "the square's side is 2 × radius + 1 (radius pixels either side), not radius",
            _box_sums(values, radius // 2),
        ),
    ]
    if radius > 1:
        mistakes.append(
            (
                "the square reaches radius pixels either side: it is 2 × radius + 1 wide",
                _box_sums(values, radius - 1),
            )
        )
    return mistakes


#: The box sums of the package's L-BFGS, which notebook 05's second exercise writes by hand.
_BOX_SUMS = guard.Exercise(
    otherwise="each pixel gets the sum of the values at most `radius` rows and columns away "
    "(cumulative sums along each axis make it fast)",
    atol=1e-4,
    shape="return one sum per pixel and channel: the input's shape",
    rebuilds="the package's box sums (nst_helpers.speed)",
    hint="write them with np.cumsum along the rows and then the columns",
    functions=("nst_helpers.speed.curvature._box_sums", "nst_helpers.speed.curvature_tf.box_sums"),
)


def check_box_sums(
    box_sums: Callable[[np.ndarray, int], np.ndarray], *, seed: int | None = None
) -> bool:
    """Check sums over the ``(2r + 1) × (2r + 1)`` square around each pixel, cut off at the edges.

    ``box_sums(values, radius)`` takes ``[1, H, W, C]`` and returns the same shape: each pixel's
    sum over the rows and columns at most ``radius`` away, each channel on its own. The arrays are
    float32 and float64, and one radius is wider than the image. Rejected, each with its
    explanation: the package's own box sums (however reached), the mean instead of the sum, a
    square wrapping around the edges, the channels summed together, one direction only, a square
    of side ``2r`` or ``r``.

    Args:
        box_sums: The student's function, ``box_sums(values, radius) -> sums``.
        seed: Seed of the random values (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    generator = report.rng(seed)
    cases = [
        (generator.standard_normal((1, 9, 13, 3)).astype(np.float32), 1),
        (generator.standard_normal((1, 12, 8, 2)), 2),
        (generator.uniform(0, 1, (1, 7, 10, 3)).astype(np.float32), 5),  # wider than the image
    ]

    def checks() -> str:
        for values, radius in cases:
            right = _box_sums(values, radius)
            given = f"box_sums({values.dtype} values of shape {values.shape}, radius={radius})"
            expected = (
                f"an array of shape {values.shape}, e.g. {right[0, 0, 0, 0]:.5g} at the corner"
            )
            mistakes = partial(_box_sums_mistakes, values, radius)
            _BOX_SUMS.expect(box_sums, (values.copy(), radius), right, given, expected, mistakes)
        return f"box_sums sums each pixel's square, cut off at the edges, on {len(cases)} arrays."

    return report.run_checks(checks)


#: The largest finite float16 value.
FLOAT16_MAX = 65504.0


def _gram16_mistakes(
    sums: np.ndarray, channels: int, positions: int
) -> list[tuple[str, np.ndarray]]:
    """What typical wrong float16 Gram matrices of notebook 05 give, with their explanations."""
    right = sums / positions
    return [
        ("divide the sums by H·W (the TensorFlow convention)", sums),
        ("divide by H·W only, not by C·H·W (the PyTorch tutorial's convention)", right / channels),
        ("dividing each factor by H·W divides twice: divide each by √(H·W)", right / positions),
    ]


#: Notebook 05's float16 Gram matrix: its built-ins and explanations (the tolerance is per case).
_GRAM16 = guard.Exercise(
    otherwise="G = FᵀF / (H·W): F flattened to [1, H·W, C], the products summed over the positions",
    rtol=0.0,
    shape="keep the batch axis: one C × C matrix per picture, shape [1, C, C] (tf.matmul of "
    "[1, H·W, C] tensors keeps it)",
    rebuilds="the package's gram_matrix",
    hint="write FᵀF / (H·W) yourself, dividing before the sum can overflow (or in float32)",
    functions=("nst_helpers.losses.gram_matrix",),
)


def check_gram_float16(
    gram_float16: Callable[[tf.Tensor], tf.Tensor], *, seed: int | None = None
) -> bool:
    """Check a Gram matrix ``FᵀF / (H·W)`` of float16 features that does not overflow.

    ``gram_float16(features)`` takes float16 features ``[1, H, W, C]`` whose sum of products over
    the positions exceeds float16's largest value (65504) and returns the Gram matrices
    ``[1, C, C]``, divided by ``H·W``, in float16, bfloat16 or float32, within 2 % of the largest
    entry. Rejected, each with its explanation: the package's ``gram_matrix`` (however reached),
    the sum taken in float16 before the division (inf), no division, division by ``C·H·W`` (the
    PyTorch tutorial's), each factor divided by ``H·W`` (divided twice), the batch axis dropped.

    Args:
        gram_float16: The student's function, ``gram_float16(features) -> gram``.
        seed: Seed of the random features (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    generator = report.rng(seed)
    cases = []
    for shape, scale in (((1, 24, 20, 5), 100.0), ((1, 64, 48, 8), 120.0)):
        values = np.maximum(generator.exponential(scale, shape) - 0.3 * scale, 0.0)  # like ReLU
        cases.append(values.astype(np.float16))

    def checks() -> str:
        for values in cases:
            _, height, width, channels = values.shape
            positions = height * width
            flat = values.astype(np.float64).reshape(1, positions, channels)
            sums = np.einsum("bpc,bpd->bcd", flat, flat)
            given = f"gram_float16(float16 features of shape {values.shape})"
            scale = float(sums.max() / positions)
            expected = f"finite Gram matrices of shape {sums.shape}, largest entry {scale:.5g}"
            overflow = (
                f"the sum over {positions} positions overflowed float16 (largest "
                f"{FLOAT16_MAX:.0f}) before the division by H·W: divide each factor by √(H·W) "
                "first, or compute the Gram matrix in float32"
            )
            # within 2 % of the largest entry
            exercise = dataclasses.replace(_GRAM16, atol=0.02 * scale, not_finite=overflow)
            mistakes = _gram16_mistakes(sums, channels, positions)
            args = (tf.constant(values),)
            exercise.expect(gram_float16, args, sums / positions, given, expected, mistakes)
        return (
            f"gram_float16 gives FᵀF / (H·W) without overflowing on {len(cases)} float16 feature "
            "maps."
        )

    return report.run_checks(checks)


__all__ = ["FLOAT16_MAX", "check_box_sums", "check_gram_float16", "check_textbook_gamma"]
