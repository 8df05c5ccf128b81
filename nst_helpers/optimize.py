"""The Gatys et al. optimisation loop (taught in notebook 03).

:func:`stylize` turns a content image into a picture with the style of another by gradient descent
on the pixels. Two optimizers:

* ``"adam"`` — the TensorFlow tutorial's settings (learning rate 0.02, β1 0.99, ε 0.1), pixels
  clipped to ``[0, 1]`` after each step;
* ``"lbfgs"`` — L-BFGS with TensorFlow gradients, pixels kept in ``[0, 1]`` (projected: pixels a
  bound holds stay out of the step), a halving line search and 30 curvature pairs, each part of
  the picture with its own step scale (the curvature around it, estimated from those pairs), and
  longer steps for broad changes than for fine detail.

One *step* is one forward and backward pass through the network for both, so step counts and
times compare directly.

Mixed precision (L-BFGS only): on a CPU that computes bfloat16 natively, the first half of the
steps run the network in bfloat16, about twice as fast. Its features are 0.3–1 % off; while the
loss still falls fast that does not matter, but near the end it stalls the descent, so the rest
of the steps run in float32, keeping the curvature pairs. The returned image and its losses are
float32 ones.

The loss and its gradient are compiled once per image size (and per backbone and layer choice);
the loss weights are passed in as tensors, so new weights never re-trace and always take effect.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from .config import (
    MAX_DIM_LIMIT,
    MAX_STEPS,
    MAX_WEIGHT,
    MIN_SIDE,
    OPTIMIZERS,
    estimate_seconds,
    gatys_defaults,
    has_gpu,
    mixed_precision_default,
)
from .errors import NSTError, check_choice, check_float, check_int
from .images import ImageSource, load_image, scale_to_max_dim
from .losses import NORMALIZATIONS, style_content_loss
from .models import (
    BACKBONES,
    CONTENT_LAYERS,
    STYLE_LAYERS,
    Backbone,
    StyleContentExtractor,
    load_backbone,
)

INITS = ("content", "noise")
COMPONENTS = ("total", "content", "style", "total_variation")

#: The TF tutorial's Adam settings.
ADAM_SETTINGS = {"learning_rate": 0.02, "beta_1": 0.99, "beta_2": 0.999, "epsilon": 0.1}
#: A loss this many times its first value means the run has blown up.
EXPLOSION_FACTOR = 1e6
#: The loop stops early when the best loss improves by less than this fraction over
#: :data:`STOP_WINDOW` steps (``tolerance=0`` turns the rule off).
DEFAULT_TOLERANCE = 1e-3
STOP_WINDOW = 25
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
#: … and fewer if the best loss falls by less than this fraction over :data:`STOP_WINDOW` of them.
MIXED_STALL = 0.01

Callback = Callable[[int, dict[str, float], tf.Tensor], "bool | None"]


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


class GatysStylizer:
    """Holds a backbone, its feature extractor and the compiled loss, reused across runs.

    Most users call :func:`stylize`, which keeps one of these per backbone. Make your own to choose
    other layers or another loss normalisation.

    Args:
        backbone: A backbone name (see :func:`nst_helpers.models.load_backbone`) or a
            :class:`~nst_helpers.models.Backbone`.
        style_layers: Style layers (default ``block1_conv1`` … ``block5_conv1``).
        content_layers: Content layers (default ``block5_conv2``).
        normalization: Loss convention, ``"tf"`` (default), ``"pytorch"`` or ``"gatys"``.

    Raises:
        NSTError: For an unknown backbone, layer or normalisation.
    """

    def __init__(
        self,
        backbone: str | Backbone = "auto",
        style_layers: Sequence[str] = STYLE_LAYERS,
        content_layers: Sequence[str] = CONTENT_LAYERS,
        normalization: str = "tf",
    ) -> None:
        check_choice("normalization", normalization, NORMALIZATIONS)
        if not isinstance(backbone, Backbone):
            backbone = load_backbone(check_choice("backbone", backbone, BACKBONES))
        self.backbone = backbone
        self.normalization = normalization
        self.extractor = StyleContentExtractor(
            backbone, style_layers, content_layers, normalization
        )
        #: How many times the loss function was traced (once per image size).
        self.trace_count = 0
        self._targets: dict[tuple, dict] = {}
        self._sizes: dict[tuple, dict] = {}
        self._loss_and_grads = tf.function(self._loss_and_grads_py)

    # -- compiled pieces ---------------------------------------------------------------------

    def _loss_and_grads_py(self, image, targets, weights, layer_sizes, mixed_precision):
        self.trace_count += 1  # Python side effect: runs only while tracing
        with tf.GradientTape() as tape:
            tape.watch(image)
            losses = style_content_loss(
                self.extractor(image, mixed_precision),
                targets,
                image,
                content_weight=weights[0],
                style_weight=weights[1],
                total_variation_weight=weights[2],
                normalization=self.normalization,
                layer_sizes=layer_sizes,
            )
        grad = tape.gradient(losses["total"], image)
        return tf.stack([losses[name] for name in COMPONENTS]), grad

    def targets(self, content: tf.Tensor, style: tf.Tensor) -> dict:
        """Content features of ``content`` and style Grams of ``style``, cached per image.

        Args:
            content: ``[1, H, W, 3]`` in ``[0, 1]``.
            style: ``[1, h, w, 3]`` in ``[0, 1]``.

        Returns:
            ``{"content": {...}, "style": {...}}`` for :func:`~nst_helpers.losses.style_content_loss`.
        """
        key = (_fingerprint(content), _fingerprint(style))
        if key not in self._targets:
            if len(self._targets) > 8:
                self._targets.clear()
            self._targets[key] = {
                "content": self.extractor(content)["content"],
                "style": self.extractor(style)["style"],
            }
        return self._targets[key]

    def loss(
        self,
        image: tf.Tensor,
        targets: dict,
        weights: dict[str, float],
        mixed_precision: bool = False,
    ) -> tuple[dict[str, float], tf.Tensor]:
        """Weighted loss components of ``image`` and the gradient of the total.

        Args:
            image: ``[1, H, W, 3]`` in ``[0, 1]``.
            targets: From :meth:`targets`.
            weights: ``content_weight``, ``style_weight``, ``total_variation_weight``.
            mixed_precision: Run the network in bfloat16 (see
                :class:`~nst_helpers.models.StyleContentExtractor`).

        Returns:
            The loss components as floats, and the gradient tensor.
        """
        values, grad = self._loss_and_grads(
            tf.convert_to_tensor(image, tf.float32),
            targets,
            _weight_tensor(weights),
            self._layer_sizes(image),
            bool(mixed_precision),
        )
        return dict(zip(COMPONENTS, values.numpy().tolist())), grad

    def _layer_sizes(self, image: tf.Tensor) -> dict | None:
        """Gatys' ``(N, M)`` per style layer; they depend only on the image's shape."""
        if self.normalization != "gatys":
            return None
        shape = tuple(image.shape)
        if shape not in self._sizes:
            self._sizes[shape] = self.extractor.layer_sizes(image)
        return self._sizes[shape]

    # -- the loop ----------------------------------------------------------------------------

    def stylize(
        self,
        content: ImageSource,
        style: ImageSource,
        *,
        max_dim: int | None = None,
        steps: int | None = None,
        content_weight: float | None = None,
        style_weight: float | None = None,
        total_variation_weight: float | None = None,
        optimizer: str = "lbfgs",
        init: str = "content",
        learning_rate: float = ADAM_SETTINGS["learning_rate"],
        num_snapshots: int = 10,
        tolerance: float = DEFAULT_TOLERANCE,
        seed: int = 0,
        callback: Callback | None = None,
        progress: bool = True,
        mixed_precision: bool | None = None,
    ) -> StyleTransferResult:
        """Stylise ``content`` with ``style``; see :func:`stylize` for the arguments."""
        defaults = gatys_defaults()
        max_dim = check_int(
            "max_dim", defaults["max_dim"] if max_dim is None else max_dim, MIN_SIDE, MAX_DIM_LIMIT
        )
        steps = check_int("steps", defaults["steps"] if steps is None else steps, 1, MAX_STEPS)
        tolerance = check_float("tolerance", tolerance, 0.0, 1.0)
        optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
        init = check_choice("init", init, INITS)
        learning_rate = check_float("learning_rate", learning_rate, 0.0, 10.0, low_open=True)
        num_snapshots = check_int("num_snapshots", num_snapshots, 0, 1000)
        weights = self._resolve_weights(content_weight, style_weight, total_variation_weight)
        if mixed_precision not in (None, True, False):
            raise NSTError(
                f"mixed_precision must be True, False or None (automatic), not {mixed_precision!r}"
            )
        if mixed_precision and optimizer == "adam":
            raise NSTError(
                "mixed_precision works with optimizer='lbfgs' only; Adam runs the tutorial's "
                "float32 loop (leave mixed_precision out)"
            )
        if mixed_precision is None:
            mixed_precision = optimizer == "lbfgs" and mixed_precision_default()
        bfloat16_steps = int(steps * MIXED_FRACTION) if mixed_precision else 0

        content_image = load_image(content, max_dim=max_dim)
        style_image = load_image(style, max_dim=max_dim)
        targets = self.targets(content_image, style_image)
        start = _initial_image(content_image, init, seed)

        if progress:
            height, width = int(content_image.shape[1]), int(content_image.shape[2])
            seconds = estimate_seconds(height, width, steps, bfloat16_steps)
            if seconds > 30:
                mixed = f", the first {bfloat16_steps} in bfloat16" if bfloat16_steps else ""
                print(
                    f"Gatys: up to {steps} {optimizer} steps{mixed} at {width}×{height} px, "
                    f"about {seconds:.0f} s on this {'GPU' if has_gpu() else 'CPU'}."
                )
        run = _Run(
            self,
            targets,
            weights,
            steps,
            num_snapshots,
            callback,
            progress,
            tolerance,
            bfloat16_steps,
        )
        try:
            if optimizer == "adam":
                run.adam(start, learning_rate)
            else:
                run.lbfgs(start)
        finally:
            run.close()
        return run.result(optimizer)

    def _resolve_weights(self, content_weight, style_weight, total_variation_weight):
        given = {
            "content_weight": content_weight,
            "style_weight": style_weight,
            "total_variation_weight": total_variation_weight,
        }
        defaults = self.backbone.default_weights
        return {
            name: check_float(name, defaults[name] if value is None else value, 0.0, MAX_WEIGHT)
            for name, value in given.items()
        }


class _Run:
    """State of one optimisation: history, best image, snapshots, progress and stopping."""

    def __init__(
        self,
        stylizer,
        targets,
        weights,
        steps,
        num_snapshots,
        callback,
        progress,
        tolerance,
        bfloat16_steps=0,
    ):
        self.tolerance = tolerance
        self.stylizer = stylizer
        self.targets = targets
        self.weights = weights
        self.steps = steps
        self.callback = callback
        self.history: dict[str, list[float]] = {name: [] for name in COMPONENTS}
        self.times: list[float] = []
        self.snapshots: list[tuple[int, tf.Tensor]] = []
        count = min(num_snapshots, steps)
        self.snapshot_steps = set(np.linspace(0, steps - 1, count).round().astype(int).tolist())
        self.best_loss = math.inf
        self.best_image: tf.Tensor | None = None
        self.best_step = 0
        self.stop_reason = ""
        self.start = time.perf_counter()
        self.bar = _progress_bar(steps) if progress else None
        # Adam's steps are all taken; L-BFGS's line search may try a far-off point and back off.
        self.guard_explosion = True
        # Mixed precision: the most steps that may run in bfloat16; the first float32 step.
        self.bfloat16_steps = bfloat16_steps
        self.float32_start = 0

    @property
    def mixed(self) -> bool:
        """Whether the network runs in bfloat16 now."""
        return self.float32_start == 0 and self.bfloat16_steps > 0

    def record(self, image: tf.Tensor) -> tf.Tensor | None:
        """Evaluate ``image``; record it; return the gradient, or None to stop."""
        step = len(self.times)
        losses, grad = self.stylizer.loss(image, self.targets, self.weights, self.mixed)
        total = losses["total"]
        if not math.isfinite(total):
            self.stop_reason = (
                f"the loss became {total} at step {step}; stopped and kept the best image "
                "(lower the weights or the learning rate)"
            )
            return None
        if self.guard_explosion and step and total > EXPLOSION_FACTOR * self.history["total"][0]:
            self.stop_reason = (
                f"the loss exploded to {total:.3g} at step {step}; stopped and kept the best "
                "image (lower the learning rate)"
            )
            return None
        for name in COMPONENTS:
            self.history[name].append(losses[name])
        self.times.append(time.perf_counter() - self.start)
        if total < self.best_loss:
            self.best_loss, self.best_image, self.best_step = total, image, step
        if not self.mixed and self._converged(step):  # bfloat16 steps stop nothing
            self.stop_reason = (
                f"converged: the loss fell by less than {self.tolerance:.0e} of itself over the "
                f"last {STOP_WINDOW} steps (step {step})"
            )
        if step in self.snapshot_steps:
            self.snapshots.append((step, tf.identity(image)))
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{total:.4g}", refresh=False)
        if self.callback is not None and self.callback(step, losses, image) is False:
            self.stop_reason = f"the callback stopped the run at step {step}"
            return None
        return grad

    def _converged(self, step: int) -> bool:
        """Whether the best loss improved by less than ``tolerance`` over the last window."""
        return bool(self.tolerance) and self._gain(step) < self.tolerance

    def _gain(self, step: int) -> float:
        """How much the best loss fell over the last window, as a fraction (inf if too early).

        Only this precision's steps count: bfloat16 and float32 losses differ slightly.
        """
        start = self.float32_start
        if step - start < STOP_WINDOW:
            return math.inf
        before = min(self.history["total"][start : step - STOP_WINDOW + 1])
        return (before - self.best_loss) / before

    def _switch_to_float32(self, stuck: bool) -> bool:
        """Go on in float32 if bfloat16 is stuck, stalls or has had its steps; say if it did."""
        if not self.mixed:
            return False
        step = len(self.times) - 1
        stalled = self._gain(step) < max(MIXED_STALL, self.tolerance)
        if stuck or stalled or self.bfloat16_spent:
            self.float32_start = step + 1
            self.best_loss = math.inf  # the image returned is a float32-measured one
            return True
        return False

    @property
    def bfloat16_spent(self) -> bool:
        """Whether the bfloat16 phase has had all its steps."""
        return self.mixed and len(self.times) >= self.bfloat16_steps

    @property
    def done(self) -> bool:
        return len(self.times) >= self.steps or bool(self.stop_reason)

    def adam(self, image: tf.Tensor, learning_rate: float) -> None:
        # Hyper-parameters go in as tensors so that the update is traced once, not per value.
        settings = {**ADAM_SETTINGS, "learning_rate": learning_rate}
        hyper = {k: tf.constant(val, tf.float32) for k, val in settings.items()}
        m = tf.zeros_like(image)
        v = tf.zeros_like(image)
        t = 0
        while not self.done:
            grad = self.record(image)
            if grad is None:
                break
            t += 1
            image, m, v = _adam_update(image, grad, m, v, tf.constant(float(t)), **hyper)

    def lbfgs(self, image: tf.Tensor) -> None:
        """Projected L-BFGS: quasi-Newton steps, pixels clipped to ``[0, 1]``.

        Pixels that a bound holds (at 0 with the gradient pushing down, or at 1 pushing up) are
        left out of the step. A step is halved until the loss falls enough (Armijo); every
        evaluation, kept or not, is one step.
        """
        self.guard_explosion = False
        shape = image.shape
        x = np.clip(np.asarray(image, np.float32).ravel(), 0.0, 1.0)
        pairs = CurvaturePairs(lbfgs_memory(x.size), shape)
        loss, grad = self._evaluate(x, shape)
        stuck = False
        while grad is not None and not self.done:
            if self._switch_to_float32(stuck):  # measure here again in float32; keep the pairs
                loss, grad = self._evaluate(x, shape)
                continue
            direction = _lbfgs_direction(x, grad, pairs)
            if not direction.any():
                self.stop_reason = (
                    f"converged: the gradient is zero inside [0, 1] (step {len(self.times) - 1})"
                )
                return
            step = 1.0
            while True:
                candidate = np.clip(x + step * direction, 0.0, 1.0)
                moved = candidate - x
                new_loss, new_grad = self._evaluate(candidate, shape)
                if new_grad is None:
                    return
                predicted = float(np.dot(grad, moved))
                enough = new_loss <= loss + ARMIJO * predicted
                if enough or self.done or self.bfloat16_spent or step < MIN_STEP:
                    break
                step *= 0.5
            if new_loss > loss:
                if self.mixed:
                    stuck = True  # bfloat16 is too coarse here: on in float32
                    continue
                if not pairs:
                    self.stop_reason = (
                        f"converged: no step lowers the loss any more (step {len(self.times) - 1})"
                    )
                    return
                pairs.clear()  # the curvature model misled; start again from the gradient
                continue
            pairs.add(moved, new_grad - grad)
            x, loss, grad = candidate, new_loss, new_grad

    def _evaluate(self, x: np.ndarray, shape) -> tuple[float, np.ndarray | None]:
        """Record the flat image ``x``; return its loss and flat gradient (None to stop)."""
        grad = self.record(tf.constant(x.reshape(shape)))
        if grad is None:
            return math.nan, None
        return self.history["total"][-1], grad.numpy().ravel()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def result(self, optimizer: str) -> StyleTransferResult:
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
            elapsed=time.perf_counter() - self.start,
            steps=len(self.times),
            best_step=self.best_step,
            backbone=self.stylizer.backbone.name,
            optimizer=optimizer,
            weights=dict(self.weights),
            stop_reason=self.stop_reason,
            bfloat16_steps=len(self.times) if self.mixed else self.float32_start,
        )


@tf.function
def _adam_update(image, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon):
    """One Adam update as Keras does it, then clip to ``[0, 1]``."""
    m = beta_1 * m + (1.0 - beta_1) * grad
    v = beta_2 * v + (1.0 - beta_2) * tf.square(grad)
    step_size = learning_rate * tf.sqrt(1.0 - beta_2**t) / (1.0 - beta_1**t)
    image = image - step_size * m / (tf.sqrt(v) + epsilon)
    return tf.clip_by_value(image, 0.0, 1.0), m, v


def lbfgs_memory(size: int) -> int:
    """How many L-BFGS pairs to keep for an image of ``size`` values.

    Args:
        size: Number of values (pixels × 3).

    Returns:
        :data:`LBFGS_MEMORY`, or fewer when they would take more than :data:`LBFGS_MEMORY_BYTES`.
    """
    return int(max(3, min(LBFGS_MEMORY, LBFGS_MEMORY_BYTES // (8 * size))))


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
    """

    def __init__(self, memory: int, shape: Sequence[int]) -> None:
        self.pairs: deque = deque(maxlen=memory)
        self.shape = tuple(int(side) for side in shape)
        size = math.prod(self.shape)
        self._sy = np.zeros(size, np.float32)
        self._yy = np.zeros(size, np.float32)

    def __len__(self) -> int:
        return len(self.pairs)

    def add(self, step: np.ndarray, change: np.ndarray) -> None:
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

    def scale(self) -> np.ndarray:
        """The initial inverse curvature per value: ``Σs·y / Σy·y`` around each pixel.

        Kept within :data:`LBFGS_SCALE_RANGE` of the whole-image scale (the newest pair's
        ``s·y / y·y``), which also stands in where a pixel has no usable estimate.
        """
        _, change, rho = self.pairs[-1]
        overall = 1.0 / (rho * float(np.dot(change, change)))
        radius = LBFGS_SCALE_WINDOW // 2
        with np.errstate(divide="ignore", invalid="ignore"):
            own = _box_sums(self._sy, self.shape, radius) / _box_sums(self._yy, self.shape, radius)
        own = np.where(np.isfinite(own) & (own > 0), own, overall)
        low, high = overall / LBFGS_SCALE_RANGE, overall * LBFGS_SCALE_RANGE
        return np.clip(own, low, high).astype(np.float32).ravel()

    def initial_step(self, gradient: np.ndarray) -> np.ndarray:
        """L-BFGS's starting guess of the step for ``gradient``, before the pairs correct it.

        Each value is scaled by :meth:`scale`. Smoothed copies are added as well (each pixel's
        scale weighted in by its square root on both sides, so the whole stays symmetric): a
        change spread over many pixels, such as a region's colour, costs the loss less per pixel
        than a speckle of the same size, so it deserves a longer step. Fine detail keeps
        :meth:`scale` alone.
        """
        scale = self.scale()
        root = np.sqrt(scale)
        spread = (root * gradient).reshape(self.shape)
        step = scale * gradient
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


