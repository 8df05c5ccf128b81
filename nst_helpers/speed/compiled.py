"""The Gatys loss compiled once per image size, and what it needs measured once (notebook 05).

:class:`CompiledLoss` runs a stylizer's loss-and-gradient (notebook 03's ``train_step`` without
the update) under ``tf.function``. The weights go in as tensors, so that new weights are no new
trace; Gatys' layer sizes, which depend only on the image's shape, are worked out once per shape;
the targets once per picture; and it counts its traces, which notebook 03 prints.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from ..options import WEIGHT_NAMES
from .runlog import COMPONENTS


class CompiledLoss:
    """A loss-and-gradient function under ``tf.function``, traced once per image size.

    Args:
        loss_and_gradient: ``(image, targets, weights, mixed_precision, layer_sizes)`` →
            ``(losses, gradient)``, ``losses`` a dict with the :data:`COMPONENTS`.
        layer_sizes: ``image`` → Gatys' ``(N, M)`` per style layer, or ``None`` when the loss
            needs none.

    Attributes:
        trace_count: How many times the loss was traced.
    """

    def __init__(self, loss_and_gradient: Callable, layer_sizes: Callable | None = None) -> None:
        self.trace_count = 0
        self._loss_and_gradient = loss_and_gradient
        self._layer_sizes = layer_sizes
        self._sizes: dict[tuple, Any] = {}
        self._targets: dict[tuple, dict] = {}
        self._compiled = tf.function(self._traced)

    def _traced(self, image, targets, weights, layer_sizes, mixed_precision):
        self.trace_count += 1  # Python side effect: runs only while tracing
        losses, gradient = self._loss_and_gradient(
            image, targets, weights, mixed_precision, layer_sizes
        )
        return tf.stack([losses[name] for name in COMPONENTS]), gradient

    def __call__(
        self, image: tf.Tensor, targets: dict, weights: dict[str, float], mixed_precision: bool
    ) -> tuple[dict[str, float], tf.Tensor]:
        """The loss components at ``image`` as floats, and the gradient of the total."""
        image = tf.convert_to_tensor(image, tf.float32)
        tensors = {name: tf.constant(weights[name], tf.float32) for name in WEIGHT_NAMES}
        shape = tuple(image.shape)
        if self._layer_sizes is not None and shape not in self._sizes:
            self._sizes[shape] = self._layer_sizes(image)
        sizes = self._sizes.get(shape)
        values, gradient = self._compiled(image, targets, tensors, sizes, bool(mixed_precision))
        return dict(zip(COMPONENTS, values.numpy().tolist())), gradient

    def remember(
        self, pictures: Sequence[tf.Tensor], weights: tuple, measure: Callable[[], dict]
    ) -> dict:
        """``measure()``, the targets of these pictures with these weights, measured once."""
        key: tuple = (weights,)
        for picture in pictures:  # a picture is known by its shape and a hash of its pixels
            array = np.asarray(picture)
            key += ((array.shape, hashlib.blake2b(array.tobytes(), digest_size=16).digest()),)
        if key not in self._targets:
            if len(self._targets) > 8:
                self._targets.clear()
            self._targets[key] = measure()
        return self._targets[key]
