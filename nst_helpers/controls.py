"""Controlling a style transfer: colour, mixing and scale (taught in notebook 06).

Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer", show three controls
that work around any style-transfer method. This module holds them. :func:`nst_helpers.gatys.
stylize` loads its pictures with :func:`prepare` and finishes its result with
:meth:`Pictures.finish`; the fast stylizers of :mod:`nst_helpers.magenta` call
:func:`check_controls`, :func:`prepare_colors` and :func:`finish_colors`.

* **Colour preservation** (``preserve_color``):

  - ``"luminance"`` — luminance-only transfer: both images become their luminance ``Y`` (YIQ),
    copied to three channels, the painting's luminance matched to the photo's mean and standard
    deviation; the method stylises that; the result's ``Y`` is recombined with the photo's ``I``
    and ``Q``, so the chrominance is the photo's (except where clipping changes a pixel). Grey
    pictures have no colour contrasts, so their style loss is lower; notebook 06 scales
    ``style_weight`` by the ratio of the two starting style losses.
  - ``"histogram"`` — colour histogram matching: the painting's RGB pixels are moved linearly so
    that their mean and covariance are the photo's (the Cholesky variant of the paper's linear
    transfer: ``x' = L_c L_s⁻¹ (x − μ_s) + μ_c`` with ``Σ = L Lᵀ``); the method then runs on the
    photo and the recoloured painting.

* **Mixing styles** (``style_mix``): several paintings with non-negative weights, normalised to
  sum to 1. The Gatys loop mixes their Gram matrices (:func:`mix_grams`), the fast path their style
  vectors. Paintings with weight 0 are left out, so ``(1, 0)`` is the first painting alone.
* **Style scale** (``style_scale``, Gatys loop): the painting's longest side is ``style_scale ×
  max_dim`` instead of ``max_dim``, so brush strokes come out bigger (above 1) or smaller (below 1)
  while the photo keeps its size (:func:`style_max_dim`).

Values out of range raise :class:`~nst_helpers.errors.NSTError` naming the input and the fix.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import tensorflow as tf

from .errors import NSTError
from .images import ImageSource, load_image
from .options import (
    MAX_STYLE_DIM,
    MIN_SIDE,
    check_preserve_color,
    check_style_mix,
    check_style_scale,
)

#: RGB → YIQ (NTSC). ``Y`` is the luminance; ``I`` and ``Q`` carry the colour.
RGB_TO_YIQ = np.array(
    [[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], np.float32
)
YIQ_TO_RGB = np.linalg.inv(RGB_TO_YIQ).astype(np.float32)


# -- colour -------------------------------------------------------------------------------------


def rgb_to_yiq(image: tf.Tensor) -> tf.Tensor:
    """Convert ``[..., 3]`` RGB in ``[0, 1]`` to YIQ (``Y`` in ``[0, 1]``)."""
    return tf.tensordot(tf.convert_to_tensor(image, tf.float32), RGB_TO_YIQ.T, axes=1)


def yiq_to_rgb(yiq: tf.Tensor) -> tf.Tensor:
    """Convert ``[..., 3]`` YIQ back to RGB (not clipped)."""
    return tf.tensordot(tf.convert_to_tensor(yiq, tf.float32), YIQ_TO_RGB.T, axes=1)


def luminance(image: tf.Tensor) -> tf.Tensor:
    """The luminance ``Y`` of an RGB image, ``[..., 1]``."""
    return rgb_to_yiq(image)[..., :1]


def match_luminance(style: tf.Tensor, content: tf.Tensor) -> tf.Tensor:
    """The painting's luminance with the photo's mean and standard deviation, as a grey RGB image.

    Args:
        style: The painting, ``[1, h, w, 3]`` in ``[0, 1]``.
        content: The photo, ``[1, H, W, 3]`` in ``[0, 1]``.

    Returns:
        ``[1, h, w, 3]``: the matched luminance in all three channels, clipped to ``[0, 1]``.
    """
    y_style, y_content = luminance(style), luminance(content)
    spread = tf.math.reduce_std(y_content) / (tf.math.reduce_std(y_style) + 1e-6)
    matched = (y_style - tf.reduce_mean(y_style)) * spread + tf.reduce_mean(y_content)
    return tf.clip_by_value(tf.tile(matched, [1, 1, 1, 3]), 0.0, 1.0)


def grey(image: tf.Tensor) -> tf.Tensor:
    """An RGB image's luminance copied to three channels (what luminance-only transfer stylises)."""
    return tf.tile(luminance(image), [1, 1, 1, 3])


