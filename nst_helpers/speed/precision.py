"""Mixed precision for the Gatys loop: the first steps in bfloat16 where the CPU computes it.

:class:`~nst_helpers.models.StyleContentModel` is the extractor to read (notebook 03).
:class:`Bfloat16Extractor` is the same extractor with one addition: called with
``mixed_precision=True`` it runs the backbone's layers after the first convolution in bfloat16,
which CPUs with native bfloat16 (AVX512-BF16, AMX-BF16) compute faster than float32; in
float32 it is the plain extractor. :class:`~nst_helpers.speed.lbfgs.PrecisionSchedule` decides which
of the L-BFGS steps run in bfloat16. Notebook 05 (optional) teaches mixed precision as Keras does it.
"""

from __future__ import annotations

import tensorflow as tf

from ..config import cpu_has_bfloat16, has_gpu
from ..losses import gram_matrix
from ..models import StyleContentModel

#: bfloat16 keeps float32's 8 exponent bits but only 8 bits of precision (float32: 24).
BFLOAT16 = tf.bfloat16


class Bfloat16Extractor(StyleContentModel):
    """:class:`~nst_helpers.models.StyleContentModel`, able to run its layers in bfloat16.

    Same arguments and, in float32, the same features. With ``mixed_precision=True`` the layers
    after the first convolution run in bfloat16 on bfloat16 copies of their weights (the pixels
    keep float32 precision in the first one); Gram matrices and content features come back in
    float32.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)  # StyleContentModel's arguments
        self._first_conv = self.backbone.layer_names()[0]
        self._bfloat16_weights: dict[str, tuple[tf.Tensor, tf.Tensor]] = {}

    def __call__(
        self, image: tf.Tensor, mixed_precision: bool = False
    ) -> dict[str, dict[str, tf.Tensor]]:
        """Extract features, in bfloat16 after the first convolution if ``mixed_precision``.

        Args:
            image: ``[1, H, W, 3]`` in ``[0, 1]``.
            mixed_precision: Run the layers after the first convolution in bfloat16.

        Returns:
            ``{"style": {layer: gram [1, C, C]}, "content": {layer: features [1, h, w, C]}}``,
            float32.
        """
        if not mixed_precision:
            return super().__call__(image)
        wanted = set(self.style_layers + self.content_layers)
        found = {}
        x = self.backbone.preprocess(image)
        for layer in self.backbone.model.layers[1:]:  # [0] is the input layer
            x = self._apply(layer, x)
            if layer.name in wanted:
                found[layer.name] = tf.cast(x, tf.float32)
                if len(found) == len(wanted):
                    break
        return {
            "style": {n: gram_matrix(found[n], self.normalization) for n in self.style_layers},
            "content": {n: found[n] for n in self.content_layers},
        }

    def _apply(self, layer: tf.keras.layers.Layer, x: tf.Tensor) -> tf.Tensor:
        """Run one backbone layer; in mixed precision with bfloat16 copies of its weights."""
        if layer.name == self._first_conv:
            return layer(x)
        x = tf.cast(x, BFLOAT16)  # does nothing once x is bfloat16
        padding = layer.padding.upper()
        if "pool" in layer.name:
            return tf.nn.max_pool2d(x, layer.pool_size, layer.strides, padding)
        if layer.name not in self._bfloat16_weights:
            with tf.init_scope():  # made once, outside any tf.function being traced
                self._bfloat16_weights[layer.name] = (
                    tf.cast(layer.kernel, BFLOAT16),
                    tf.cast(layer.bias, BFLOAT16),
                )
        kernel, bias = self._bfloat16_weights[layer.name]
        return layer.activation(
            tf.nn.bias_add(tf.nn.conv2d(x, kernel, layer.strides, padding), bias)
        )


def mixed_precision_default() -> bool:
    """Whether the Gatys loop runs its first steps in bfloat16 when not told.

    Yes on a CPU that computes bfloat16 natively, where its steps are faster
    (``benchmarks/README.md``); no on other CPUs, which would only emulate it. No on a GPU: the loop
    runs float32 there (Keras' mixed precision on GPUs is taught in notebook 05).

    Returns:
        True if mixed precision pays off here.
    """
    return not has_gpu() and cpu_has_bfloat16()
