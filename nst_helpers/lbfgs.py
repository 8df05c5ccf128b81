"""Projected L-BFGS in NumPy: the Gatys loop's solver, written to be read (notebook 05).

The loop (:mod:`nst_helpers.gatys`) runs the same solver as TensorFlow ops,
:mod:`nst_helpers.lbfgs_tf`, so that on a GPU the picture never leaves the device; the tests
check that the two take the same steps.

:func:`minimize` lowers a function of a picture whose values must stay in ``[0, 1]``. It knows
nothing of networks or images beyond their shape: it asks a function
``loss_and_gradient(x, precision)`` for the loss and its gradient at a flat vector ``x``, and stops
when that function answers ``None``. The caller keeps the history, the best picture and decides
when to stop; the solver only says why it stopped on its own.

What it adds to textbook L-BFGS:

* **projection**: pixels a bound holds (at 0 with the gradient pushing down, or at 1 pushing up)
  stay out of the step, and each trial point is clipped to ``[0, 1]``;
* **a step scale per region** (:meth:`CurvaturePairs.scale`): flat sky is stiffer than busy
  rooftops, and one scale for the whole image would make every step as short as the stiffest
  part allows;
* **a smoothed initial step** (:meth:`CurvaturePairs.initial_step`): broad changes get longer steps
  than fine detail, which the network charges more for;
* **a precision schedule** (:class:`PrecisionSchedule`): on a CPU with native bfloat16 the first
  steps may be measured in bfloat16, the rest in float32, keeping the curvature pairs.

Every call of ``loss_and_gradient`` is one *step*, kept or not, as the loop counts them.

``minimize(..., per_region=False, smoothing=False)`` turns the per-region scale and the smoothing
off: then the initial step is the textbook one, ``γ × gradient`` with ``γ = sᵀy / yᵀy`` of the
newest pair (Nocedal & Wright, eq. 7.20). Notebook 05 measures what each of them buys.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

#: The solver's vectors: flat float32 arrays (NumPy ones today).
Vector = np.ndarray
#: ``loss_and_gradient(x, precision)`` → ``(loss, gradient)``, or ``None`` to stop the solver.
#: ``precision`` is ``"bfloat16"`` or ``"float32"``.
LossAndGradient = Callable[[Vector, str], "tuple[float, Vector] | None"]

#: L-BFGS keeps this many recent (step, gradient change) pairs as its model of the curvature …
LBFGS_MEMORY = 30
#: … in at most this many bytes, so large images keep fewer.
LBFGS_MEMORY_BYTES = 200 * 2**20
#: The first L-BFGS step moves no pixel by more than this: no curvature is known yet.
LBFGS_FIRST_STEP = 0.05
#: Each pixel's step scale is read from the square of this many pixels around it …
LBFGS_SCALE_WINDOW = 11
#: … and stays within this factor of the whole image's.
LBFGS_SCALE_RANGE = 10.0
#: Broad changes get longer steps than fine ones: the step is also smoothed over squares of these
#: radii (pixels) …
LBFGS_SMOOTHING_RADII = (2, 8, 32)
#: … and each smoothed copy, weighted by this, is added to it.
LBFGS_SMOOTHING_GAIN = 2.0
#: A step must lower the loss by this fraction of what the gradient predicts (Armijo's rule).
ARMIJO = 1e-4
#: The line search gives up below this step length.
MIN_STEP = 1e-6
#: With mixed precision, at most this fraction of the steps run in bfloat16 …
MIXED_FRACTION = 0.5
#: … and fewer if the best loss falls by less than this fraction …
MIXED_STALL = 0.01
#: … over this many of them (the Gatys loop passes its own stopping window, the same 25).
MIXED_WINDOW = 25

PRECISIONS = ("bfloat16", "float32")


def lbfgs_memory(size: int) -> int:
    """How many L-BFGS pairs to keep for an image of ``size`` values.

    Args:
        size: Number of values (pixels × 3).

    Returns:
        :data:`LBFGS_MEMORY`, or fewer when they would take more than :data:`LBFGS_MEMORY_BYTES`.
    """
    return int(max(3, min(LBFGS_MEMORY, LBFGS_MEMORY_BYTES // (8 * size))))


@dataclass
class PrecisionSchedule:
    """When the loss is measured in bfloat16 and when in float32: the first steps, then never again.

    bfloat16 features are 0.3–1 % off. While the loss falls fast that does not matter, and the
    steps take about half the time; near the end it stalls the descent. So bfloat16 lasts until
    the first of: its share of the steps is spent, the best loss stalls over :attr:`window` steps,
    or a step in bfloat16 cannot go downhill (*stuck*).

    Attributes:
        bfloat16_steps: The most steps measured in bfloat16 (0: float32 throughout).
        stall: bfloat16 ends when the best loss falls by less than this fraction over
            :attr:`window` steps.
        window: Steps over which a stall is judged.
        losses: The losses measured in bfloat16 so far.
        switched: Whether the switch to float32 has happened.
    """

    bfloat16_steps: int = 0
    stall: float = MIXED_STALL
    window: int = MIXED_WINDOW
    losses: list[float] = field(default_factory=list)
    switched: bool = False

    @classmethod
    def for_run(
        cls, steps: int, mixed_precision: bool, tolerance: float = 0.0, window: int = MIXED_WINDOW
    ) -> PrecisionSchedule:
        """The schedule for a run of ``steps`` steps.

        Args:
            steps: The run's most steps; :data:`MIXED_FRACTION` of them may be bfloat16 ones.
            mixed_precision: Whether to start in bfloat16 at all.
            tolerance: The loop's stopping tolerance: bfloat16 also ends when the loss falls by
                less than this (if it exceeds :data:`MIXED_STALL`).
            window: Steps over which a stall is judged.
        """
        bfloat16_steps = int(steps * MIXED_FRACTION) if mixed_precision else 0
        return cls(bfloat16_steps, max(MIXED_STALL, tolerance), window)

    @property
    def precision(self) -> str:
        """``"bfloat16"`` or ``"float32"``: how the next loss is to be measured."""
        return "bfloat16" if self.bfloat16_steps > 0 and not self.switched else "float32"

    @property
    def in_bfloat16(self) -> bool:
        """Whether the loss is measured in bfloat16 now."""
        return self.precision == "bfloat16"

    @property
    def bfloat16_spent(self) -> bool:
        """Whether the bfloat16 phase has had all its steps."""
        return self.in_bfloat16 and len(self.losses) >= self.bfloat16_steps

    def observe(self, loss: float) -> None:
        """Note a loss measured at the current precision."""
        if self.in_bfloat16:
            self.losses.append(loss)

    def stalled(self) -> bool:
        """Whether the best bfloat16 loss fell by less than :attr:`stall` over the last window."""
        last = len(self.losses) - 1
        if last < self.window:
            return False
        before = min(self.losses[: last - self.window + 1])
        return (before - min(self.losses)) / before < self.stall

    def switch_if_due(self, stuck: bool = False) -> bool:
        """Go on in float32 if bfloat16 is stuck, stalled or spent.

        Args:
            stuck: Whether the last line search in bfloat16 failed to go downhill.

        Returns:
            Whether it switched now (never again after the first time).
        """
        if not self.in_bfloat16:
            return False
        if stuck or self.stalled() or self.bfloat16_spent:
            self.switched = True
            return True
        return False


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
    """Sums over the square of ``2 × radius + 1`` pixels around each pixel, per channel.

    The square is cut off at the image's edges.
    """
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


def minimize(
    loss_and_gradient: LossAndGradient,
    x: Vector,
    shape: Sequence[int],
    schedule: PrecisionSchedule | None = None,
    *,
    per_region: bool = True,
    smoothing: bool = True,
) -> tuple[Vector, str]:
    """Lower ``loss_and_gradient`` by projected L-BFGS from ``x``, keeping values in ``[0, 1]``.

    A step is halved until the loss falls enough (:data:`ARMIJO`); each trial is one call of
    ``loss_and_gradient``. The solver never changes ``x`` or the gradients it is given.

    Args:
        loss_and_gradient: Returns ``(loss, gradient)`` at a flat point for a precision, or
            ``None`` to stop the solver (the caller's budget, stopping rule or callback).
        x: The starting point, flat (clipped to ``[0, 1]`` first).
        shape: The picture's shape, ``[1, H, W, 3]``, for the per-region scale and smoothing.
        schedule: When to measure in bfloat16 (default: float32 throughout).
        per_region: A step scale per region (default); ``False``: one for the whole image.
        smoothing: Longer steps for broad changes (default); ``False``: none. With both
            ``False`` the initial step is textbook L-BFGS's ``γ × gradient``, ``γ = sᵀy / yᵀy``.

    Returns:
        The last point accepted, and why the solver stopped on its own (``""`` when
        ``loss_and_gradient`` stopped it).
    """
    schedule = PrecisionSchedule() if schedule is None else schedule
    x = np.clip(np.asarray(x, np.float32).ravel(), 0.0, 1.0)
    pairs = CurvaturePairs(lbfgs_memory(x.size), shape, per_region, smoothing)
    measured = _measure(loss_and_gradient, x, schedule)
    stuck = False
    while measured is not None:
        loss, gradient = measured
        if schedule.switch_if_due(stuck):  # measure here again in float32; keep the pairs
            measured = _measure(loss_and_gradient, x, schedule)
            continue
        direction = quasi_newton_direction(x, gradient, pairs)
        if direction is None:
            pairs.clear()  # none yet, or the curvature model pointed uphill: start from the gradient
            direction = gradient_direction(x, gradient)
        if not direction.any():
            return x, "the gradient is zero inside [0, 1]"
        trial = _line_search(loss_and_gradient, x, loss, gradient, direction, schedule)
        if trial is None:
            return x, ""
        candidate, moved, new_loss, new_gradient = trial
        if new_loss > loss:
            if schedule.in_bfloat16:
                stuck = True  # bfloat16 is too coarse here: on in float32
                continue
            if not pairs:
                return x, "no step lowers the loss any more"
            pairs.clear()  # the curvature model misled; start again from the gradient
            continue
        pairs.add(moved, new_gradient - gradient)
        x, measured = candidate, (new_loss, new_gradient)
    return x, ""


def _line_search(
    loss_and_gradient: LossAndGradient,
    x: Vector,
    loss: float,
    gradient: Vector,
    direction: Vector,
    schedule: PrecisionSchedule,
) -> tuple[Vector, Vector, float, Vector] | None:
    """Halve the step along ``direction`` until the loss falls enough (Armijo).

    Gives up, returning its last trial, below :data:`MIN_STEP` or when the bfloat16 steps are
    spent.

    Returns:
        ``(point, point - x, loss, gradient)`` of the last trial, or ``None`` if told to stop.
    """
    step = 1.0
    while True:
        candidate = np.clip(x + step * direction, 0.0, 1.0)
        moved = candidate - x
        measured = _measure(loss_and_gradient, candidate, schedule)
        if measured is None:
            return None
        new_loss, new_gradient = measured
        predicted = float(np.dot(gradient, moved))
        enough = new_loss <= loss + ARMIJO * predicted
        if enough or schedule.bfloat16_spent or step < MIN_STEP:
            return candidate, moved, new_loss, new_gradient
        step *= 0.5


def _measure(
    loss_and_gradient: LossAndGradient, x: Vector, schedule: PrecisionSchedule
) -> tuple[float, Vector] | None:
    """Call ``loss_and_gradient`` at the schedule's precision and let the schedule see the loss."""
    measured = loss_and_gradient(x, schedule.precision)
    if measured is not None:
        schedule.observe(measured[0])
    return measured
