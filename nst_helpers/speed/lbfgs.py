"""Projected L-BFGS: the Gatys loop's solver, its loop and line search written once.

:func:`minimize` lowers a function of a picture whose values must stay in ``[0, 1]``. It knows
nothing of networks: it asks ``loss_and_gradient(x, precision)`` for the loss and its gradient and
stops when that function answers ``None``; the caller keeps the history and the best picture. The
arithmetic on vectors is plugged in as *pairs*, L-BFGS's memory of recent steps:
:class:`~nst_helpers.speed.curvature.CurvaturePairs` in NumPy (to read, and the tests' oracle) or
:class:`~nst_helpers.speed.curvature_tf.TensorCurvaturePairs` in TensorFlow ops, which
:func:`nst_helpers.gatys.stylize` uses so that the picture stays on the device.

A step is halved until the loss falls enough (Armijo's rule). With mixed precision the first steps
may be measured in bfloat16 (:class:`PrecisionSchedule`), keeping the pairs when it ends. Every
call of ``loss_and_gradient`` is one *step*, kept or not, as the loop counts them. Notebook 03
explains what L-BFGS does; notebook 05 (optional) compares it with SciPy's L-BFGS-B.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

#: The solver's vectors: flat float32 NumPy arrays, or tensors of the picture's shape.
Vector = Any
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

    bfloat16 features are slightly off. While the loss falls fast that does not matter, and the
    steps are faster where bfloat16 is native; near the end it stalls the descent. So bfloat16 lasts until
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


class Pairs(Protocol):  # noqa: D101 - the methods are documented where they are written
    """The arithmetic :func:`minimize` needs: L-BFGS's memory and its steps, on some kind of vector.

    ``start`` forgets the pairs and returns the clipped starting point; ``direction`` gives the
    step to try and whether it moves anything; ``trial`` the clipped trial point, the move and the
    loss change the gradient predicts; ``add`` keeps a pair; ``clear`` forgets them.
    """

    def __len__(self) -> int: ...  # noqa: D105
    def start(self, x: Vector) -> Vector: ...  # noqa: D102
    def direction(self, x: Vector, gradient: Vector) -> tuple[Vector, Any]: ...  # noqa: D102
    def trial(self, x: Vector, direction: Vector, length: float, gradient: Vector) -> tuple: ...  # noqa: D102
    def add(self, step: Vector, change: Vector) -> None: ...  # noqa: D102
    def clear(self) -> None: ...  # noqa: D102


def minimize(
    loss_and_gradient: LossAndGradient,
    x: Vector,
    pairs: Pairs,
    schedule: PrecisionSchedule | None = None,
) -> tuple[Vector, str]:
    """Lower ``loss_and_gradient`` by projected L-BFGS from ``x``, keeping values in ``[0, 1]``.

    Args:
        loss_and_gradient: Returns ``(loss, gradient)`` at a point for a precision, or ``None``
            to stop the solver (the caller's budget, stopping rule or callback).
        x: The starting point (clipped to ``[0, 1]`` first).
        pairs: The curvature arithmetic: NumPy's ``CurvaturePairs`` or TensorFlow's
            ``TensorCurvaturePairs``; forgotten first.
        schedule: When to measure in bfloat16 (default: float32 throughout).

    Returns:
        The last point accepted, and why the solver stopped on its own (``""`` when
        ``loss_and_gradient`` stopped it).
    """
    schedule = PrecisionSchedule() if schedule is None else schedule
    x = pairs.start(x)
    measured = _measure(loss_and_gradient, x, schedule)
    stuck = False
    while measured is not None:
        loss, gradient = measured
        if schedule.switch_if_due(stuck):  # measure here again in float32; keep the pairs
            measured = _measure(loss_and_gradient, x, schedule)
            continue
        direction, moves = pairs.direction(x, gradient)
        if not bool(moves):
            return x, "the gradient is zero inside [0, 1]"
        # The line search: halve the step until the loss falls enough (Armijo's rule); give up,
        # keeping the last trial, below MIN_STEP or when the bfloat16 steps are spent.
        length = 1.0
        while True:
            # the pixels move: clip(x + length·direction) to [0, 1]
            candidate, moved, predicted = pairs.trial(x, direction, length, gradient)
            trial = _measure(loss_and_gradient, candidate, schedule)
            if trial is None:
                return x, ""
            new_loss, new_gradient = trial
            enough = new_loss <= loss + ARMIJO * float(predicted)
            if enough or schedule.bfloat16_spent or length < MIN_STEP:
                break
            length *= 0.5
        if new_loss > loss:
            if schedule.in_bfloat16:
                stuck = True  # bfloat16 is too coarse here: on in float32
                continue
            if not len(pairs):
                return x, "no step lowers the loss any more"
            pairs.clear()  # the curvature model misled; start again from the gradient
            continue
        pairs.add(moved, new_gradient - gradient)
        x, measured = candidate, trial
    return x, ""


def _measure(
    loss_and_gradient: LossAndGradient, x: Vector, schedule: PrecisionSchedule
) -> tuple[float, Vector] | None:
    """Call ``loss_and_gradient`` at the schedule's precision; the schedule sees the loss."""
    measured = loss_and_gradient(x, schedule.precision)
    if measured is not None:
        schedule.observe(measured[0])
    return measured
