"""The Gatys et al. optimisation loop (taught in notebook 03).

:meth:`GatysStylizer.stylize` is notebook 03's loop on one screen: load the pictures, measure the
targets, write the closure that returns the loss and its gradient, and hand it to Adam (the
tutorial's settings, pixels clipped to ``[0, 1]`` after each step) or to projected L-BFGS (which
calls the closure where it wants). One *step* is one forward and backward pass for both. What a
real run needs beyond the lesson lives in :mod:`nst_helpers.speed` (notebook 05): the run's books
(:class:`~nst_helpers.speed.runlog.RunLog`) and the loss compiled once per image size
(:class:`~nst_helpers.speed.compiled.CompiledLoss`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from . import controls
from .adam import adam_step
from .errors import check_choice
from .images import ImageSource
from .losses import NORMALIZATIONS, style_content_loss
from .models import BACKBONES, CONTENT_LAYERS, STYLE_LAYERS, Backbone, load_backbone
from .options import ADAM_SETTINGS, WEIGHT_NAMES, StylizeOptions, check_style_mix, show_options
from .speed import lbfgs
from .speed.compiled import CompiledLoss
from .speed.precision import Bfloat16Extractor
from .speed.runlog import RunLog, StyleTransferResult

Callback = Callable[[int, dict[str, float], tf.Tensor], "bool | None"]


class GatysStylizer:
    """Holds a backbone, its feature extractor and the compiled loss, reused across runs.

    Most users call :func:`stylize`, which keeps one of these per backbone. Make your own to choose
    other layers or another loss normalisation.

    Args:
        backbone: A backbone name (see :func:`nst_helpers.models.load_backbone`) or a
            :class:`~nst_helpers.models.Backbone`.
        style_layers: Style layers (default ``block1_conv1`` … ``block5_conv1``).
        content_layers: Content layers (default ``block5_conv2``).
        normalization: Loss convention, ``"tf"`` (default), ``"pytorch"`` or ``"gatys"``.

    Raises:
        NSTError: For an unknown backbone, layer or normalisation.
    """

    def __init__(
        self,
        backbone: str | Backbone = "auto",
        style_layers: Sequence[str] = STYLE_LAYERS,
        content_layers: Sequence[str] = CONTENT_LAYERS,
        normalization: str = "tf",
    ) -> None:
        check_choice("normalization", normalization, NORMALIZATIONS)
        if not isinstance(backbone, Backbone):
            backbone = load_backbone(check_choice("backbone", backbone, BACKBONES))
        self.backbone = backbone
        self.normalization = normalization
        self.extractor = Bfloat16Extractor(backbone, style_layers, content_layers, normalization)
        sizes = self.extractor.layer_sizes if normalization == "gatys" else None
        self.compiled_loss = CompiledLoss(self.loss_and_gradient, sizes)

    @property
    def trace_count(self) -> int:
        """How many times the loss was traced (once per image size; notebook 03 counts them)."""
        return self.compiled_loss.trace_count

    def targets(
        self, content: tf.Tensor, style: tf.Tensor | list, style_mix: Sequence[float] | None = None
    ) -> dict:
        """Content features of ``content`` and style Grams of ``style``, cached per image.

        Args:
            content: ``[1, H, W, 3]`` in ``[0, 1]``.
            style: ``[1, h, w, 3]`` in ``[0, 1]``, or a list of paintings to mix.
            style_mix: Their weights (see :func:`~nst_helpers.options.check_style_mix`).

        Returns:
            ``{"content": {...}, "style": {...}}`` for :func:`~nst_helpers.losses.style_content_loss`;
            for several paintings the style Grams are their weighted mix (notebook 06).
        """
        styles = list(style) if isinstance(style, (list, tuple)) else [style]
        weights = check_style_mix(style_mix, len(styles))

        def measure() -> dict:
            grams = [self.extractor(painting)["style"] for painting in styles]
            style_targets = controls.mix_grams(grams, weights)
            return {"content": self.extractor(content)["content"], "style": style_targets}

        return self.compiled_loss.remember([content, *styles], weights, measure)

    def loss_and_gradient(self, image, targets, weights, mixed_precision=False, layer_sizes=None):
        """Notebook 03's ``train_step`` without the update; :meth:`loss` runs it compiled."""
        with tf.GradientTape() as tape:
            tape.watch(image)
            features = self.extractor(image, mixed_precision)
            losses = style_content_loss(
                features,
                targets,
                image,
                **weights,
                normalization=self.normalization,
                layer_sizes=layer_sizes,
            )
        return losses, tape.gradient(losses["total"], image)

    def loss(
        self,
        image: tf.Tensor,
        targets: dict,
        weights: dict[str, float],
        mixed_precision: bool = False,
    ) -> tuple[dict[str, float], tf.Tensor]:
        """Weighted loss components of ``image`` and the gradient of the total.

        Args:
            image: ``[1, H, W, 3]`` in ``[0, 1]``.
            targets: From :meth:`targets`.
            weights: ``content_weight``, ``style_weight``, ``total_variation_weight``.
            mixed_precision: Run the network in bfloat16 (see
                :class:`~nst_helpers.speed.precision.Bfloat16Extractor`).

        Returns:
            The loss components as floats, and the gradient tensor.
        """
        return self.compiled_loss(image, targets, weights, mixed_precision)

    def stylize(
        self,
        content: ImageSource,
        style: ImageSource,
        options: StylizeOptions | None = None,
        *,
        callback: Callback | None = None,
        **overrides: Any,
    ) -> StyleTransferResult:
        """Stylise ``content`` with ``style``; see :func:`stylize` and :class:`StylizeOptions`.

        Args:
            content: The content image.
            style: The style image, or a list of them to mix.
            options: The run's options (default: :class:`StylizeOptions`'s defaults).
            callback: Called as ``callback(step, losses, image)``; return ``False`` to stop.
            **overrides: Options to change from ``options``, by name.
        """
        if options is None or overrides:
            given = {} if options is None else dataclasses.asdict(options)
            options = StylizeOptions.from_keywords(**{**given, **overrides})
        opts = options.resolved(**self.backbone.default_weights)
        weights = {name: getattr(opts, name) for name in WEIGHT_NAMES}
        # the photo and the paintings, prepared for the controls (notebook 06)
        pictures = controls.prepare(content, style, opts, callback)
        targets = self.targets(pictures.content, pictures.styles, pictures.style_mix)
        image = _initial_image(pictures.content, opts.init, opts.seed)
        run = RunLog.start(opts, pictures.callback, image.shape)  # the books; when to stop

        def loss_and_gradient(x: tf.Tensor, precision: str = "float32"):
            """The total loss and its gradient at ``x``; ``None`` once the run is over."""
            losses, gradient = self.loss(x, targets, weights, precision == "bfloat16")
            return (losses["total"], gradient) if run.log(losses, x, precision) else None

        with run:
            if opts.optimizer == "adam":  # notebook 03's loop: measure, step, clip to [0, 1]
                settings = {**ADAM_SETTINGS, "learning_rate": opts.learning_rate}
                m = v = tf.zeros_like(image)  # Adam's two moments
                for t in range(1, opts.steps + 1):
                    measured = loss_and_gradient(image)
                    if measured is None:
                        break
                    image, m, v = adam_step(image, measured[1], m, v, t, **settings)
            else:  # L-BFGS calls the closure where it wants, keeping the pixels in [0, 1]
                _, why = lbfgs.minimize(loss_and_gradient, image, run.pairs, run.schedule)
                run.solver_stopped(why)
        return pictures.finish(run.result(self.backbone.name, opts.optimizer, weights))


