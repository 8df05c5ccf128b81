"""L-BFGS's curvature arithmetic in NumPy: written to be read, and the tests' oracle.

:func:`nst_helpers.speed.lbfgs.minimize` runs with these :class:`CurvaturePairs` or with their
TensorFlow twin (:mod:`~nst_helpers.speed.curvature_tf`, which :func:`nst_helpers.gatys.stylize`
uses). What they add to textbook L-BFGS:

* **projection**: pixels a bound holds (at 0 with the gradient pushing down, or at 1 pushing up)
  stay out of the step, and each trial point is clipped to ``[0, 1]``;
* **a step scale per region** (:meth:`CurvaturePairs.scale`): one scale for the whole image would
  make every step as short as the stiffest part allows;
* **a smoothed initial step** (:meth:`CurvaturePairs.initial_step`): broad changes get longer steps
  than fine detail.

``CurvaturePairs(..., per_region=False, smoothing=False)`` turns both off: the initial step is then
``γ × gradient`` with ``γ = sᵀy / yᵀy`` of the newest pair (Nocedal & Wright, eq. 7.20).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

import numpy as np

from .lbfgs import (
    LBFGS_FIRST_STEP,
    LBFGS_SCALE_RANGE,
    LBFGS_SCALE_WINDOW,
    LBFGS_SMOOTHING_GAIN,
    LBFGS_SMOOTHING_RADII,
    Vector,
)


class CurvaturePairs:
    """L-BFGS's memory: recent steps ``s``, gradient changes ``y``, and a scale per pixel.

    Besides the pairs it keeps, for every value, the sums of ``s·y`` and ``y·y`` over them. Summed
    again over the :data:`LBFGS_SCALE_WINDOW`-pixel square around a pixel, their ratio estimates
    the inverse of the loss's curvature there: the step that part of the picture wants. Parts differ
    a lot (flat sky is stiffer than busy rooftops), and one scale for the whole image, the textbook
    choice, makes every step as short as the stiffest part allows.

    Args:
        memory: How many pairs to keep (the oldest is dropped).
        shape: The image's shape, ``[1, H, W, 3]``.
        per_region: Each pixel's own scale (the default); ``False``: one scale for the whole
            image, the textbook ``γ = sᵀy / yᵀy`` of the newest pair.
        smoothing: Add the smoothed copies of the step (the default); ``False``: the initial
            step is the scale times the gradient, nothing more.
    """

    def __init__(
        self, memory: int, shape: Sequence[int], per_region: bool = True, smoothing: bool = True
    ) -> None:
        self.pairs: deque = deque(maxlen=memory)
        self.shape = tuple(int(side) for side in shape)
        self.per_region, self.smoothing = bool(per_region), bool(smoothing)
        size = math.prod(self.shape)
        self._sy = np.zeros(size, np.float32)
        self._yy = np.zeros(size, np.float32)

    def __len__(self) -> int:
        return len(self.pairs)

    def start(self, x: Vector) -> Vector:
        """Forget every pair; return ``x`` flat, float32, clipped to ``[0, 1]``."""
        self.clear()
        return np.clip(np.asarray(x, np.float32).ravel(), 0.0, 1.0)

    def direction(self, x: Vector, gradient: Vector) -> tuple[Vector, bool]:
        """The step to try: L-BFGS's, or the gradient's (pairs forgotten) when that goes nowhere.

        Returns:
            The step, and whether it moves any value at all.
        """
        step = quasi_newton_direction(x, gradient, self)
        if step is None:  # no pairs yet, or the curvature model pointed uphill
            self.clear()
            step = gradient_direction(x, gradient)
        return step, bool(step.any())

    def trial(
        self, x: Vector, direction: Vector, length: float, gradient: Vector
    ) -> tuple[Vector, Vector, float]:
        """A line-search trial: ``x + length × direction`` clipped to ``[0, 1]``.

        Returns:
            The trial point, the move to it, and the loss change the gradient predicts for it.
        """
        candidate = np.clip(x + np.float32(length) * direction, 0.0, 1.0)
        moved = candidate - x
        return candidate, moved, float(np.dot(gradient, moved))

    def add(self, step: Vector, change: Vector) -> None:
        """Keep a step and its gradient change, unless the loss curved the wrong way along it."""
        curvature = float(np.dot(step, change))
        if curvature <= 1e-10 * float(np.dot(change, change)):
            return
        if len(self.pairs) == self.pairs.maxlen:
            old_step, old_change, _ = self.pairs[0]
            self._sy -= old_step * old_change
            self._yy -= np.square(old_change)
        self.pairs.append((step, change, 1.0 / curvature))
        self._sy += step * change
        self._yy += np.square(change)

    def clear(self) -> None:
        """Forget everything (after the model of the curvature misled a step)."""
        self.pairs.clear()
        self._sy[:] = 0.0
        self._yy[:] = 0.0

    def scale(self) -> Vector:
        """The initial inverse curvature per value: ``Σs·y / Σy·y`` around each pixel.

        Kept within :data:`LBFGS_SCALE_RANGE` of the whole-image scale (the newest pair's
        ``s·y / y·y``), which also stands in where a pixel has no usable estimate. Without
        :attr:`per_region`, that whole-image scale for every value.
        """
        _, change, rho = self.pairs[-1]
        overall = 1.0 / (rho * float(np.dot(change, change)))
        if not self.per_region:
            return np.full(self._sy.size, overall, np.float32)
        radius = LBFGS_SCALE_WINDOW // 2
        with np.errstate(divide="ignore", invalid="ignore"):
            own = _box_sums(self._sy, self.shape, radius) / _box_sums(self._yy, self.shape, radius)
        own = np.where(np.isfinite(own) & (own > 0), own, overall)
        low, high = overall / LBFGS_SCALE_RANGE, overall * LBFGS_SCALE_RANGE
        return np.clip(own, low, high).astype(np.float32).ravel()

    def initial_step(self, gradient: Vector) -> Vector:
        """L-BFGS's starting guess of the step for ``gradient``, before the pairs correct it.

        Each value is scaled by :meth:`scale`. Smoothed copies are added as well (each pixel's
        scale weighted in by its square root on both sides, so the whole stays symmetric): a
        change spread over many pixels, such as a region's colour, costs the loss less per pixel
        than a speckle of the same size, so it deserves a longer step. Fine detail keeps
        :meth:`scale` alone. Without :attr:`smoothing`, every value gets :meth:`scale` alone.
        """
        scale = self.scale()
        step = scale * gradient
        if not self.smoothing:
            return step
        root = np.sqrt(scale)
        spread = (root * gradient).reshape(self.shape)
        for radius in LBFGS_SMOOTHING_RADII:
            # a box average taken twice, a tent-shaped blur: one box average flips the sign of
            # some fine patterns (which could turn the step uphill), two never do
            smooth = _box_sums(_box_sums(spread, self.shape, radius), self.shape, radius)
            step += np.float32(LBFGS_SMOOTHING_GAIN / (2 * radius + 1) ** 4) * root * smooth.ravel()
        return step


def _box_sums(values: np.ndarray, shape: tuple[int, ...], radius: int) -> np.ndarray:
    """Sums over the square of ``2 × radius + 1`` pixels around each pixel, cut at the edges."""
    sums = values.reshape(shape)
    for axis in (1, 2):
        running = _running_sums(sums, axis)
        # running totals from `radius + 1` places before the row (0) to `radius` after it (all)
        before = np.zeros_like(running.take([0] * (radius + 1), axis=axis))
        after = running.take([shape[axis] - 1] * radius, axis=axis)
        running = np.concatenate([before, running, after], axis=axis)
        window = [slice(None)] * len(shape)
        window[axis] = slice(2 * radius + 1, 2 * radius + 1 + shape[axis])
        high = running[tuple(window)]
        window[axis] = slice(0, shape[axis])
        sums = high - running[tuple(window)]
    return sums


def _running_sums(values: np.ndarray, axis: int) -> np.ndarray:
    """``np.cumsum(values, axis)``; down the rows (axis 1) one row at a time, which is faster."""
    if axis != 1:
        return np.cumsum(values, axis=axis)
    running = values.copy()
    for row in range(1, running.shape[1]):
        running[:, row] += running[:, row - 1]
    return running


def free_values(x: Vector, gradient: Vector) -> np.ndarray:
    """Which values no bound holds: not at 0 pushed down, not at 1 pushed up (a boolean mask)."""
    return ~(((x <= 0.0) & (gradient > 0)) | ((x >= 1.0) & (gradient < 0)))


def quasi_newton_direction(x: Vector, gradient: Vector, pairs: CurvaturePairs) -> Vector | None:
    """The L-BFGS step (two-loop recursion) over the values no bound holds.

    Args:
        x: The current point, in ``[0, 1]``.
        gradient: The loss's gradient there.
        pairs: The curvature pairs (read, not changed).

    Returns:
        The step, or ``None`` when there are no pairs or the step would not go downhill.
    """
    if not pairs:
        return None
    free = free_values(x, gradient)
    q = np.where(free, gradient, np.float32(0.0))
    alphas = []
    for s, y, rho in reversed(pairs.pairs):
        alpha = rho * float(np.dot(s, q))
        alphas.append(alpha)
        q -= np.float32(alpha) * y
    q = pairs.initial_step(q)
    for (s, y, rho), alpha in zip(pairs.pairs, reversed(alphas)):
        q += np.float32(alpha - rho * float(np.dot(y, q))) * s
    direction = -np.where(free, q, np.float32(0.0))
    return direction if float(np.dot(gradient, direction)) < 0 else None


def gradient_direction(x: Vector, gradient: Vector) -> Vector:
    """The step down the gradient that moves no free value by more than :data:`LBFGS_FIRST_STEP`.

    Values a bound holds stay still; all zeros if every value is held or the gradient is zero.
    """
    projected = np.where(free_values(x, gradient), gradient, np.float32(0.0))
    largest = float(np.abs(projected).max())
    if not largest:
        return np.zeros_like(projected)
    return -projected * np.float32(LBFGS_FIRST_STEP / largest)
