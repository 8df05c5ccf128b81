"""The Gatys et al. optimisation loop (taught in notebook 03).

:func:`stylize` turns a content image into a picture with the style of another by gradient descent
on the pixels. Each step is notebook 03's ``train_step``: the network measures the picture under a
``tf.GradientTape``, which gives the loss's gradient for every pixel, and the optimizer moves them:

* ``"adam"`` — the TensorFlow tutorial's settings (:data:`ADAM_SETTINGS`), pixels clipped to
  ``[0, 1]`` after each step, as in the notebook;
* ``"lbfgs"`` — projected L-BFGS (:mod:`nst_helpers.speed.lbfgs`), which asks the loop for the
  loss and gradient where it wants them and keeps the pixels in ``[0, 1]`` itself.

One *step* is one forward and backward pass for both, so step counts and times compare directly.
A :class:`~nst_helpers.speed.runlog.RunLog` keeps the books: loss history, best image, snapshots,
progress bar, and when to stop. With mixed precision (L-BFGS only) the first steps run the network
in bfloat16 (:class:`~nst_helpers.speed.lbfgs.PrecisionSchedule`); the image returned and its losses
are float32 ones. The loss is compiled once per image size; the weights go in as tensors, so new
weights never re-trace.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any

import numpy as np
import tensorflow as tf

from . import controls
from .adam import ADAM_SETTINGS, adam_step
from .errors import check_choice
from .images import ImageSource, load_image, scale_to_max_dim
from .losses import NORMALIZATIONS, style_content_loss
from .models import (
    BACKBONES,
    CONTENT_LAYERS,
    STYLE_LAYERS,
    Backbone,
    load_backbone,
)
from .options import DEFAULT_TOLERANCE, StylizeOptions
from .speed import lbfgs
from .speed.curvature_tf import shared_pairs
from .speed.lbfgs import MIXED_FRACTION, PrecisionSchedule
from .speed.precision import Bfloat16Extractor, resolve_mixed_precision
from .speed.runlog import (
    COMPONENTS,
    EXPLOSION_FACTOR,
    STOP_WINDOW,
    RunLog,
    StyleTransferResult,
    announce_duration,
)

_WEIGHT_NAMES = ("content_weight", "style_weight", "total_variation_weight")

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
        #: How many times the loss function was traced (once per image size).
        self.trace_count = 0
        self._targets: dict[tuple, dict] = {}
        self._sizes: dict[tuple, dict] = {}
        self._loss_and_grads = tf.function(self._loss_and_grads_py)

    # -- the measurement: notebook 03's train_step, without the update -------------------------

    def _loss_and_grads_py(self, image, targets, weights, layer_sizes, mixed_precision):
        self.trace_count += 1  # Python side effect: runs only while tracing
        with tf.GradientTape() as tape:
            tape.watch(image)
            losses = style_content_loss(
                self.extractor(image, mixed_precision),
                targets,
                image,
                content_weight=weights[0],
                style_weight=weights[1],
                total_variation_weight=weights[2],
                normalization=self.normalization,
                layer_sizes=layer_sizes,
            )
        grad = tape.gradient(losses["total"], image)
        return tf.stack([losses[name] for name in COMPONENTS]), grad

    def targets(
        self, content: tf.Tensor, style: tf.Tensor | list, style_mix: Sequence[float] | None = None
    ) -> dict:
        """Content features of ``content`` and style Grams of ``style``, cached per image.

        Args:
            content: ``[1, H, W, 3]`` in ``[0, 1]``.
            style: ``[1, h, w, 3]`` in ``[0, 1]``, or a list of paintings to mix.
            style_mix: Their weights (see :func:`~nst_helpers.controls.check_style_mix`).

        Returns:
            ``{"content": {...}, "style": {...}}`` for :func:`~nst_helpers.losses.style_content_loss`;
            for several paintings the style Grams are their weighted mix (notebook 06).
        """
        styles = list(style) if isinstance(style, (list, tuple)) else [style]
        weights = controls.check_style_mix(style_mix, len(styles))
        key = (_fingerprint(content), *map(_fingerprint, styles), weights)
        if key not in self._targets:
            if len(self._targets) > 8:
                self._targets.clear()
            grams = [self.extractor(painting)["style"] for painting in styles]
            self._targets[key] = {
                "content": self.extractor(content)["content"],
                "style": controls.mix_grams(grams, weights),
            }
        return self._targets[key]

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
        values, grad = self._loss_and_grads(
            tf.convert_to_tensor(image, tf.float32),
            targets,
            _weight_tensor(weights),
            self._layer_sizes(image),
            bool(mixed_precision),
        )
        return dict(zip(COMPONENTS, values.numpy().tolist())), grad

    def _layer_sizes(self, image: tf.Tensor) -> dict | None:
        """Gatys' ``(N, M)`` per style layer; they depend only on the image's shape."""
        if self.normalization != "gatys":
            return None
        shape = tuple(image.shape)
        if shape not in self._sizes:
            self._sizes[shape] = self.extractor.layer_sizes(image)
        return self._sizes[shape]

    # -- the loop ----------------------------------------------------------------------------

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
        given = StylizeOptions.from_keywords(**{**_as_dict(options), **overrides})
        opts = given.resolved(**self.backbone.default_weights)
        weights = {name: getattr(opts, name) for name in _WEIGHT_NAMES}
        mixed_precision = resolve_mixed_precision(opts.mixed_precision, opts.optimizer)
        schedule = PrecisionSchedule.for_run(
            opts.steps, mixed_precision, opts.tolerance, STOP_WINDOW
        )

        styles, mix = controls.check_controls(
            style, opts.preserve_color, opts.style_mix, opts.style_scale
        )
        photo = load_image(content, max_dim=opts.max_dim)
        paintings = [controls.load_style(s, opts.max_dim, opts.style_scale) for s in styles]
        content_image, style_images = controls.prepare_colors(photo, paintings, opts.preserve_color)
        targets = self.targets(content_image, style_images, mix)
        image = _initial_image(content_image, opts.init, opts.seed)
        callback = controls.color_callback(callback, photo, opts.preserve_color)
        if opts.progress:
            announce_duration(
                content_image.shape, opts.steps, opts.optimizer, schedule.bfloat16_steps
            )

        run = RunLog.start(opts.steps, opts.tolerance, opts.num_snapshots, callback, opts.progress)
        try:
            if opts.optimizer == "adam":
                self.adam_loop(run, image, targets, weights, opts.learning_rate)
            else:
                self.lbfgs_loop(run, image, targets, weights, schedule)
        finally:
            run.close_progress_bar()
        result = run.result(self.backbone.name, opts.optimizer, weights)
        return controls.finish_result(result, photo, opts.preserve_color)

    def measure_step(
        self, run: RunLog, image: tf.Tensor, targets: dict, weights: dict, precision: str
    ) -> tuple[float, tf.Tensor] | None:
        """One step of the loop: measure ``image`` (forward and backward pass), log it, stop?

        Args:
            run: The run's books (:class:`~nst_helpers.speed.runlog.RunLog`).
            image: The picture to measure, ``[1, H, W, 3]``.
            targets: From :meth:`targets`.
            weights: ``content_weight``, ``style_weight``, ``total_variation_weight``.
            precision: ``"float32"``, or ``"bfloat16"`` to run the network in bfloat16.

        Returns:
            The total loss and its gradient, or ``None`` once the run is over (its steps are
            spent, the loss blew up, it converged, or the callback stopped it).
        """
        losses, grad = self.loss(image, targets, weights, precision == "bfloat16")
        if run.stop_if_blown_up(losses["total"]):
            return None
        run.add_step(losses, image, precision)
        run.stop_if_converged()
        run.stop_if_callback_says_so(losses, image)
        return None if run.finished else (losses["total"], grad)

    def adam_loop(
        self, run: RunLog, image: tf.Tensor, targets: dict, weights: dict, learning_rate: float
    ) -> None:
        """Notebook 03's ``train_step`` loop: measure the picture, take an Adam step, clip.

        Adam uses the tutorial's settings (:data:`ADAM_SETTINGS`) with ``learning_rate``.

        Args:
            run: The run's books; the loop ends when :meth:`measure_step` says the run is over.
            image: The starting picture, ``[1, H, W, 3]`` in ``[0, 1]``.
            targets: From :meth:`targets`.
            weights: ``content_weight``, ``style_weight``, ``total_variation_weight``.
            learning_rate: Adam's learning rate.
        """
        settings = {**ADAM_SETTINGS, "learning_rate": learning_rate}
        # as tensors, so that the update is traced once, not once per value
        hyper = {name: tf.constant(value, tf.float32) for name, value in settings.items()}
        m, v = tf.zeros_like(image), tf.zeros_like(image)  # Adam's two moments
        run.guard_explosion = True  # every Adam step is taken, so a blow-up sticks
        for t in range(1, run.steps + 1):
            measured = self.measure_step(run, image, targets, weights, "float32")
            if measured is None:  # the run is over
                break
            _, grad = measured
            image, m, v = adam_step(image, grad, m, v, tf.constant(float(t)), **hyper)

    def lbfgs_loop(
        self,
        run: RunLog,
        image: tf.Tensor,
        targets: dict,
        weights: dict,
        schedule: PrecisionSchedule,
    ) -> None:
        """Hand the picture to the L-BFGS solver, measuring where it asks.

        The solver is :func:`nst_helpers.speed.lbfgs.minimize` with its arithmetic in TensorFlow
        ops, so the picture, its gradient and the curvature pairs stay on the device that runs
        the network (a GPU's, if there is one).

        Args:
            run: The run's books; the solver stops when :meth:`measure_step` says the run is over.
            image: The starting picture, ``[1, H, W, 3]`` in ``[0, 1]``.
            targets: From :meth:`targets`.
            weights: ``content_weight``, ``style_weight``, ``total_variation_weight``.
            schedule: Which steps run in bfloat16 (mixed precision) and which in float32.
        """
        run.guard_explosion = False  # the line search may try a far-off point and back off

        def loss_and_gradient(x: tf.Tensor, precision: str):
            return self.measure_step(run, x, targets, weights, precision)

        _, why = lbfgs.minimize(loss_and_gradient, image, shared_pairs(image.shape), schedule)
        if why:
            run.stop_reason = f"converged: {why} (step {run.last_step})"


def _as_dict(options: StylizeOptions | None) -> dict[str, Any]:
    return {} if options is None else {f.name: getattr(options, f.name) for f in fields(options)}


def _initial_image(content: tf.Tensor, init: str, seed: int) -> tf.Tensor:
    if init == "content":
        return tf.identity(content)
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(0.0, 1.0, content.shape).astype(np.float32))


def _weight_tensor(weights: dict[str, float]) -> tf.Tensor:
    return tf.constant([weights[name] for name in _WEIGHT_NAMES], dtype=tf.float32)


def _fingerprint(image: tf.Tensor) -> tuple:
    array = np.asarray(image)
    return array.shape, hashlib.blake2b(array.tobytes(), digest_size=16).hexdigest()


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
        **options: Any of :class:`~nst_helpers.options.StylizeOptions`: ``max_dim``, ``steps``,
            ``content_weight``, ``style_weight``, ``total_variation_weight``, ``optimizer``
            (``"lbfgs"`` or ``"adam"``), ``init``, ``learning_rate``, ``num_snapshots``,
            ``tolerance``, ``seed``, ``progress``, ``mixed_precision``, ``preserve_color``,
            ``style_mix``, ``style_scale``.

    Returns:
        A :class:`StyleTransferResult` with the best image, loss history and snapshots.

    Raises:
        NSTError: For a bad image, an unknown option or one out of range, before any work starts.
    """
    opts = StylizeOptions.from_keywords(**options)
    return get_stylizer(backbone).stylize(content, style, opts, callback=callback)


stylize.__signature__ = inspect.Signature(
    [
        *list(inspect.signature(stylize).parameters.values())[:4],
        *(
            inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default)
            for f in fields(StylizeOptions)
        ),
    ],
    return_annotation=inspect.signature(stylize).return_annotation,
)


__all__ = [
    "ADAM_SETTINGS",
    "COMPONENTS",
    "DEFAULT_TOLERANCE",
    "EXPLOSION_FACTOR",
    "MIXED_FRACTION",
    "STOP_WINDOW",
    "GatysStylizer",
    "StylizeOptions",
    "RunLog",
    "StyleTransferResult",
    "get_stylizer",
    "scale_to_max_dim",
    "stylize",
]
