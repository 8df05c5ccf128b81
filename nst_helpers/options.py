"""The options of a run, their defaults and their checks, written once and without TensorFlow.

:class:`StylizeOptions` names, defaults and checks every option of
:func:`nst_helpers.gatys.stylize` once; the command line, folder runs and the panels build one too.
The style controls (notebook 06, :mod:`nst_helpers.controls`) have their allowed values and checks
here, so that the command line refuses a bad value before it imports TensorFlow.
"""

from __future__ import annotations

import copy
import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from numbers import Real
from typing import Any

from .config import has_gpu
from .errors import NSTError, check_choice, check_float, check_int

# Input limits, checked before TensorFlow is imported.
#: The shorter side of an image must be at least this many pixels: VGG pools five times.
MIN_SIDE = 32
#: The largest ``max_dim`` the package accepts.
MAX_DIM_LIMIT = 4096
#: The largest number of steps the package accepts.
MAX_STEPS = 100_000
#: The largest loss weight the package accepts.
MAX_WEIGHT = 1e12
#: Backbones of the Gatys loop (see :mod:`nst_helpers.models`).
BACKBONES = ("auto", "vgg19", "vgg16-hed")
#: Optimizers of the Gatys loop (see :mod:`nst_helpers.gatys`).
OPTIMIZERS = ("adam", "lbfgs")

#: The two colour-preservation methods of Gatys et al. 2017 (``None`` keeps the painting's colours).
PRESERVE_COLOR = ("luminance", "histogram")
#: The range of ``style_scale``.
STYLE_SCALE_RANGE = (0.25, 4.0)
#: The longest side a scaled painting may have: a larger one takes too much memory in VGG.
MAX_STYLE_DIM = 2048
#: The fast path's longest side unless told (notebook 04).
FAST_MAX_DIM = 384
#: The Gatys loop's ``max_dim`` and ``steps`` unless told, by hardware (:func:`gatys_defaults`).
GATYS_DEFAULTS = {"gpu": {"max_dim": 512, "steps": 500}, "cpu": {"max_dim": 256, "steps": 290}}
#: How the Gatys loop may start: from the photo, or from uniform noise.
INITS = ("content", "noise")
#: Stop when the best loss improves by less than this fraction of itself over 25 steps.
DEFAULT_TOLERANCE = 1e-3
#: The three loss weights of the Gatys loop (notebook 03).
WEIGHT_NAMES = ("content_weight", "style_weight", "total_variation_weight")
#: The TF tutorial's Adam settings (notebook 03).
ADAM_SETTINGS = {"learning_rate": 0.02, "beta_1": 0.99, "beta_2": 0.999, "epsilon": 0.1}


def check_preserve_color(preserve_color: str | None) -> str | None:
    """``preserve_color`` if it is ``None``, ``"luminance"`` or ``"histogram"``, else NSTError."""
    if preserve_color is None:
        return None
    return check_choice("preserve_color", preserve_color, PRESERVE_COLOR)


def check_style_scale(style_scale: float) -> float:
    """``style_scale`` as a float if it is a number in :data:`STYLE_SCALE_RANGE`, else NSTError."""
    return check_float("style_scale", style_scale, *STYLE_SCALE_RANGE)


def check_style_mix(style_mix: Sequence[float] | None, count: int) -> tuple[float, ...]:
    """Check the weights of ``count`` paintings and normalise them to sum to 1.

    Args:
        style_mix: One non-negative weight per painting, not all zero; ``None`` gives equal
            weights.
        count: How many paintings there are.

    Returns:
        The weights divided by their sum.

    Raises:
        NSTError: If the count differs, a weight is negative or not a finite number, or all are 0.
    """
    if style_mix is None:
        return (1.0 / count,) * count
    if isinstance(style_mix, (str, bytes)) or not isinstance(style_mix, Sequence):
        raise NSTError(f"style_mix must be a list of weights, one per painting; got {style_mix!r}")
    weights = list(style_mix)
    if len(weights) != count:
        raise NSTError(
            f"style_mix has {len(weights)} weight(s) for {count} painting(s); give one weight per "
            "painting"
        )
    for weight in weights:
        if isinstance(weight, bool) or not isinstance(weight, Real) or not math.isfinite(weight):
            raise NSTError(f"style_mix weights must be finite numbers; got {weight!r}")
        if weight < 0:
            raise NSTError(f"style_mix weights must not be negative; got {weight:g}")
    total = float(sum(weights))
    if total == 0:
        raise NSTError("style_mix weights are all 0; give at least one painting a weight above 0")
    return tuple(float(weight) / total for weight in weights)


def gatys_defaults() -> dict[str, int]:
    """Default ``max_dim`` and ``steps`` of the Gatys loop for the hardware at hand.

    Returns:
        :data:`GATYS_DEFAULTS`' ``"gpu"`` or ``"cpu"`` entry: on a CPU a run takes a few minutes
        (``benchmarks/README.md`` has the measured times and losses).
    """
    return dict(GATYS_DEFAULTS["gpu" if has_gpu() else "cpu"])


