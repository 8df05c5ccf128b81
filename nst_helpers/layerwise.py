"""An extractor that runs the backbone layer by layer, to save time and memory (engineering).

:class:`~nst_helpers.models.StyleContentModel` is the extractor to read first: one Keras model,
a dozen lines. :class:`LayerwiseExtractor` gives the same features, but it runs the backbone's
layers one by one itself, so that it can run them

* in bfloat16 (``mixed_precision=True``): about twice as fast on CPUs that compute it natively,
  features 0.3–1 % off (see :data:`BFLOAT16`);
* block by block on large images (more than :data:`BLOCKWISE_PIXELS` pixels, on a CPU), each block
  recomputed during backpropagation instead of kept: the same numbers, much less memory;
* in horizontal strips for the first :data:`STRIP_BLOCKS` blocks (the largest feature maps), each
  strip with enough extra rows above and below (:func:`strip_halo`) to give the same numbers as
  the whole image.

The Gatys loop (:mod:`nst_helpers.gatys`) uses it.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from .config import has_gpu
from .losses import gram_matrix
from .models import StyleContentModel

#: Images with more pixels than this run block by block, recomputing activations to save memory.
BLOCKWISE_PIXELS = 400_000
#: In that mode the first :data:`STRIP_BLOCKS` blocks run in horizontal strips of about this many
#: pixels, each with :func:`strip_halo` extra rows above and below.
STRIP_PIXELS = 131_072
#: How many blocks (from the input) run in strips; the blocks after them run whole.
STRIP_BLOCKS = 2

#: Mixed precision: the extractor can run in bfloat16, which keeps float32's 8 exponent bits but
#: stores 7 mantissa bits (8 bits of precision) against float32's 23 (24). CPUs that compute it
#: natively (AVX512-BF16, first in Intel Cooper Lake in 2020 and in AMD Zen 4; AMX-BF16 in Intel
#: Sapphire Rapids) run it about twice as fast. The first convolution stays in float32, so the
#: pixels keep their precision; Gram matrices and content features are returned in float32.
BFLOAT16 = tf.bfloat16


class LayerwiseExtractor(StyleContentModel):
    """Runs the backbone layer by layer, to run it in bfloat16, by blocks, or in strips.

    It runs the backbone's layers one by one, up to the last one it needs, so that it can run them
    in bfloat16, block by block, and in strips recomputed during backprop. Same arguments and same
    features as :class:`~nst_helpers.models.StyleContentModel`.

    Args:
        backbone: The :class:`~nst_helpers.models.Backbone` to read features from.
        style_layers: Layers whose Gram matrices define style.
        content_layers: Layers whose feature maps define content.
        normalization: Gram convention (``"tf"``, ``"pytorch"`` or ``"gatys"``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # StyleContentModel's arguments, listed above
        self._first_conv = self.backbone.layer_names()[0]
        self._bfloat16_weights: dict[str, tuple[tf.Tensor, tf.Tensor]] = {}
        self._blocks: dict[bool, list] = {}

    def __call__(
        self, image: tf.Tensor, mixed_precision: bool = False
    ) -> dict[str, dict[str, tf.Tensor]]:
        """Extract features.

        On a CPU, images of more than :data:`BLOCKWISE_PIXELS` pixels run block by block, the
        first :data:`STRIP_BLOCKS` blocks in horizontal strips; each block or strip is recomputed
        during backpropagation instead of kept: the same numbers, much less memory, more time.

        Args:
            image: ``[1, H, W, 3]`` in ``[0, 1]``.
            mixed_precision: Run the layers after the first convolution in bfloat16
                (:data:`BFLOAT16`): faster on CPUs that compute it natively, features about
                0.3–1 % off.

        Returns:
            ``{"style": {layer: gram [1, C, C]}, "content": {layer: features [1, h, w, C]}}``,
            float32.
        """
        height, width = image.shape[1], image.shape[2]
        large = height is not None and width is not None and height * width > BLOCKWISE_PIXELS
        if large and not has_gpu():
            return self.blockwise(image, mixed_precision)
        layers, keys = _joined(self._split())
        _, *outputs = self._segment(layers, mixed_precision)(self.backbone.preprocess(image))
        found: dict[str, dict[str, tf.Tensor]] = {"style": {}, "content": {}}
        _store(found, keys, outputs)
        return self._in_order(found)

    def _in_order(self, found: dict[str, dict[str, tf.Tensor]]) -> dict:
        return {
            "style": {name: found["style"][name] for name in self.style_layers},
            "content": {name: found["content"][name] for name in self.content_layers},
        }

    def _apply(self, layer: tf.keras.layers.Layer, x: tf.Tensor, mixed_precision: bool):
        """Run one backbone layer; in mixed precision with bfloat16 copies of its weights."""
        if not mixed_precision or layer.name == self._first_conv:
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

    def blockwise(self, image: tf.Tensor, mixed_precision: bool = False) -> dict:
        """Extract features block by block, the first blocks in strips, each recomputed in backprop.

        ``__call__`` takes this path by itself for pictures over :data:`BLOCKWISE_PIXELS` on a
        CPU; call it directly to run it at any size or on any device (notebook 05 does).

        Args:
            image: ``[1, H, W, 3]`` in ``[0, 1]``.
            mixed_precision: Run the layers after the first convolution in bfloat16.

        Returns:
            The same dictionary as ``__call__``.
        """
        segments = self._split()
        if mixed_precision not in self._blocks:
            self._blocks[mixed_precision] = [
                (tf.recompute_grad(self._segment(layers, mixed_precision)), keys)
                for layers, keys in segments[STRIP_BLOCKS:]
            ]
        x = self.backbone.preprocess(image)
        found: dict[str, dict[str, tf.Tensor]] = {"style": {}, "content": {}}
        if segments[:STRIP_BLOCKS]:
            x, found = self._strips(x, segments[:STRIP_BLOCKS], mixed_precision)
        for run, keys in self._blocks[mixed_precision]:
            x, *outputs = run(x)
            _store(found, keys, outputs)
        return self._in_order(found)

    def _strips(self, x: tf.Tensor, segments: list, mixed_precision: bool) -> tuple:
        """Run the layers of ``segments`` strip by strip, each strip recomputed, not kept.

        A strip covers its own rows plus :func:`strip_halo` rows either side, so that the
        convolutions see the same neighbours as on the whole image; only each strip's own rows
        are kept. Gram matrices are sums over positions, so the strips' parts add up.
        """
        layers, keys = _joined(segments)
        pooling_factor = 2 ** sum("pool" in layer.name for layer in layers)
        halo = strip_halo(layers)
        height, width = int(x.shape[1]), int(x.shape[2])
        rows = max(pooling_factor, STRIP_PIXELS // width // pooling_factor * pooling_factor)
        heights = _layer_heights(layers, height)
        parts: list[list[tf.Tensor]] = [[] for _ in keys]
        outputs = []
        for start in range(0, height, rows):
            end = start + rows if start + rows < height else height
            top, bottom = max(0, start - halo), min(height, end + halo)
            run = tf.recompute_grad(
                self._strip(layers, start, end, top, height, heights, mixed_precision)
            )
            out, *pieces = run(x[:, top:bottom])
            outputs.append(out)
            for part, piece in zip(parts, pieces):
                part.append(piece)
        found: dict[str, dict[str, tf.Tensor]] = {"style": {}, "content": {}}
        for (kind, name), part in zip(keys, parts):
            found[kind][name] = tf.add_n(part) if kind == "style" else tf.concat(part, 1)
        return tf.concat(outputs, 1), found

    def _strip(
        self,
        layers: list,
        start: int,
        end: int,
        top: int,
        height: int,
        heights: dict,
        mixed_precision: bool,
    ):
        """The function that runs one strip (rows ``top`` … of the input) and keeps its own rows."""

        def run(x: tf.Tensor):
            pieces, pooling_factor = [], 1
            for layer in layers:
                x = self._apply(layer, x, mixed_precision)
                pooling_factor *= 2 if "pool" in layer.name else 1
                low = (start - top) // pooling_factor
                high = (end - top) // pooling_factor if end < height else int(x.shape[1])
                own = x[:, low:high]
                if layer.name in self.style_layers:
                    if self.normalization == "gatys":
                        pieces.append(gram_matrix(own, "gatys"))
                    else:  # this strip's share of the whole map's rows (and so positions)
                        share = (high - low) / heights[layer.name]
                        pieces.append(gram_matrix(own, self.normalization) * share)
                if layer.name in self.content_layers:
                    pieces.append(tf.cast(own, tf.float32))
            return (own, *pieces)

        return run

    def _split(self) -> list[tuple[list, list[tuple[str, str]]]]:
        """The backbone's layers up to the last one needed, in segments starting at each conv1."""
        wanted = set(self.style_layers) | set(self.content_layers)
        layers = [layer for layer in self.backbone.model.layers if layer.name.startswith("block")]
        last = max(i for i, layer in enumerate(layers) if layer.name in wanted)
        segments: list[tuple[list, list[tuple[str, str]]]] = []
        for layer in layers[: last + 1]:
            if not segments or layer.name.endswith("_conv1"):
                segments.append(([], []))
            segments[-1][0].append(layer)
            if layer.name in self.style_layers:
                segments[-1][1].append(("style", layer.name))
            if layer.name in self.content_layers:
                segments[-1][1].append(("content", layer.name))
        return segments

    def _segment(self, layers: list, mixed_precision: bool):
        """A function running ``layers`` that returns the output and the wanted features."""

        def run(x: tf.Tensor):
            outputs = []
            for layer in layers:
                x = self._apply(layer, x, mixed_precision)
                if layer.name in self.style_layers:
                    outputs.append(gram_matrix(x, self.normalization))
                if layer.name in self.content_layers:
                    outputs.append(tf.cast(x, tf.float32))
            return (x, *outputs)

        return run


def strip_halo(layers: list) -> int:
    """Input rows a strip through ``layers`` needs above and below its own rows.

    A 3×3 'same' convolution reads one row of its input above and below each output row: one row
    of the current feature map, which is ``pooling_factor`` input rows after that many 2×2 pools.
    So the halo grows by the pooling factor at every convolution, and each pool doubles the
    factor. It is then rounded up to a multiple of the final pooling factor, so that strips start
    on the pooling grid of the whole image and their own rows are whole rows of every layer.

    For VGG's first two blocks (2 convolutions, a pool, 2 convolutions, a pool): 1 + 1 + 2 + 2 = 6
    rows, rounded up to 8.

    Args:
        layers: The backbone layers the strips run through, input to output.

    Returns:
        The halo, in input rows.
    """
    halo, pooling_factor = 0, 1
    for layer in layers:
        if "pool" in layer.name:
            pooling_factor *= 2
        else:
            halo += pooling_factor * (layer.kernel_size[0] // 2)
    return -(-halo // pooling_factor) * pooling_factor


def _joined(segments: list) -> tuple[list, list[tuple[str, str]]]:
    """The layers of ``segments`` in one list, and their ``(kind, name)`` feature keys in another."""
    layers = [layer for segment_layers, _ in segments for layer in segment_layers]
    keys = [key for _, segment_keys in segments for key in segment_keys]
    return layers, keys


def _store(found: dict[str, dict[str, tf.Tensor]], keys: list, outputs: list) -> None:
    """Put each output under its ``(kind, name)`` key in ``found``."""
    for (kind, name), value in zip(keys, outputs):
        found[kind][name] = value


def _layer_heights(layers: list, height: int) -> dict[str, int]:
    """Height of each layer's output for an input ``height`` rows high."""
    heights = {}
    for layer in layers:
        if "pool" in layer.name:
            height //= 2
        heights[layer.name] = height
    return heights