def _initial_image(content: tf.Tensor, init: str, seed: int) -> tf.Tensor:
    """The photo, or uniform noise (notebook 03 compares the two starts)."""
    if init == "content":
        return tf.identity(content)
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(0.0, 1.0, content.shape).astype(np.float32))


_STYLIZERS: dict[str, GatysStylizer] = {}


def get_stylizer(backbone: str = "auto") -> GatysStylizer:
    """The shared :class:`GatysStylizer` for a backbone (built on first use).

    Args:
        backbone: ``"auto"``, ``"vgg19"`` or ``"vgg16-hed"``.

    Returns:
        The stylizer, reused by every :func:`stylize` call with this backbone.
    """
    check_choice("backbone", backbone, BACKBONES)
    if backbone not in _STYLIZERS:
        _STYLIZERS[backbone] = GatysStylizer(backbone)
    return _STYLIZERS[backbone]


@show_options
def stylize(
    content: ImageSource,
    style: ImageSource,
    *,
    backbone: str = "auto",
    callback: Callback | None = None,
    **options: Any,
) -> StyleTransferResult:
    """Stylise ``content`` with the style of ``style`` by the method of Gatys et al. (notebook 03).

    Args:
        content: The content image (anything :func:`nst_helpers.images.load_image` takes).
        style: The style image (likewise), or a list of them to mix (``style_mix``).
        backbone: ``"auto"`` (VGG19 if it can be loaded, else ``vgg16-hed``), ``"vgg19"`` or
            ``"vgg16-hed"``.
        callback: Called as ``callback(step, losses, image)`` after each step; return ``False``
            to stop.
        **options: Any of :class:`~nst_helpers.options.StylizeOptions` (the signature lists
            them): ``max_dim``, ``steps``, the three weights, ``optimizer``, the controls …

    Returns:
        A :class:`StyleTransferResult` with the best image, loss history and snapshots.

    Raises:
        NSTError: For a bad image, an unknown option or one out of range, before any work starts.
    """
    opts = StylizeOptions.from_keywords(**options)
    return get_stylizer(backbone).stylize(content, style, opts, callback=callback)


__all__ = ["GatysStylizer", "get_stylizer", "stylize"]