def _lbfgs_direction(x: np.ndarray, grad: np.ndarray, pairs: CurvaturePairs) -> np.ndarray:
    """The L-BFGS step (two-loop recursion) over the pixels no bound holds.

    With no pairs yet it is the gradient step that moves no pixel by more than
    :data:`LBFGS_FIRST_STEP`; so is any step that would not go downhill.
    """
    free = ~(((x <= 0.0) & (grad > 0)) | ((x >= 1.0) & (grad < 0)))
    projected = np.where(free, grad, np.float32(0.0))
    if pairs:
        q = projected.copy()
        alphas = []
        for s, y, rho in reversed(pairs.pairs):
            alpha = rho * float(np.dot(s, q))
            alphas.append(alpha)
            q -= np.float32(alpha) * y
        q = pairs.initial_step(q)
        for (s, y, rho), alpha in zip(pairs.pairs, reversed(alphas)):
            q += np.float32(alpha - rho * float(np.dot(y, q))) * s
        direction = -np.where(free, q, np.float32(0.0))
        if float(np.dot(grad, direction)) < 0:
            return direction
        pairs.clear()
    largest = float(np.abs(projected).max())
    if not largest:
        return np.zeros_like(projected)
    return -projected * np.float32(LBFGS_FIRST_STEP / largest)