def recombine_luminance(stylised: tf.Tensor, content: tf.Tensor) -> tf.Tensor:
    """The stylised picture's luminance ``Y`` with the photo's colour ``I``, ``Q``.

    Args:
        stylised: The result of stylising the luminance, ``[1, H, W, 3]``.
        content: The photo; resized to the result's size if it differs.

    Returns:
        ``[1, H, W, 3]`` in ``[0, 1]`` (clipped: a few saturated pixels lose a little colour).
    """
    if tuple(content.shape[1:3]) != tuple(stylised.shape[1:3]):
        content = tf.image.resize(content, stylised.shape[1:3], antialias=True)
    yiq = tf.concat([luminance(stylised), rgb_to_yiq(content)[..., 1:]], axis=-1)
    return tf.clip_by_value(yiq_to_rgb(yiq), 0.0, 1.0)


def match_color_histogram(style: tf.Tensor, content: tf.Tensor, epsilon: float = 1e-6) -> tf.Tensor:
    """Recolour the painting so that its pixels' mean and covariance are the photo's.

    The paper's linear colour transfer, Cholesky variant: with ``Σ_s = L_s L_sᵀ`` and
    ``Σ_c = L_c L_cᵀ``, each pixel becomes ``L_c L_s⁻¹ (x − μ_s) + μ_c``.

    Args:
        style: The painting, ``[1, h, w, 3]`` in ``[0, 1]``.
        content: The photo, ``[1, H, W, 3]`` in ``[0, 1]``.
        epsilon: Added to the covariances' diagonals, so that a flat picture still works.

    Returns:
        The recoloured painting, ``[1, h, w, 3]``, clipped to ``[0, 1]``.
    """
    pixels_s = np.asarray(style, np.float64).reshape(-1, 3)
    pixels_c = np.asarray(content, np.float64).reshape(-1, 3)
    mean_s, mean_c = pixels_s.mean(axis=0), pixels_c.mean(axis=0)
    cov_s = np.cov(pixels_s, rowvar=False, bias=True) + epsilon * np.eye(3)
    cov_c = np.cov(pixels_c, rowvar=False, bias=True) + epsilon * np.eye(3)
    transform = np.linalg.cholesky(cov_c) @ np.linalg.inv(np.linalg.cholesky(cov_s))
    moved = (pixels_s - mean_s) @ transform.T + mean_c
    return tf.constant(np.clip(moved, 0.0, 1.0).reshape(style.shape), tf.float32)


def prepare_colors(
    content: tf.Tensor, styles: Sequence[tf.Tensor], preserve_color: str | None
) -> tuple[tf.Tensor, list[tf.Tensor]]:
    """The photo and paintings a method should see for ``preserve_color``.

    Args:
        content: The photo, ``[1, H, W, 3]`` in ``[0, 1]``.
        styles: The paintings.
        preserve_color: ``None``, ``"luminance"`` or ``"histogram"``.

    Returns:
        ``(content, styles)``: unchanged for ``None``; the luminances (the paintings' matched to
        the photo's) for ``"luminance"``; the photo and the recoloured paintings for
        ``"histogram"``.
    """
    if preserve_color == "luminance":
        return grey(content), [match_luminance(style, content) for style in styles]
    if preserve_color == "histogram":
        return content, [match_color_histogram(style, content) for style in styles]
    return content, list(styles)


def finish_colors(stylised: tf.Tensor, content: tf.Tensor, preserve_color: str | None) -> tf.Tensor:
    """Put the photo's colours back after luminance-only transfer (other modes: unchanged).

    Args:
        stylised: The method's result.
        content: The original photo (in colour).
        preserve_color: ``None``, ``"luminance"`` or ``"histogram"``.

    Returns:
        The picture to show.
    """
    if preserve_color == "luminance":
        return recombine_luminance(stylised, content)
    return stylised


