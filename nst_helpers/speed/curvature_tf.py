"""L-BFGS's curvature arithmetic as TensorFlow ops: the solver runs where the network runs.

:class:`TensorCurvaturePairs` is :class:`nst_helpers.speed.curvature.CurvaturePairs` (the NumPy
version to read) on tensors of the picture's shape, ``[1, H, W, 3]``, for the one driver
:func:`nst_helpers.speed.lbfgs.minimize`. With NumPy, the loop would copy the picture and its
gradient to the host at every step. Here the pairs live in fixed-size ``tf.Variable`` s used as a
ring buffer, so every step runs the same compiled functions (traced once per image size), and the
two-loop recursion is compiled by XLA where every GPU is a CUDA one. Only a few scalars a step
come back to Python. ``tests/speed/test_curvature_tf.py`` checks both give the same steps.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from .lbfgs import (
    LBFGS_FIRST_STEP,
    LBFGS_SCALE_RANGE,
    LBFGS_SCALE_WINDOW,
    LBFGS_SMOOTHING_GAIN,
    LBFGS_SMOOTHING_RADII,
    lbfgs_memory,
)


def dot(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """``aᵀb`` of two tensors of the same shape, as if both were flat vectors."""
    return tf.reduce_sum(a * b)


def free_values(x: tf.Tensor, gradient: tf.Tensor) -> tf.Tensor:
    """Which values no bound holds: not at 0 pushed down, not at 1 pushed up (a boolean mask)."""
    return ~(((x <= 0.0) & (gradient > 0)) | ((x >= 1.0) & (gradient < 0)))


def quasi_newton_direction(
    x: tf.Tensor, gradient: tf.Tensor, pairs: TensorCurvaturePairs
) -> tf.Tensor:
    """The L-BFGS step by the two-loop recursion (Nocedal & Wright, algorithm 7.4), free values only.

    The textbook's loops over the pairs, newest first and then oldest first; the initial step
    between them is :meth:`TensorCurvaturePairs.initial_step`. Call it only when there are pairs.

    Args:
        x: The current point, in ``[0, 1]``.
        gradient: The loss's gradient there.
        pairs: The curvature pairs (read, not changed).

    Returns:
        The step (it may point uphill: the caller checks).
    """
    free = free_values(x, gradient)
    q = tf.where(free, gradient, 0.0)
    alphas = tf.TensorArray(tf.float32, size=pairs.memory)
    # Both loops run over every slot, a slot without a pair adding exactly 0 (``kept`` is 0):
    # a fixed number of turns lets XLA compile them once, not once per number of pairs.
    for age in tf.range(pairs.memory):  # newest pair first
        s, y, rho = pairs.pair(age)
        kept = tf.cast(age < pairs.count, tf.float32)
        alpha = kept * rho * dot(s, q)
        alphas = alphas.write(age, alpha)
        q -= alpha * y
    q = pairs.initial_step(q)
    for age in tf.range(pairs.memory - 1, -1, -1):  # oldest pair first
        s, y, rho = pairs.pair(age)
        kept = tf.cast(age < pairs.count, tf.float32)
        q += kept * (alphas.read(age) - rho * dot(y, q)) * s
    return -tf.where(free, q, 0.0)


def gradient_direction(x: tf.Tensor, gradient: tf.Tensor) -> tf.Tensor:
    """The step down the gradient that moves no free value by more than ``LBFGS_FIRST_STEP``."""
    projected = tf.where(free_values(x, gradient), gradient, 0.0)
    largest = tf.reduce_max(tf.abs(projected))
    return -projected * tf.math.divide_no_nan(tf.constant(LBFGS_FIRST_STEP), largest)


def box_sums(values: tf.Tensor, radius: int) -> tf.Tensor:
    """Sums over the square of ``2 × radius + 1`` pixels around each pixel, cut off at the edges.

    The same as :func:`nst_helpers.speed.lbfgs._box_sums`, by running totals along the rows and then
    the columns: with ``radius + 1`` zeros before a row and ``radius`` after it, each pixel's sum
    is the running total ``2 × radius + 1`` places on minus the one at its own place.
    """
    sums = values
    for axis in (1, 2):
        length = sums.shape[axis]
        padding = [[0, 0]] * 4
        padding[axis] = [radius + 1, radius]
        running = tf.cumsum(tf.pad(sums, padding), axis=axis)
        begin, size = [0, 0, 0, 0], [-1, -1, -1, -1]
        size[axis] = length
        low = tf.slice(running, begin, size)  # the running total at each pixel's own place
        begin[axis] = 2 * radius + 1
        sums = tf.slice(running, begin, size) - low  # … and 2 × radius + 1 places on
    return sums


def xla_compiles_here() -> bool:
    """Whether XLA compiles for every device here: CPUs and CUDA GPUs, not other plugins (Metal).

    A CUDA GPU lists its compute capability; a GPU from another plugin does not, and there the
    recursion runs as plain TensorFlow ops (the same values, more kernel launches).
    """
    gpus = tf.config.list_physical_devices("GPU")
    return all("compute_capability" in tf.config.experimental.get_device_details(g) for g in gpus)


class TensorCurvaturePairs(tf.Module):
    """:class:`nst_helpers.speed.lbfgs.CurvaturePairs` in fixed-size variables: a ring buffer of pairs.

    ``steps[i]`` and ``changes[i]`` hold a step ``s`` and its gradient change ``y``;
    ``inverse_curvatures[i]`` its ``ρ = 1 / sᵀy``. :attr:`count` pairs are kept, the newest in
    slot ``head - 1``. Also kept, per value, the sums of ``s·y`` and ``y·y`` over the pairs, for
    the per-region scale. Make one per image shape and reuse it (:meth:`clear` between runs): its
    compiled methods are traced once.

    Args:
        memory: How many pairs to keep (the oldest is overwritten).
        shape: The image's shape, ``[1, H, W, 3]``.
        per_region: Each pixel's own scale (the default); ``False``: one for the whole image.
        smoothing: Add the smoothed copies of the step (the default); ``False``: none.
    """

    def __init__(
        self, memory: int, shape: Sequence[int], per_region: bool = True, smoothing: bool = True
    ) -> None:
        super().__init__(name="curvature_pairs")
        self.memory, self.shape = int(memory), tuple(int(side) for side in shape)
        self.per_region, self.smoothing = bool(per_region), bool(smoothing)

        def zeros(*leading: int) -> tf.Variable:
            return tf.Variable(tf.zeros([*leading, *self.shape]), trainable=False)

        self.steps, self.changes = zeros(self.memory), zeros(self.memory)
        self.inverse_curvatures = tf.Variable(tf.zeros([self.memory]), trainable=False)
        self.count = tf.Variable(0, trainable=False)
        self.head = tf.Variable(0, trainable=False)
        self.sum_sy, self.sum_yy = zeros(), zeros()
        # XLA fuses the recursion's many small passes over the picture into a few kernels
        self._two_loop = tf.function(
            lambda x, gradient: quasi_newton_direction(x, gradient, self),
            jit_compile=xla_compiles_here(),
        )
        # compiled once: the step length goes in as a tensor, so a new length is no new trace
        picture, number = tf.TensorSpec(self.shape, tf.float32), tf.TensorSpec([], tf.float32)
        self.trial = tf.function(self._trial, input_signature=[picture, picture, number, picture])

    def __len__(self) -> int:
        return int(self.count.numpy())

    def start(self, x: tf.Tensor) -> tf.Tensor:
        """Forget every pair; return ``x`` as a float32 tensor clipped to ``[0, 1]``."""
        self.clear()
        return tf.clip_by_value(tf.convert_to_tensor(x, tf.float32), 0.0, 1.0)

    def _trial(
        self, x: tf.Tensor, direction: tf.Tensor, length: tf.Tensor, gradient: tf.Tensor
    ) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """A line-search trial (``self.trial``, compiled): ``x + length × direction`` in ``[0, 1]``.

        Returns:
            The trial point, the move from ``x`` to it, and the change of the loss the gradient
            predicts for that move (``gradientᵀ move``, for Armijo's rule).
        """
        candidate = tf.clip_by_value(x + length * direction, 0.0, 1.0)
        moved = candidate - x
        return candidate, moved, dot(gradient, moved)

    def pair(self, age: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """``(s, y, ρ)`` of the pair ``age`` steps older than the newest (0: the newest)."""
        slot = (self.head - 1 - age) % self.memory
        # tf.gather reads just that slot of a variable; indexing would copy the whole variable
        return (
            tf.gather(self.steps, slot),
            tf.gather(self.changes, slot),
            tf.gather(self.inverse_curvatures, slot),
        )

    @tf.function
    def add(self, step: tf.Tensor, change: tf.Tensor) -> None:
        """Keep a step and its gradient change, unless the loss curved the wrong way along it."""
        curvature = dot(step, change)
        if curvature > 1e-10 * dot(change, change):
            slot = self.head.read_value()
            if self.count == self.memory:  # the oldest pair, in this slot, leaves the sums
                old_step, old_change = tf.gather(self.steps, slot), tf.gather(self.changes, slot)
                self.sum_sy.assign_sub(old_step * old_change)
                self.sum_yy.assign_sub(tf.square(old_change))
            self.steps[slot].assign(step)
            self.changes[slot].assign(change)
            self.inverse_curvatures[slot].assign(1.0 / curvature)
            self.sum_sy.assign_add(step * change)
            self.sum_yy.assign_add(tf.square(change))
            self.head.assign((slot + 1) % self.memory)
            self.count.assign(tf.minimum(self.count + 1, self.memory))

    @tf.function
    def clear(self) -> None:
        """Forget every pair (after the model of the curvature misled a step)."""
        self.count.assign(0)
        self.head.assign(0)
        self.sum_sy.assign(tf.zeros_like(self.sum_sy))
        self.sum_yy.assign(tf.zeros_like(self.sum_yy))

    def scale(self) -> tf.Tensor:
        """The initial inverse curvature per value: ``Σs·y / Σy·y`` around each pixel.

        Within ``LBFGS_SCALE_RANGE`` of the newest pair's ``sᵀy / yᵀy``, which also stands in
        where a pixel has no usable estimate (and everywhere without :attr:`per_region`).
        """
        _, change, rho = self.pair(0)
        overall = 1.0 / (rho * dot(change, change))
        if not self.per_region:
            return tf.fill(self.shape, overall)
        radius = LBFGS_SCALE_WINDOW // 2
        own = box_sums(self.sum_sy, radius) / box_sums(self.sum_yy, radius)
        own = tf.where(tf.math.is_finite(own) & (own > 0), own, overall)
        return tf.clip_by_value(own, overall / LBFGS_SCALE_RANGE, overall * LBFGS_SCALE_RANGE)

    def initial_step(self, gradient: tf.Tensor) -> tf.Tensor:
        """:meth:`scale` times ``gradient``, plus its smoothed copies (see the NumPy version)."""
        scale = self.scale()
        step = scale * gradient
        if not self.smoothing:
            return step
        root = tf.sqrt(scale)
        spread = root * gradient
        for radius in LBFGS_SMOOTHING_RADII:  # a tent-shaped blur: a box sum taken twice
            smooth = box_sums(box_sums(spread, radius), radius)
            step += float(np.float32(LBFGS_SMOOTHING_GAIN / (2 * radius + 1) ** 4)) * root * smooth
        return step

    @tf.function
    def direction(self, x: tf.Tensor, gradient: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """The step to try from ``x``: L-BFGS's, or the gradient's when that goes nowhere downhill.

        With no pairs, or when the pairs' step points uphill, the pairs are forgotten and the
        step is :func:`gradient_direction`'s.

        Returns:
            The step, and whether it moves any value at all (a boolean scalar).
        """
        step = tf.zeros_like(gradient)
        if self.count > 0:
            step = self._two_loop(x, gradient)
        if not dot(gradient, step) < 0:  # no pairs yet, or the curvature model pointed uphill
            self.clear()
            step = gradient_direction(x, gradient)
        return step, tf.reduce_any(step != 0.0)


_SHARED: dict[tuple, TensorCurvaturePairs] = {}


def shared_pairs(shape: Sequence[int]) -> TensorCurvaturePairs:
    """The pairs :func:`minimize` uses for pictures of ``shape``: made once, reused by every run.

    Their memory is ``lbfgs_memory`` pairs, both tricks on. Reusing them saves their compiled
    functions from being traced again in every run (the same reason the loss is compiled once
    per image size).
    """
    shape = tuple(int(side) for side in shape)
    if shape not in _SHARED:
        if len(_SHARED) >= 2:  # each holds up to LBFGS_MEMORY_BYTES of pairs
            _SHARED.clear()
        _SHARED[shape] = TensorCurvaturePairs(lbfgs_memory(int(np.prod(shape))), shape)
    return _SHARED[shape]
