"""Gram matrices and the three losses of neural style transfer (taught in notebooks 02 and 03).

The default convention is the TensorFlow tutorial's:

* ``gram_matrix`` divides by the number of positions ``H·W``;
* content and style losses are mean squared errors;
* the style loss is averaged over its layers and multiplied by ``style_weight``, the content loss
  likewise by ``content_weight``;
* the total-variation loss is ``total_variation_weight × tf.image.total_variation`` of the
  ``[0, 1]`` image.

Two other published normalisations are available for the lesson that compares them
(``normalization="gatys"``: Gram not divided, style error ÷ ``4·N²·M²``; ``"pytorch"``: Gram ÷
``C·H·W``). They show why published default weights differ by orders of magnitude.
"""

from __future__ import annotations

from collections.abc import Mapping

import tensorflow as tf

from .errors import check_choice

NORMALIZATIONS = ("tf", "gatys", "pytorch")


def gram_matrix(features: tf.Tensor, normalization: str = "tf") -> tf.Tensor:
    """Gram matrix of a feature map: the dot products of every pair of channels.

    ``G[c, d] = Σ_positions F[position, c] · F[position, d]``, divided per ``normalization``.
    It keeps which features fire together and throws away where they fire.

    It is one matrix product: the map flattened to ``[B, H·W, C]``, transposed, times itself
    (the same numbers as ``tf.einsum("bijc,bijd->bcd", F, F)``, and faster to differentiate).

    Args:
        features: A feature map ``[B, H, W, C]`` (bfloat16 maps are summed in float32).
        normalization: ``"tf"`` (÷ ``H·W``, the default), ``"pytorch"`` (÷ ``C·H·W``) or
            ``"gatys"`` (no division; the paper divides the style error instead).

    Returns:
        The Gram matrices ``[B, C, C]``, float32.
    """
    check_choice("normalization", normalization, NORMALIZATIONS)
    features = tf.cast(tf.convert_to_tensor(features), tf.float32)
    shape = tf.shape(features)
    flat = tf.reshape(features, [shape[0], shape[1] * shape[2], shape[3]])
    gram = tf.matmul(flat, flat, transpose_a=True)
    positions = tf.cast(shape[1] * shape[2], tf.float32)
    if normalization == "tf":
        return gram / positions
    if normalization == "pytorch":
        return gram / (positions * tf.cast(shape[3], tf.float32))
    return gram


def content_loss(
    content_outputs: Mapping[str, tf.Tensor], content_targets: Mapping[str, tf.Tensor]
) -> tf.Tensor:
    """Mean squared error between feature maps, averaged over the content layers.

    Args:
        content_outputs: Feature maps of the image being optimised, by layer name.
        content_targets: Feature maps of the content image, by the same layer names.

    Returns:
        A scalar tensor (not yet multiplied by ``content_weight``).
    """
    errors = [
        tf.reduce_mean(tf.square(content_outputs[name] - content_targets[name]))
        for name in content_targets
    ]
    return tf.add_n(errors) / len(errors)


def style_loss(
    style_outputs: Mapping[str, tf.Tensor],
    style_targets: Mapping[str, tf.Tensor],
    normalization: str = "tf",
    layer_sizes: Mapping[str, tuple[int, int]] | None = None,
) -> tf.Tensor:
    """Mean squared error between Gram matrices, averaged over the style layers.

    Args:
        style_outputs: Gram matrices of the image being optimised, by layer name.
        style_targets: Gram matrices of the style image, by the same layer names.
        normalization: ``"tf"`` or ``"pytorch"`` (plain mean squared error of the Grams, which
            were normalised already) or ``"gatys"`` (sum of squared errors ÷ ``4·N²·M²`` with
            ``N`` channels and ``M`` positions of the generated image's layer).
        layer_sizes: For ``"gatys"``: ``(N, M)`` per layer. Taken from the Gram's size and
            ``M = 1`` if not given.

    Returns:
        A scalar tensor (not yet multiplied by ``style_weight``).
    """
    check_choice("normalization", normalization, NORMALIZATIONS)
    errors = []
    for name in style_targets:
        diff = style_outputs[name] - style_targets[name]
        if normalization == "gatys":
            channels = tf.cast(tf.shape(diff)[-1], tf.float32)
            n, m = layer_sizes[name] if layer_sizes else (channels, 1.0)
            errors.append(tf.reduce_sum(tf.square(diff)) / (4.0 * float(n) ** 2 * float(m) ** 2))
        else:
            errors.append(tf.reduce_mean(tf.square(diff)))
    return tf.add_n(errors) / len(errors)


def total_variation_loss(image: tf.Tensor) -> tf.Tensor:
    """Sum of absolute differences between neighbouring pixels (``tf.image.total_variation``).

    Penalising it removes the high-frequency speckle that the style loss alone leaves.

    Args:
        image: An image ``[B, H, W, 3]`` in ``[0, 1]``.

    Returns:
        A scalar tensor (summed over the batch).
    """
    return tf.reduce_sum(tf.image.total_variation(image))


def style_content_loss(
    outputs: Mapping[str, Mapping[str, tf.Tensor]],
    targets: Mapping[str, Mapping[str, tf.Tensor]],
    image: tf.Tensor,
    content_weight: float | tf.Tensor,
    style_weight: float | tf.Tensor,
    total_variation_weight: float | tf.Tensor,
    normalization: str = "tf",
    layer_sizes: Mapping[str, tuple[int, int]] | None = None,
) -> dict[str, tf.Tensor]:
    """The weighted total loss of the Gatys method, and each weighted component.

    Args:
        outputs: ``{"content": {...}, "style": {...}}`` for the image being optimised, as returned
            by :class:`nst_helpers.models.StyleContentModel`.
        targets: The same for the content image's content part and the style image's style part.
        image: The image being optimised, ``[1, H, W, 3]`` in ``[0, 1]`` (for the TV loss).
        content_weight: Multiplies the content loss.
        style_weight: Multiplies the style loss.
        total_variation_weight: Multiplies the total-variation loss.
        normalization: The Gram/style convention, see :func:`gram_matrix`.
        layer_sizes: ``(N, M)`` per style layer for ``normalization="gatys"``.

    Returns:
        ``{"total", "content", "style", "total_variation"}``, each a scalar tensor, weights applied.
    """
    content = content_weight * content_loss(outputs["content"], targets["content"])
    style = style_weight * style_loss(
        outputs["style"], targets["style"], normalization, layer_sizes
    )
    variation = total_variation_weight * total_variation_loss(image)
    return {
        "total": content + style + variation,
        "content": content,
        "style": style,
        "total_variation": variation,
    }