def check_controls(
    style: ImageSource | Sequence[ImageSource],
    preserve_color: str | None,
    style_mix: Sequence[float] | None,
    style_scale: float,
) -> tuple[list[ImageSource], tuple[float, ...]]:
    """Check every control before any work; return the paintings to use and their weights.

    The fast path's check (:mod:`nst_helpers.magenta`); the Gatys loop's options are checked by
    :class:`~nst_helpers.options.StylizeOptions`.

    Args:
        style: One painting, or a list of paintings to mix.
        preserve_color: ``None``, ``"luminance"`` or ``"histogram"``.
        style_mix: One weight per painting (``None``: equal weights).
        style_scale: The painting's size relative to ``max_dim``.

    Returns:
        ``(paintings, weights)`` as :func:`paintings` gives them.

    Raises:
        NSTError: For a bad ``preserve_color``, ``style_mix`` or ``style_scale``.
    """
    check_preserve_color(preserve_color)
    check_style_scale(style_scale)
    return paintings(style, style_mix)


@dataclasses.dataclass
class Pictures:
    """The pictures a Gatys run works on, prepared for the controls by :func:`prepare`.

    Attributes:
        photo: The content image as loaded, in colour.
        content: The photo the loop sees (its luminance for ``preserve_color="luminance"``).
        styles: The paintings the loop sees (scaled, matched or recoloured).
        style_mix: Their weights, summing to 1.
        preserve_color: ``None``, ``"luminance"`` or ``"histogram"``.
        callback: The caller's callback, shown pictures in the photo's colours.
    """

    photo: tf.Tensor
    content: tf.Tensor
    styles: list[tf.Tensor]
    style_mix: tuple[float, ...]
    preserve_color: str | None = None
    callback: Callable | None = None

    def finish(self, result):
        """``result`` (a :class:`~nst_helpers.speed.runlog.StyleTransferResult`) in the photo's colours.

        Its image and snapshots get the photo's ``I`` and ``Q`` after luminance-only transfer;
        otherwise it comes back unchanged.
        """
        if self.preserve_color != "luminance":
            return result
        return dataclasses.replace(
            result,
            image=recombine_luminance(result.image, self.photo),
            snapshots=[
                (step, recombine_luminance(im, self.photo)) for step, im in result.snapshots
            ],
        )


def prepare(content: ImageSource, style, options, callback: Callable | None = None) -> Pictures:
    """Load the photo and the paintings of a Gatys run and prepare them for its controls.

    Args:
        content: The photo (anything :func:`~nst_helpers.images.load_image` takes).
        style: One painting, or a list of paintings to mix.
        options: The run's :class:`~nst_helpers.options.StylizeOptions`, checked and resolved.
        callback: ``callback(step, losses, image)``, or ``None``.

    Returns:
        The :class:`Pictures`; its :meth:`~Pictures.finish` puts the photo's colours back.

    Raises:
        NSTError: For a bad image, ``style_mix`` weights that do not fit the paintings, or a
            painting too large or too small at ``style_scale``.
    """
    styles, weights = paintings(style, options.style_mix)
    photo = load_image(content, max_dim=options.max_dim)
    loaded = [_load_style(s, options.max_dim, options.style_scale) for s in styles]
    content_image, style_images = prepare_colors(photo, loaded, options.preserve_color)
    if callback is not None and options.preserve_color == "luminance":
        callback = _in_colour(callback, photo)
    return Pictures(photo, content_image, style_images, weights, options.preserve_color, callback)


def _in_colour(callback: Callable, photo: tf.Tensor) -> Callable:
    """``callback`` shown each picture with the photo's colours (luminance-only transfer)."""
    return lambda step, losses, image: callback(step, losses, recombine_luminance(image, photo))


# -- mixing -------------------------------------------------------------------------------------