def _initial_image(content: tf.Tensor, init: str, seed: int) -> tf.Tensor:
    if init == "content":
        return tf.identity(content)
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(0.0, 1.0, content.shape).astype(np.float32))


def _weight_tensor(weights: dict[str, float]) -> tf.Tensor:
    return tf.constant(
        [weights["content_weight"], weights["style_weight"], weights["total_variation_weight"]],
        dtype=tf.float32,
    )


def _fingerprint(image: tf.Tensor) -> tuple:
    array = np.asarray(image)
    return array.shape, hashlib.blake2b(array.tobytes(), digest_size=16).hexdigest()


def _progress_bar(steps: int):
    from tqdm.auto import tqdm

    return tqdm(total=steps, desc="Gatys", unit="step", leave=False)


# --- the one-call entry point --------------------------------------------------------------------

_STYLIZERS: dict[str, GatysStylizer] = {}


def get_stylizer(backbone: str = "auto") -> GatysStylizer:
    """The shared :class:`GatysStylizer` for a backbone (built on first use).

    Args:
        backbone: ``"auto"``, ``"vgg19"`` or ``"vgg16-hed"``.

    Returns:
        The stylizer, reused by every :func:`stylize` call with this backbone.
    """
    check_choice("backbone", backbone, BACKBONES)
    if backbone not in _STYLIZERS:
        _STYLIZERS[backbone] = GatysStylizer(backbone)
    return _STYLIZERS[backbone]


