"""Checkers for the exercises of notebook 05, ``05_making_it_fast.ipynb``.

Each checker calls the student's function on seeded random inputs it makes itself, compares with
the right answer within a tolerance and reports in the style of :mod:`nst_helpers.exercises.report`:
``✓ …`` when everything passes, else ``✗`` with the first failure explained (the input, what was
expected, what came back, the likely mistake). It returns ``True`` or ``False``.

* :func:`check_textbook_gamma` — ``textbook_gamma(s, y)``, the ``γ = sᵀy / yᵀy`` of L-BFGS's
  starting guess ``H₀ = γI``;
* :func:`check_box_sums` — ``box_sums(values, radius)``, the sums over a square around each pixel
  that the per-region scale is read from;
* :func:`check_gram_float16` — ``gram_float16(features)``, a Gram matrix of float16 features that
  does not overflow float16's range.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf

from ..speed.curvature import _box_sums
from . import report


def check_textbook_gamma(
    textbook_gamma: Callable[[np.ndarray, np.ndarray], float], *, seed: int | None = None
) -> bool:
    """Check the ``γ = sᵀy / yᵀy`` of textbook L-BFGS's starting guess ``H₀ = γI`` for one pair.

    ``s`` is the last step and ``y`` the change of the gradient along it (flat float32 vectors).
    Rejected, each with its explanation: the ratio upside down (``yᵀy / sᵀy``), the other
    Barzilai–Borwein scale ``sᵀs / sᵀy``, the ratio of lengths ``‖s‖ / ‖y‖``, one scale per value
    (an array, or the mean of ``s·y / y·y`` per value).

    Args:
        textbook_gamma: The student's function, ``textbook_gamma(s, y) -> float``.
        seed: Seed of the random pairs (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    generator = report.rng(seed)
    pairs = []
    for size in (7, 50, 300):
        s = generator.standard_normal(size).astype(np.float32)
        stiffness = np.exp(generator.uniform(-2, 2, size)).astype(np.float32)
        pairs.append((s, stiffness * s))  # y = A s for a positive diagonal A: sᵀy > 0

    def checks() -> str:
        for s, y in pairs:
            sy, yy, ss = (float(np.dot(a, b)) for a, b in ((s, y), (y, y), (s, s)))
            right = sy / yy
            given = f"textbook_gamma(s, y) for vectors of {s.size} values"
            expected = f"{right:.6g}"
            got = report.scalar(
                report.call(textbook_gamma, s.copy(), y.copy(), given=given, expected=expected),
                given,
                expected,
            )
            if not np.isclose(got, right, rtol=1e-4):
                with np.errstate(divide="ignore", invalid="ignore"):
                    per_value = float(np.mean(s * y / (y * y)))
                mistake = report.diagnose(
                    got,
                    [
                        ("the ratio is upside down: γ = sᵀy / yᵀy, not yᵀy / sᵀy", yy / sy),
                        (
                            "sᵀs / sᵀy is the other Barzilai–Borwein scale; L-BFGS's textbook "
                            "choice is sᵀy / yᵀy",
                            ss / sy,
                        ),
                        (
                            "the ratio of the lengths ‖s‖ / ‖y‖ is not it: divide the dot products "
                            "sᵀy and yᵀy",
                            float(np.linalg.norm(s) / np.linalg.norm(y)),
                        ),
                        (
                            "one scale for the whole vector: divide the sums (dot products), not "
                            "each value's s·y by its y·y",
                            per_value,
                        ),
                    ],
                    "γ = (s · y) / (y · y): two dot products, one division",
                )
                raise report.CheckFailed(given, expected, f"{got:.6g}", mistake)
        return f"textbook_gamma gives sᵀy / yᵀy on {len(pairs)} curvature pairs."

    return report.run_checks(checks)


def _box_sums_wrapped(values: np.ndarray, radius: int) -> np.ndarray:
    """Box sums whose square wraps around the edges (``np.roll``): a typical mistake."""
    total = np.zeros_like(values)
    for dr in range(-radius, radius + 1):
        for dc in range(-radius, radius + 1):
            total += np.roll(values, (dr, dc), axis=(1, 2))
    return total


def check_box_sums(
    box_sums: Callable[[np.ndarray, int], np.ndarray], *, seed: int | None = None
) -> bool:
    """Check sums over the ``(2r + 1) × (2r + 1)`` square around each pixel, cut off at the edges.

    ``box_sums(values, radius)`` takes ``[1, H, W, C]`` and returns the same shape: each pixel's
    sum over the rows and columns at most ``radius`` away, each channel on its own. Rejected, each
    with its explanation: the mean instead of the sum, a square wrapping around the edges, the
    channels summed together, one direction only, a square of side ``2r`` or ``r``.

    Args:
        box_sums: The student's function, ``box_sums(values, radius) -> sums``.
        seed: Seed of the random values (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    generator = report.rng(seed)
    cases = [
        (generator.standard_normal((1, 9, 13, 3)).astype(np.float32), 1),
        (generator.standard_normal((1, 12, 8, 2)).astype(np.float32), 2),
        (generator.uniform(0, 1, (1, 7, 10, 3)).astype(np.float32), 5),  # wider than the image
    ]

    def checks() -> str:
        for values, radius in cases:
            shape = values.shape
            right = _box_sums(values, shape, radius)
            given = f"box_sums(values of shape {shape}, radius={radius})"
            expected = f"an array of shape {shape}, e.g. {right[0, 0, 0, 0]:.5g} at the corner"
            got = report.array(
                report.call(box_sums, values.copy(), radius, given=given, expected=expected),
                given,
                expected,
            )
            if got.shape != shape:
                mistake = "return one sum per pixel and channel: the input's shape"
                raise report.CheckFailed(given, expected, f"shape {got.shape}", mistake)
            if np.allclose(got, right, rtol=1e-4, atol=1e-4):
                continue
            mistake = report.diagnose(
                got,
                _box_sums_mistakes(values, radius, right),
                "each pixel gets the sum of the values at most `radius` rows and columns away "
                "(cumulative sums along each axis make it fast)",
                rtol=1e-4,
                atol=1e-4,
            )
            where = _worst(got, right)
            raise report.CheckFailed(
                given,
                f"{right[where]:.5g} at (row, column, channel) {where[1:]}",
                f"{got[where]:.5g}",
                mistake,
            )
        return f"box_sums sums each pixel's square, cut off at the edges, on {len(cases)} arrays."

    return report.run_checks(checks)


def _box_sums_mistakes(
    values: np.ndarray, radius: int, right: np.ndarray
) -> list[tuple[str, np.ndarray]]:
    """What typical wrong box sums give for ``values``, with their explanations."""
    shape = values.shape
    ones = np.ones(shape, np.float32)
    counts = _box_sums(ones, shape, radius)
    rows_only = _box_sums(values, shape, radius) * 0
    for row in range(shape[1]):
        rows_only[:, row] = values[:, max(0, row - radius) : row + radius + 1].sum(1)
    cols_only = np.zeros_like(values)
    for col in range(shape[2]):
        cols_only[:, :, col] = values[:, :, max(0, col - radius) : col + radius + 1].sum(2)
    mistakes = [
        ("that is the mean: return the sum (do not divide by the count)", right / counts),
        (
            "that is the mean over a full square: return the sum",
            right / (2 * radius + 1) ** 2,
        ),
        (
            "the square must stop at the edges, not wrap around to the other side",
            _box_sums_wrapped(values, radius),
        ),
        (
            "sum each channel on its own, not the channels together",
            np.broadcast_to(right.sum(-1, keepdims=True), shape),
        ),
        ("sum over the columns too, not only the rows", rows_only),
        ("sum over the rows too, not only the columns", cols_only),
        (
            "the square's side is 2 × radius + 1 (radius pixels either side), not radius",
            _box_sums(values, shape, radius // 2),
        ),
    ]
    if radius > 1:
        mistakes.append(
            (
                "the square reaches radius pixels either side: it is 2 × radius + 1 wide",
                _box_sums(values, shape, radius - 1),
            )
        )
    return mistakes


def _worst(got: np.ndarray, right: np.ndarray) -> tuple[int, ...]:
    """The index where ``got`` is furthest from ``right`` (arrays of the same shape)."""
    return tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(got - right)), got.shape))


#: The largest finite float16 value.
FLOAT16_MAX = 65504.0


def check_gram_float16(
    gram_float16: Callable[[tf.Tensor], tf.Tensor], *, seed: int | None = None
) -> bool:
    """Check a Gram matrix ``FᵀF / (H·W)`` of float16 features that does not overflow.

    ``gram_float16(features)`` takes float16 features ``[1, H, W, C]`` whose sum of products over
    the positions exceeds float16's largest value (65504) and returns the Gram matrices
    ``[1, C, C]``, divided by ``H·W``, in float16, bfloat16 or float32, within 2 % of the largest
    entry. Rejected, each with its explanation: the sum taken in float16 before the division (inf),
    no division, division by ``C·H·W`` (the PyTorch tutorial's), each factor divided by ``H·W``
    (divided twice), the batch axis dropped.

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
            right = sums / positions
            given = f"gram_float16(float16 features of shape {values.shape})"
            expected = (
                f"finite Gram matrices of shape {right.shape}, largest entry {right.max():.5g}"
            )
            got = report.array(
                report.call(gram_float16, tf.constant(values), given=given, expected=expected),
                given,
                expected,
            )
            if not np.isfinite(got).all():
                mistake = (
                    f"the sum over {positions} positions overflowed float16 (largest "
                    f"{FLOAT16_MAX:.0f}) before the division by H·W: divide each factor by "
                    "√(H·W) first, or compute the Gram matrix in float32"
                )
                raise report.CheckFailed(given, expected, "inf (overflow)", mistake)
            if got.shape != right.shape:
                mistake = "keep the batch axis: one C × C matrix per picture, shape [1, C, C]"
                if got.size == right.size:
                    mistake += " (tf.matmul of [1, H·W, C] tensors keeps it)"
                raise report.CheckFailed(given, expected, f"shape {got.shape}", mistake)
            tolerance = 0.02 * float(right.max())
            if np.allclose(got, right, rtol=0.0, atol=tolerance):
                continue
            mistake = _gram_mistake(got, sums, channels, positions, tolerance)
            where = _worst(got, right)
            raise report.CheckFailed(
                given, f"{right[where]:.5g} at {where}", f"{got[where]:.5g}", mistake
            )
        return (
            f"gram_float16 gives FᵀF / (H·W) without overflowing on {len(cases)} float16 feature "
            "maps."
        )

    return report.run_checks(checks)


def _gram_mistake(
    got: np.ndarray, sums: np.ndarray, channels: int, positions: int, tolerance: float
) -> str:
    """Name the typical wrong float16 Gram matrix that ``got`` matches."""
    right = sums / positions
    return report.diagnose(
        got,
        [
            ("divide the sums by H·W (the TensorFlow convention)", sums),
            (
                "divide by H·W only, not by C·H·W (the PyTorch tutorial's convention)",
                right / channels,
            ),
            (
                "dividing each factor by H·W divides twice: divide each by √(H·W)",
                right / positions,
            ),
        ],
        "G = FᵀF / (H·W): F flattened to [1, H·W, C], the products summed over the positions",
        rtol=0.02,
        atol=1e-3 * tolerance,
    )