def paintings(
    style: ImageSource | Sequence[ImageSource], style_mix: Sequence[float] | None = None
) -> tuple[list[ImageSource], tuple[float, ...]]:
    """The paintings to use and their normalised weights; those with weight 0 are left out.

    Args:
        style: One painting, or a list (or tuple) of paintings to mix.
        style_mix: One weight per painting (``None``: equal weights).

    Returns:
        ``(paintings, weights)`` with every weight above 0, summing to 1.

    Raises:
        NSTError: For an empty list or bad weights (:func:`check_style_mix`).
    """
    styles = list(style) if isinstance(style, (list, tuple)) else [style]
    if not styles:
        raise NSTError("style is an empty list; give at least one painting")
    weights = check_style_mix(style_mix, len(styles))
    kept = [(s, w) for s, w in zip(styles, weights) if w > 0]
    return [s for s, _ in kept], tuple(w for _, w in kept)


def mix_grams(
    grams: Sequence[Mapping[str, tf.Tensor]], weights: Sequence[float]
) -> dict[str, tf.Tensor]:
    """The weighted sum of several paintings' Gram matrices, layer by layer.

    Args:
        grams: One ``{layer: gram}`` per painting.
        weights: One weight per painting (normalised: they sum to 1).

    Returns:
        ``{layer: Σ_i w_i G_i}``; one painting's Grams come back unchanged.
    """
    if len(grams) == 1:
        return dict(grams[0])
    return {
        name: tf.add_n([weight * gram[name] for gram, weight in zip(grams, weights)])
        for name in grams[0]
    }


# -- scale --------------------------------------------------------------------------------------


def style_max_dim(max_dim: int, style_scale: float) -> int:
    """The painting's longest side for a photo of ``max_dim`` px at ``style_scale``.

    Args:
        max_dim: The photo's longest side.
        style_scale: How much larger (above 1) or smaller the painting is made than the photo.

    Returns:
        ``round(max_dim × style_scale)``; exactly ``max_dim`` at scale 1.

    Raises:
        NSTError: If ``style_scale`` is out of range, or the painting would be over
            :data:`~nst_helpers.options.MAX_STYLE_DIM` px or under 32 px.
    """
    return _style_side(max_dim, check_style_scale(style_scale))


def _style_side(max_dim: int, style_scale: float) -> int:
    """:func:`style_max_dim` for a ``style_scale`` checked already."""
    if style_scale == 1.0:
        return max_dim
    side = round(max_dim * style_scale)
    if side > MAX_STYLE_DIM:
        raise NSTError(
            f"style_scale={style_scale:g} at max_dim {max_dim} makes the painting {side} px, over "
            f"{MAX_STYLE_DIM} px (too much memory); use a smaller style_scale or max_dim"
        )
    if side < MIN_SIDE:
        raise NSTError(
            f"style_scale={style_scale:g} at max_dim {max_dim} makes the painting {side} px, under "
            f"{MIN_SIDE} px; use a larger style_scale or max_dim"
        )
    return side


def load_style(style: ImageSource, max_dim: int, style_scale: float = 1.0) -> tf.Tensor:
    """Load a painting with its longest side :func:`style_max_dim` px.

    Args:
        style: The painting (anything :func:`~nst_helpers.images.load_image` takes).
        max_dim: The photo's longest side.
        style_scale: See :func:`style_max_dim`.

    Returns:
        ``[1, h, w, 3]`` in ``[0, 1]``; at scale 1 exactly ``load_image(style, max_dim=max_dim)``.

    Raises:
        NSTError: For a bad image, or a painting too small on its shorter side at this scale.
    """
    return _load_style(style, max_dim, check_style_scale(style_scale))


def _load_style(style: ImageSource, max_dim: int, style_scale: float) -> tf.Tensor:
    """:func:`load_style` for a ``style_scale`` checked already."""
    try:
        return load_image(style, max_dim=_style_side(max_dim, style_scale))
    except NSTError as exc:
        if style_scale == 1.0 or "under" not in str(exc):
            raise
        raise NSTError(f"style_scale={style_scale:g}: {exc}") from None


__all__ = [
    "Pictures",
    "check_controls",
    "finish_colors",
    "grey",
    "load_style",
    "luminance",
    "match_color_histogram",
    "match_luminance",
    "mix_grams",
    "paintings",
    "prepare",
    "prepare_colors",
    "recombine_luminance",
    "rgb_to_yiq",
    "style_max_dim",
    "yiq_to_rgb",
]