def stylize(
    content: ImageSource,
    style: ImageSource,
    *,
    backbone: str = "auto",
    max_dim: int | None = None,
    steps: int | None = None,
    content_weight: float | None = None,
    style_weight: float | None = None,
    total_variation_weight: float | None = None,
    optimizer: str = "lbfgs",
    init: str = "content",
    learning_rate: float = ADAM_SETTINGS["learning_rate"],
    num_snapshots: int = 10,
    tolerance: float = DEFAULT_TOLERANCE,
    seed: int = 0,
    callback: Callback | None = None,
    progress: bool = True,
    mixed_precision: bool | None = None,
) -> StyleTransferResult:
    """Stylise ``content`` with the style of ``style`` by the method of Gatys et al.

    Args:
        content: The content image (anything :func:`nst_helpers.images.load_image` takes).
        style: The style image (likewise).
        backbone: ``"auto"`` (VGG19 if it can be loaded, else ``vgg16-hed``), ``"vgg19"`` or
            ``"vgg16-hed"``.
        max_dim: Longest side of both images in pixels (default: 512 on a GPU, 256 on a CPU).
        steps: The most forward-and-backward passes (Adam steps, or L-BFGS function
            evaluations); default 500 on a GPU, 290 on a CPU (about 90 s at 256 px).
        content_weight: Weight of the content loss; ``None`` takes the backbone's default.
        style_weight: Weight of the style loss; ``None`` takes the backbone's default.
        total_variation_weight: Weight of the total-variation loss; ``None`` takes the default.
        optimizer: ``"lbfgs"`` (the default: fewer passes for the same loss) or ``"adam"``.
        init: Start from the ``"content"`` image or from uniform ``"noise"``.
        learning_rate: Adam's learning rate (the tutorial's 0.02).
        num_snapshots: How many images to keep evenly through the run.
        tolerance: Stop early when the best loss improves by less than this fraction of itself
            over 25 steps; 0 always runs every step.
        seed: Seed of the noise start.
        callback: Called as ``callback(step, losses, image)`` after each step; return ``False``
            to stop.
        progress: Show a progress bar.
        mixed_precision: L-BFGS only: run the first steps (at most half) in bfloat16, the rest in
            float32. ``None`` (the default) does so on a CPU that computes bfloat16 natively,
            where those steps take about half the time; ``False`` runs every step in float32.

    Returns:
        A :class:`StyleTransferResult` with the best image, loss history and snapshots.

    Raises:
        NSTError: For a bad image or an out-of-range parameter, before any work starts.
    """
    return get_stylizer(backbone).stylize(
        content,
        style,
        max_dim=max_dim,
        steps=steps,
        content_weight=content_weight,
        style_weight=style_weight,
        total_variation_weight=total_variation_weight,
        optimizer=optimizer,
        init=init,
        learning_rate=learning_rate,
        num_snapshots=num_snapshots,
        tolerance=tolerance,
        seed=seed,
        callback=callback,
        progress=progress,
        mixed_precision=mixed_precision,
    )


__all__ = ["GatysStylizer", "StyleTransferResult", "get_stylizer", "stylize", "scale_to_max_dim"]
