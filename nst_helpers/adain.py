"""Style as feature statistics: AdaIN and a mean/std style loss (taught in notebook 06).

Much of a style lives in each channel's **mean and standard deviation** over the positions of a
feature map: conditional instance normalisation (Dumoulin et al. 2017) gave each painting its own
scale and shift, Li et al. 2017 matched these statistics as a style loss, and Huang & Belongie 2017
("Arbitrary Style Transfer in Real-time with Adaptive Instance Normalization") took them from any
painting. Adaptive instance normalisation (AdaIN) gives the
content's features the style's statistics, channel by channel::

    AdaIN(x, y) = σ(y) · (x − μ(x)) / σ(x) + μ(y)

with ``μ`` and ``σ`` taken over height and width, for each channel on its own, ``σ`` the
population standard deviation (÷ ``H·W``, as instance normalisation does) with a small ``epsilon``
inside the square root.

* :func:`mean_std` and :func:`adain` — the two formulas;
* :class:`MeanStdExtractor` — like :class:`~nst_helpers.models.StyleContentModel`, but a style
  layer gives its channels' means and standard deviations instead of a Gram matrix;
* :class:`MeanStdStylizer` — the Gatys loop with that mean/std style loss (the mean squared error
  of the statistics, averaged over the style layers), to compare with the Gram loss.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from .gatys import GatysStylizer, StyleTransferResult
from .models import StyleContentModel

#: Added to the variance before its square root, so that a flat channel does not divide by 0.
EPSILON = 1e-5


def mean_std(features: tf.Tensor, epsilon: float = EPSILON) -> tuple[tf.Tensor, tf.Tensor]:
    """Each channel's mean and standard deviation over the positions of a feature map.

    Args:
        features: ``[B, H, W, C]``.
        epsilon: Added to the variance before the square root.

    Returns:
        ``(mean, std)``, each ``[B, 1, 1, C]``; ``std = sqrt(variance + epsilon)`` with the
        population variance (÷ ``H·W``).
    """
    features = tf.cast(tf.convert_to_tensor(features), tf.float32)
    mean, variance = tf.nn.moments(features, axes=[1, 2], keepdims=True)
    return mean, tf.sqrt(variance + epsilon)


def adain(content: tf.Tensor, style: tf.Tensor, epsilon: float = EPSILON) -> tf.Tensor:
    """Adaptive instance normalisation: ``content`` with ``style``'s channel means and stds.

    Args:
        content: Feature map ``[B, H, W, C]``.
        style: Feature map ``[B, h, w, C]`` (its size may differ).
        epsilon: See :func:`mean_std`.

    Returns:
        ``σ(style) · (content − μ(content)) / σ(content) + μ(style)``, shaped like ``content``.
    """
    content_mean, content_std = mean_std(content, epsilon)
    style_mean, style_std = mean_std(style, epsilon)
    return style_std * (tf.cast(content, tf.float32) - content_mean) / content_std + style_mean


class MeanStdExtractor(StyleContentModel):
    """Content features, and per style layer the channels' means and stds instead of a Gram.

    Same arguments as :class:`~nst_helpers.models.StyleContentModel`. A style layer gives
    ``[1, 2, C]``: the means in the first row, the standard deviations in the second, so the
    loop's style loss (a mean squared error) becomes the mean/std loss. It runs the plain Keras
    feature model, in float32.
    """

    def __call__(
        self, image: tf.Tensor, mixed_precision: bool = False
    ) -> dict[str, dict[str, tf.Tensor]]:
        """Extract features (``mixed_precision`` is accepted and ignored: always float32).

        Args:
            image: ``[1, H, W, 3]`` in ``[0, 1]``.
            mixed_precision: Ignored.

        Returns:
            ``{"style": {layer: statistics [1, 2, C]}, "content": {layer: features}}``.
        """
        outputs = self.model(self.backbone.preprocess(image))
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        style_outputs = outputs[: len(self.style_layers)]
        statistics = {}
        for name, features in zip(self.style_layers, style_outputs):
            mean, std = mean_std(features)
            statistics[name] = tf.concat([mean[:, 0], std[:, 0]], axis=1)  # [1, 2, C]
        content = dict(zip(self.content_layers, outputs[len(self.style_layers) :]))
        return {"style": statistics, "content": content}


class MeanStdStylizer(GatysStylizer):
    """The Gatys loop with the mean/std style loss of :class:`MeanStdExtractor`.

    Everything else (content loss, total variation, optimizers, controls) is
    :class:`~nst_helpers.gatys.GatysStylizer`'s. The loss convention is ``"tf"``; every step runs
    in float32. The style loss's numbers are on another scale than the Gram loss's, so give it
    its own ``style_weight``.

    Args:
        backbone: A backbone name or :class:`~nst_helpers.models.Backbone`.
        **layers: ``style_layers`` and ``content_layers``, as for ``GatysStylizer``.
    """

    def __init__(self, backbone: Any = "auto", **layers: Any) -> None:
        super().__init__(backbone, **layers)
        self.extractor = MeanStdExtractor(
            self.backbone, self.extractor.style_layers, self.extractor.content_layers
        )

    def stylize(self, content: Any, style: Any, **options: Any) -> StyleTransferResult:
        """:meth:`GatysStylizer.stylize <nst_helpers.gatys.GatysStylizer.stylize>`, in float32."""
        return super().stylize(content, style, **{**options, "mixed_precision": False})


__all__ = ["EPSILON", "MeanStdExtractor", "MeanStdStylizer", "adain", "mean_std"]