@dataclass(frozen=True)
class StylizeOptions:
    """The options of a Gatys run, checked once (:func:`nst_helpers.gatys.stylize`, notebook 03).

    :func:`~nst_helpers.gatys.stylize`, the command line, folder runs and the panels all build one
    of these, so each option is named, defaulted and checked in one place.

    Attributes:
        max_dim: Longest side of both images in pixels (``None``: :data:`GATYS_DEFAULTS`).
        steps: The most forward-and-backward passes (Adam steps, or L-BFGS function
            evaluations); ``None``: :data:`GATYS_DEFAULTS`.
        content_weight: Weight of the content loss; ``None`` takes the backbone's default.
        style_weight: Weight of the style loss; ``None`` takes the backbone's default.
        total_variation_weight: Weight of the total-variation loss; ``None`` takes the default.
        optimizer: ``"lbfgs"`` (fewer passes for the same loss) or ``"adam"``.
        init: Start from the ``"content"`` image or from uniform ``"noise"``.
        learning_rate: Adam's learning rate (the tutorial's, :data:`ADAM_SETTINGS`).
        num_snapshots: How many images to keep evenly through the run.
        tolerance: Stop early when the best loss improves by less than this fraction of itself
            over 25 steps; 0 always runs every step.
        seed: Seed of the noise start.
        progress: Show a progress bar.
        mixed_precision: L-BFGS only: run the first steps (at most half) in bfloat16. ``None``
            does so on a CPU that computes bfloat16 natively; ``False`` never.
        preserve_color: Keep the photo's colours: ``"luminance"`` or ``"histogram"``
            (notebook 06).
        style_mix: One weight per painting when several are given (default equal); checked
            against the paintings when they are loaded (:func:`nst_helpers.controls.prepare`).
        style_scale: The painting's size relative to ``max_dim`` (0.25–4): larger strokes above 1.

    Raises:
        NSTError: For a value out of range, naming the option and the allowed range.
    """

    max_dim: int | None = None
    steps: int | None = None
    content_weight: float | None = None
    style_weight: float | None = None
    total_variation_weight: float | None = None
    optimizer: str = "lbfgs"
    init: str = "content"
    learning_rate: float = ADAM_SETTINGS["learning_rate"]
    num_snapshots: int = 10
    tolerance: float = DEFAULT_TOLERANCE
    seed: int = 0
    progress: bool = True
    mixed_precision: bool | None = None
    preserve_color: str | None = None
    style_mix: tuple[float, ...] | None = None
    style_scale: float = 1.0

    def __post_init__(self) -> None:
        if self.max_dim is not None:
            check_int("max_dim", self.max_dim, MIN_SIDE, MAX_DIM_LIMIT)
        if self.steps is not None:
            check_int("steps", self.steps, 1, MAX_STEPS)
        for name in WEIGHT_NAMES:
            if getattr(self, name) is not None:
                check_float(name, getattr(self, name), 0.0, MAX_WEIGHT)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("init", self.init, INITS)
        check_float("learning_rate", self.learning_rate, 0.0, 10.0, low_open=True)
        check_int("num_snapshots", self.num_snapshots, 0, 1000)
        check_float("tolerance", self.tolerance, 0.0, 1.0)
        check_int("seed", self.seed, 0, 2**32 - 1)
        check_mixed_precision(self.mixed_precision, self.optimizer)
        check_preserve_color(self.preserve_color)
        check_style_scale(self.style_scale)
        if self.style_mix is not None:
            object.__setattr__(self, "style_mix", tuple(self.style_mix))

    @classmethod
    def from_keywords(cls, **options: Any) -> StylizeOptions:
        """Build from keyword arguments; an unknown name is one :class:`NSTError` naming it."""
        unknown = sorted(set(options) - {f.name for f in fields(cls)})
        if unknown:
            known = ", ".join(f.name for f in fields(cls))
            raise NSTError(f"stylize has no option {', '.join(unknown)}; its options are {known}")
        return cls(**options)

    def resolved(self, **defaults: Any) -> StylizeOptions:
        """A copy with every ``None`` filled in: ``max_dim`` and ``steps`` for this hardware.

        Args:
            **defaults: Further defaults, such as the backbone's loss weights (trusted: the
                options given were checked when they were built, and are not checked again).

        Returns:
            The filled-in options.
        """
        filled = copy.copy(self)
        for name, value in {**gatys_defaults(), **defaults}.items():
            if getattr(self, name) is None:
                object.__setattr__(filled, name, value)
        return filled


def show_options(function: Callable) -> Callable:
    """Show each option of :class:`StylizeOptions` in ``function``'s signature, for ``help()``."""
    signature = inspect.signature(function)
    shown = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    keyword = inspect.Parameter.KEYWORD_ONLY
    shown += [inspect.Parameter(f.name, keyword, default=f.default) for f in fields(StylizeOptions)]
    function.__signature__ = signature.replace(parameters=shown)
    return function


def check_mixed_precision(mixed_precision: bool | None, optimizer: str) -> bool | None:
    """``mixed_precision`` if it is True, False or None and fits ``optimizer``, else NSTError."""
    if mixed_precision not in (None, True, False):
        raise NSTError(
            f"mixed_precision must be True, False or None (automatic), not {mixed_precision!r}"
        )
    if mixed_precision and optimizer == "adam":
        raise NSTError(
            "mixed_precision works with optimizer='lbfgs' only; Adam runs the tutorial's "
            "float32 loop (leave mixed_precision out)"
        )
    return mixed_precision
