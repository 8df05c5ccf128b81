"""Checkers for the exercises of notebook 05, ``05_making_it_fast.ipynb``.

Each checker calls the student's function on seeded random inputs it makes itself, compares with
the right answer within a tolerance and reports in the style of :mod:`nst_helpers.exercises.report`:
``✓ …`` when everything passes, else ``✗`` with the first failure explained (the input, what was
expected, what came back, the likely mistake). It returns ``True`` or ``False``.

* :func:`check_textbook_gamma` — ``textbook_gamma(s, y)``, L-BFGS's one initial scale
  ``sᵀy / yᵀy``;
* :func:`check_box_sums` — ``box_sums(values, radius)``, the sums over a square around each pixel
  that the per-region scale is read from;
* :func:`check_kept_bytes` — ``kept_bytes(height, width)``, the memory the outputs of VGG's first
  two blocks take, which the strips avoid keeping.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..speed.curvature import _box_sums
from . import report


def check_textbook_gamma(
    textbook_gamma: Callable[[np.ndarray, np.ndarray], float], *, seed: int | None = None
) -> bool:
    """Check the textbook L-BFGS initial scale ``γ = sᵀy / yᵀy`` of one curvature pair.

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
            mistake = report.diagnose(
                got,
                mistakes,
                "each pixel gets the sum of the values at most `radius` rows and columns away "
                "(cumulative sums along each axis make it fast)",
                rtol=1e-4,
                atol=1e-4,
            )
            where = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(got - right)), shape))
            raise report.CheckFailed(
                given,
                f"{right[where]:.5g} at (row, column, channel) {where[1:]}",
                f"{got[where]:.5g}",
                mistake,
            )
        return f"box_sums sums each pixel's square, cut off at the edges, on {len(cases)} arrays."

    return report.run_checks(checks)


#: The first two VGG blocks: (layer, channels, pools before it): conv, conv, pool, conv, conv, pool.
FIRST_TWO_BLOCKS = ((64, 0), (64, 0), (64, 1), (128, 1), (128, 1), (128, 2))


def kept_bytes(height: int, width: int, bytes_per_value: int = 4) -> int:
    """Bytes of the outputs of the first two VGG blocks' six layers for a ``height × width`` image.

    Each 2×2 max pool (stride 2, 'valid') halves each side, rounding down.
    """
    total = 0
    for channels, pools in FIRST_TWO_BLOCKS:
        h, w = height, width
        for _ in range(pools):
            h, w = h // 2, w // 2
        total += channels * h * w
    return total * bytes_per_value


def check_kept_bytes(kept: Callable[[int, int], int], *, seed: int | None = None) -> bool:
    """Check the bytes the first two VGG blocks' float32 outputs take for an image.

    ``kept(height, width)`` must add the outputs of the six layers (``conv1_1``, ``conv1_2``,
    ``pool1``, ``conv2_1``, ``conv2_2``, ``pool2``) at 4 bytes a value, each pool halving each side
    rounded down. Rejected, each with its explanation: the pools left out, block 2 at the full
    size, 2 bytes (bfloat16) or 1 byte a value, bits instead of bytes, halving without rounding
    down, one block only.

    Args:
        kept: The student's function, ``kept(height, width) -> bytes``.
        seed: Seed of the random sizes (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    generator = report.rng(seed)
    sizes = [(768, 1024)] + [
        (int(generator.integers(21, 200)) * 2 + 1, int(generator.integers(21, 200)) * 4 + 2)
        for _ in range(2)
    ]  # odd sides and sides that halve to odd ones: the rounding shows

    def exact_halves(height: int, width: int) -> float:
        return 4.0 * height * width * sum(c / 4**p for c, p in FIRST_TWO_BLOCKS)

    def checks() -> str:
        for height, width in sizes:
            right = kept_bytes(height, width)
            given = f"kept(height={height}, width={width})"
            expected = f"{right} bytes ({right / 2**20:.1f} MiB)"
            got = report.scalar(
                report.call(kept, height, width, given=given, expected=expected), given, expected
            )
            if got == right:
                continue
            convs_only = kept_bytes(height, width) - 4 * (
                64 * (height // 2) * (width // 2) + 128 * (height // 4) * (width // 4)
            )
            mistake = report.diagnose(
                got,
                [
                    ("the pools' outputs are kept too: add pool1 and pool2", convs_only),
                    (
                        "block 2 runs after pool1, on half the height and half the width",
                        4 * height * width * (64 + 64 + 64 + 128 + 128 + 128),
                    ),
                    ("float32 is 4 bytes a value (2 is bfloat16)", kept_bytes(height, width, 2)),
                    ("float32 is 4 bytes a value, not 1", kept_bytes(height, width, 1)),
                    ("that is bits: a byte is 8 bits", 8 * right),
                    (
                        "a 2×2 pool with stride 2 keeps height // 2 rows (rounded down), not "
                        "height / 2",
                        exact_halves(height, width),
                    ),
                    (
                        "both blocks: conv1_1, conv1_2, pool1, then conv2_1, conv2_2, pool2",
                        4 * height * width * (64 + 64) + 4 * 64 * (height // 2) * (width // 2),
                    ),
                ],
                "add channels × rows × columns of each of the six outputs, times 4 bytes",
                rtol=1e-9,
                atol=0.5,
            )
            raise report.CheckFailed(given, expected, f"{got:.0f}", mistake)
        return (
            f"kept gives the bytes of the first two blocks' outputs for {len(sizes)} image sizes."
        )

    return report.run_checks(checks)
