"""The Adam update of the Gatys loop (notebook 03).

Notebook 03 calls ``tf.keras.optimizers.Adam(learning_rate=0.02, beta_1=0.99, epsilon=0.1)`` (the
TensorFlow tutorial's settings, :data:`nst_helpers.options.ADAM_SETTINGS`) and clips the pixels to
``[0, 1]`` after each step. :func:`adam_step` is that update written out, so that a student can see
the two moments Adam keeps; it gives Keras' numbers.
"""

from __future__ import annotations

import tensorflow as tf

_PICTURE, _NUMBER = tf.TensorSpec(None, tf.float32), tf.TensorSpec([], tf.float32)


# compiled once: numbers go in as tensors, so a new step number or learning rate is no new trace
@tf.function(input_signature=[_PICTURE] * 4 + [_NUMBER] * 5)
def adam_step(
    image: tf.Tensor,
    grad: tf.Tensor,
    m: tf.Tensor,
    v: tf.Tensor,
    t: tf.Tensor,
    learning_rate: tf.Tensor,
    beta_1: tf.Tensor,
    beta_2: tf.Tensor,
    epsilon: tf.Tensor,
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """One Adam update as Keras does it, then clip to ``[0, 1]``.

    Args:
        image: The picture, ``[1, H, W, 3]``.
        grad: The loss's gradient with respect to ``image``.
        m: Adam's first moment (running mean of the gradient), zeros at the start.
        v: Adam's second moment (running mean of the squared gradient), zeros at the start.
        t: The step's number, counting from 1.
        learning_rate: How far a step goes.
        beta_1: How slowly ``m`` forgets.
        beta_2: How slowly ``v`` forgets.
        epsilon: Keeps the division tame where ``v`` is tiny (the tutorial's 0.1 is large).

    Returns:
        The new image and Adam's new first and second moments ``m`` and ``v``.
    """
    m = beta_1 * m + (1.0 - beta_1) * grad
    v = beta_2 * v + (1.0 - beta_2) * tf.square(grad)
    step_size = learning_rate * tf.sqrt(1.0 - beta_2**t) / (1.0 - beta_1**t)
    image = image - step_size * m / (tf.sqrt(v) + epsilon)
    return tf.clip_by_value(image, 0.0, 1.0), m, v
