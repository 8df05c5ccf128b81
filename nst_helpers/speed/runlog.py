"""The books of one Gatys run: what each step measured, the best image, and when to stop.

:class:`RunLog` is what a real run of :meth:`nst_helpers.gatys.GatysStylizer.stylize` needs
beyond the lesson: its closure logs each step (:meth:`RunLog.log`), which tells it when to stop;
the log holds the precision schedule and the curvature pairs L-BFGS runs with, the progress bar
and the time estimate, and turns into the :class:`StyleTransferResult` the loop returns. Its
stopping rules:

* the loss is NaN or infinite, or (for Adam) it *exploded* to :data:`EXPLOSION_FACTOR` times its
  first value — the best image so far is kept;
* the run *converged*: the best loss fell by less than ``tolerance`` of itself over the last
  :data:`STOP_WINDOW` steps (float32 steps only: bfloat16 ones stop nothing);
* the callback returned ``False``;
* the steps are spent.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import tensorflow as tf

from ..config import has_gpu
from ..errors import NSTError
from ..options import DEFAULT_TOLERANCE, StylizeOptions
from .curvature_tf import TensorCurvaturePairs, shared_pairs
from .lbfgs import PrecisionSchedule
from .precision import mixed_precision_default

#: The loss components, in the order the compiled loss returns them.
COMPONENTS = ("total", "content", "style", "total_variation")
#: A loss this many times its first value means the run has blown up.
EXPLOSION_FACTOR = 1e6
#: The loop stops early when the best loss improves by less than ``tolerance`` over this many
#: steps (``tolerance=0`` turns the rule off).
STOP_WINDOW = 25


@dataclass
class StyleTransferResult:
    """What a Gatys run returns.

    Attributes:
        image: The best image seen (lowest total loss), ``[1, H, W, 3]`` in ``[0, 1]``.
        history: Loss per step for each component (``"total"``, ``"content"``, ``"style"``,
            ``"total_variation"``), weights applied.
        times: Seconds since the start at each step (for loss-versus-time curves).
        snapshots: ``(step, image)`` pairs taken evenly through the run, for a grid.
        elapsed: Wall time of the optimisation in seconds.
        steps: Forward-and-backward passes made.
        best_step: The step whose image is :attr:`image`.
        backbone: Name of the backbone used.
        optimizer: ``"adam"`` or ``"lbfgs"``.
        weights: The ``content_weight``, ``style_weight`` and ``total_variation_weight`` used.
        stop_reason: Why the loop stopped early (empty if it ran all its steps).
        bfloat16_steps: How many of the first steps ran in bfloat16 (mixed precision); their
            losses in :attr:`history` are bfloat16 ones. :attr:`image` and :attr:`final_losses`
            come from the float32 steps after them.
    """

    image: tf.Tensor
    history: dict[str, list[float]]
    times: list[float]
    snapshots: list[tuple[int, tf.Tensor]]
    elapsed: float
    steps: int
    best_step: int
    backbone: str
    optimizer: str
    weights: dict[str, float] = field(default_factory=dict)
    stop_reason: str = ""
    bfloat16_steps: int = 0

    @property
    def final_losses(self) -> dict[str, float]:
        """The loss components at :attr:`best_step`."""
        return {name: values[self.best_step] for name, values in self.history.items()}


@dataclass
class RunLog:
    """History, best image, snapshots, progress bar and stopping rules of one run.

    Attributes:
        steps: The most steps the run may take.
        tolerance: The stopping rule's tolerance (0: off).
        snapshot_steps: The steps whose image is kept in :attr:`snapshots`.
        callback: ``callback(step, losses, image)``, called after each step; ``False`` stops.
        bar: A tqdm progress bar, or ``None``.
        guard_explosion: Whether a loss :data:`EXPLOSION_FACTOR` times the first stops the run.
        history: Loss per step for each of :data:`COMPONENTS`.
        times: Seconds since :attr:`started` at each step.
        snapshots: ``(step, image)`` pairs.
        best_loss: The lowest total loss of this precision's steps.
        best_image: The image with :attr:`best_loss`.
        best_step: Its step.
        bfloat16_steps: How many of the first steps were measured in bfloat16.
        stop_reason: Why the run stopped early; empty while it runs.
        started: :func:`time.perf_counter` at the start.
        schedule: Which steps are measured in bfloat16 (mixed precision, L-BFGS only).
        shape: The picture's shape, ``[1, H, W, 3]``.
    """

    steps: int
    tolerance: float = DEFAULT_TOLERANCE
    snapshot_steps: frozenset[int] = frozenset()
    callback: Callable[..., Any] | None = None
    bar: Any = None
    guard_explosion: bool = True
    history: dict[str, list[float]] = field(default_factory=lambda: {n: [] for n in COMPONENTS})
    times: list[float] = field(default_factory=list)
    snapshots: list[tuple[int, tf.Tensor]] = field(default_factory=list)
    best_loss: float = math.inf
    best_image: tf.Tensor | None = None
    best_step: int = 0
    bfloat16_steps: int = 0
    stop_reason: str = ""
    started: float = field(default_factory=time.perf_counter)
    schedule: PrecisionSchedule = field(default_factory=PrecisionSchedule)
    shape: tuple[int, ...] = ()

    @classmethod
    def start(
        cls,
        options: StylizeOptions,
        callback: Callable[..., Any] | None = None,
        shape: Sequence[int] = (),
    ) -> RunLog:
        """The books of a run with ``options`` (checked and resolved) on a picture of ``shape``.

        Decides which steps run in bfloat16, says how long the run will take if that is over
        30 s, and opens the progress bar (both with ``options.progress``).

        Args:
            options: The run's :class:`~nst_helpers.options.StylizeOptions`, ``steps`` filled in.
            callback: ``callback(step, losses, image)``, called after each step; ``False`` stops.
            shape: The picture's shape, ``[1, H, W, 3]``.

        Returns:
            The log, with snapshots spread evenly over ``options.steps`` steps.
        """
        steps, optimizer = options.steps, options.optimizer
        mixed_precision = options.mixed_precision
        if mixed_precision is None:  # automatic: L-BFGS where this machine computes bfloat16
            mixed_precision = optimizer == "lbfgs" and mixed_precision_default()
        schedule = PrecisionSchedule.for_run(steps, mixed_precision, options.tolerance, STOP_WINDOW)
        if options.progress:
            announce_duration(shape, steps, optimizer, schedule.bfloat16_steps)
        count = min(options.num_snapshots, steps)
        snapshot_steps = np.linspace(0, steps - 1, count).round().astype(int).tolist()
        return cls(
            steps,
            options.tolerance,
            frozenset(snapshot_steps),
            callback,
            _progress_bar(steps) if options.progress else None,
            # every Adam step is taken, so a blow-up sticks; L-BFGS's line search may try a
            # far-off point and back off
            guard_explosion=optimizer == "adam",
            schedule=schedule,
            shape=tuple(int(side) for side in shape),
        )

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None:
            self.bar.close()

    @property
    def pairs(self) -> TensorCurvaturePairs:
        """L-BFGS's curvature pairs for this picture's shape (compiled once per shape)."""
        return shared_pairs(self.shape)

    def log(self, losses: dict[str, float], image: tf.Tensor, precision: str = "float32") -> bool:
        """Log one step of the run and apply the stopping rules; whether the run goes on.

        Args:
            losses: The step's loss components.
            image: The picture measured.
            precision: ``"float32"``, or ``"bfloat16"`` if the network ran in bfloat16.

        Returns:
            ``False`` once the run is over: its steps are spent, the loss blew up (that step
            is not logged), it converged, or the callback stopped it.
        """
        if self.stop_if_blown_up(losses["total"]):
            return False
        self.add_step(losses, image, precision)
        self.stop_if_converged()
        if self.callback is not None and self.callback(self.last_step, losses, image) is False:
            self.stop_reason = f"the callback stopped the run at step {self.last_step}"
        return len(self.times) < self.steps and not self.stop_reason

    def solver_stopped(self, why: str) -> None:
        """Note why the solver stopped on its own (``why`` empty: the log stopped it)."""
        if why:
            self.stop_reason = f"converged: {why} (step {self.last_step})"

    @property
    def last_step(self) -> int:
        """The number of the last step logged (the first is 0)."""
        return len(self.times) - 1

    def stop_if_blown_up(self, total: float) -> bool:
        """Stop, and say so, if the total loss of the next step is not finite or exploded."""
        step = len(self.times)
        if not math.isfinite(total):
            self.stop_reason = (
                f"the loss became {total} at step {step}; stopped and kept the best image "
                "(lower the weights or the learning rate)"
            )
        elif self.guard_explosion and step and total > EXPLOSION_FACTOR * self.history["total"][0]:
            self.stop_reason = (
                f"the loss exploded to {total:.3g} at step {step}; stopped and kept the best "
                "image (lower the learning rate)"
            )
        return bool(self.stop_reason)

    def add_step(self, losses: dict[str, float], image: tf.Tensor, precision: str) -> None:
        """Log a step: its losses and time, the best image, a snapshot, the progress bar.

        Args:
            losses: The step's loss components.
            image: The image measured.
            precision: ``"bfloat16"`` or ``"float32"``. The first float32 step after bfloat16
                ones starts the best image afresh: the one returned is float32-measured.
        """
        step = len(self.times)
        if precision == "bfloat16":
            self.bfloat16_steps += 1
        elif step and step == self.bfloat16_steps:
            self.best_loss = math.inf
        for name in COMPONENTS:
            self.history[name].append(losses[name])
        self.times.append(time.perf_counter() - self.started)
        if losses["total"] < self.best_loss:
            self.best_loss, self.best_image, self.best_step = losses["total"], image, step
        if step in self.snapshot_steps:
            self.snapshots.append((step, tf.identity(image)))
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{losses['total']:.4g}", refresh=False)

    def stop_if_converged(self) -> None:
        """Stop if the best loss fell by less than ``tolerance`` over the last window.

        Only the float32 steps are judged: bfloat16 losses differ slightly, and stop nothing.
        """
        step = self.last_step
        first = self.bfloat16_steps  # the first float32 step
        if not self.tolerance or step - first < STOP_WINDOW:
            return
        before = min(self.history["total"][first : step - STOP_WINDOW + 1])
        if (before - self.best_loss) / before < self.tolerance:
            self.stop_reason = (
                f"converged: the loss fell by less than {self.tolerance:.0e} of itself over the "
                f"last {STOP_WINDOW} steps (step {step})"
            )

    def result(self, backbone: str, optimizer: str, weights: dict[str, float]):
        """The run's :class:`StyleTransferResult`.

        Raises:
            NSTError: If not even the first step gave a finite loss.
        """
        if self.best_image is None:
            raise NSTError(
                f"the first step already failed: {self.stop_reason}; check the images and weights"
            )
        if self.stop_reason and self.bar is not None:
            print(f"Stopped early: {self.stop_reason}")
        return StyleTransferResult(
            image=tf.clip_by_value(self.best_image, 0.0, 1.0),
            history=self.history,
            times=self.times,
            snapshots=self.snapshots,
            elapsed=time.perf_counter() - self.started,
            steps=len(self.times),
            best_step=self.best_step,
            backbone=backbone,
            optimizer=optimizer,
            weights=dict(weights),
            stop_reason=self.stop_reason,
            bfloat16_steps=self.bfloat16_steps,
        )


def announce_duration(
    shape: Sequence[int], steps: int, optimizer: str, bfloat16_steps: int
) -> None:
    """Say how long a run of ``steps`` steps on an image of ``shape`` will take, if over 30 s."""
    height, width = int(shape[1]), int(shape[2])
    seconds = estimate_seconds(height, width, steps, bfloat16_steps)
    if seconds > 30:
        in_bfloat16 = f", the first {bfloat16_steps} in bfloat16" if bfloat16_steps else ""
        print(
            f"Gatys: up to {steps} {optimizer} steps{in_bfloat16} at {width}×{height} px, "
            f"about {seconds:.0f} s on this {'GPU' if has_gpu() else 'CPU'}."
        )


def _progress_bar(steps: int):
    from tqdm.auto import tqdm

    return tqdm(total=steps, desc="Gatys", unit="step", leave=False)


#: Seconds per Gatys step (forward and backward) per pixel with the offline VGG16 backbone, from
#: the benchmark's runs on a 2-core CPU (``benchmarks/README.md``); the GPU figure is that page's
#: estimate for a Colab T4, not a measurement.
SECONDS_PER_PIXEL_STEP = {
    "cpu": 0.87 / (256 * 192),
    "cpu-bfloat16": 0.87 * 0.2 / 0.36 / (256 * 192),
    "gpu": 0.1 / (512 * 384),
}


def estimate_seconds(height: int, width: int, steps: int, bfloat16_steps: int = 0) -> float:
    """A rough estimate of a Gatys run's time, printed before long runs.

    Args:
        height: Image height in pixels.
        width: Image width in pixels.
        steps: Forward-and-backward passes.
        bfloat16_steps: How many of them run in bfloat16 (mixed precision, CPU only).

    Returns:
        Seconds, from :data:`SECONDS_PER_PIXEL_STEP`.
    """
    if has_gpu():
        return SECONDS_PER_PIXEL_STEP["gpu"] * height * width * steps
    step_seconds = (steps - bfloat16_steps) * SECONDS_PER_PIXEL_STEP["cpu"]
    step_seconds += bfloat16_steps * SECONDS_PER_PIXEL_STEP["cpu-bfloat16"]
    return step_seconds * height * width
