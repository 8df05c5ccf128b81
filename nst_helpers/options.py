"""The options of the Gatys loop and of the style controls, checked without TensorFlow.

:class:`StylizeOptions` names, defaults and checks every option of
:func:`nst_helpers.gatys.stylize` once; the command line, folder runs and the panels build one too.
The style controls (notebook 06, :mod:`nst_helpers.controls`) have their allowed values, checks
and command-line flags here, so that the command line refuses a bad value before it imports
TensorFlow.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
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


def check_preserve_color(preserve_color: str | None) -> str | None:
    """Return ``preserve_color`` if it is ``None``, ``"luminance"`` or ``"histogram"``.

    Args:
        preserve_color: What the caller passed.

    Returns:
        The value.

    Raises:
        NSTError: For any other value.
    """
    if preserve_color is None:
        return None
    return check_choice("preserve_color", preserve_color, PRESERVE_COLOR)


def check_style_scale(style_scale: float) -> float:
    """Return ``style_scale`` as a float if it is a number in ``[0.25, 4]``.

    Args:
        style_scale: What the caller passed.

    Returns:
        The value as a float.

    Raises:
        NSTError: Otherwise.
    """
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


def add_control_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--preserve-color``, ``--style-mix`` and ``--style-scale`` to the command line.

    Args:
        parser: The command line's parser.
    """
    parser.add_argument(
        "--preserve-color",
        choices=PRESERVE_COLOR,
        help="keep the photo's colours: luminance (stylise the luminance only) or histogram "
        "(recolour the painting to the photo's colours first)",
    )
    parser.add_argument(
        "--style-mix",
        metavar="W1,W2,...",
        help="weights of the paintings to mix, one per style image, e.g. 0.7,0.3 (not negative, "
        "not all 0; default equal)",
    )
    low, high = STYLE_SCALE_RANGE
    parser.add_argument(
        "--style-scale",
        type=float,
        metavar="S",
        help=f"Gatys: the painting's size relative to --max-dim, {low:g} to {high:g} (default "
        "1); above 1 gives larger brush strokes",
    )


def parse_style_mix(text: str | None, count: int) -> tuple[float, ...] | None:
    """The weights of ``--style-mix W1,W2,...`` for ``count`` style images, checked.

    Args:
        text: The flag's value, or ``None`` if it was not given.
        count: How many style images were given.

    Returns:
        The weights as given, or ``None``.

    Raises:
        NSTError: If the text is not numbers separated by commas, or the weights are bad.
    """
    if text is None:
        return None
    try:
        weights = [float(part) for part in text.split(",")]
    except ValueError:
        raise NSTError(
            f"--style-mix must be numbers separated by commas, e.g. 0.7,0.3; got {text!r}"
        ) from None
    try:
        check_style_mix(weights, count)
    except NSTError as exc:
        raise NSTError(
            f"--{str(exc).replace('_', '-')} (style images: STYLE, then each -s)"
        ) from None
    return tuple(weights)


def gatys_defaults() -> dict[str, int]:
    """Default ``max_dim`` and ``steps`` of the Gatys loop for the hardware at hand.

    Returns:
        ``{"max_dim": 512, "steps": 500}`` on a GPU; ``{"max_dim": 256, "steps": 290}`` on a CPU,
        a few minutes there (``benchmarks/README.md`` has the measured times and losses).
    """
    return {"max_dim": 512, "steps": 500} if has_gpu() else {"max_dim": 256, "steps": 290}


#: How the Gatys loop may start: from the photo, or from uniform noise.
INITS = ("content", "noise")
#: Stop when the best loss improves by less than this fraction of itself over 25 steps.
DEFAULT_TOLERANCE = 1e-3
#: Adam's learning rate in the TensorFlow tutorial (:data:`nst_helpers.adam.ADAM_SETTINGS`).
ADAM_LEARNING_RATE = 0.02


@dataclass(frozen=True)
class StylizeOptions:
    """The options of a Gatys run, checked once (:func:`nst_helpers.gatys.stylize`, notebook 03).

    :func:`~nst_helpers.gatys.stylize`, the command line, folder runs and the panels all build one
    of these, so each option is named, defaulted and checked in one place.

    Attributes:
        max_dim: Longest side of both images in pixels (``None``: 512 on a GPU, 256 on a CPU).
        steps: The most forward-and-backward passes (Adam steps, or L-BFGS function
            evaluations); ``None``: 500 on a GPU, 290 on a CPU.
        content_weight: Weight of the content loss; ``None`` takes the backbone's default.
        style_weight: Weight of the style loss; ``None`` takes the backbone's default.
        total_variation_weight: Weight of the total-variation loss; ``None`` takes the default.
        optimizer: ``"lbfgs"`` (fewer passes for the same loss) or ``"adam"``.
        init: Start from the ``"content"`` image or from uniform ``"noise"``.
        learning_rate: Adam's learning rate (the tutorial's 0.02).
        num_snapshots: How many images to keep evenly through the run.
        tolerance: Stop early when the best loss improves by less than this fraction of itself
            over 25 steps; 0 always runs every step.
        seed: Seed of the noise start.
        progress: Show a progress bar.
        mixed_precision: L-BFGS only: run the first steps (at most half) in bfloat16. ``None``
            does so on a CPU that computes bfloat16 natively; ``False`` never.
        preserve_color: Keep the photo's colours: ``"luminance"`` or ``"histogram"``
            (notebook 06).
        style_mix: One weight per painting when several are given (default equal).
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
    learning_rate: float = ADAM_LEARNING_RATE
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
        for name in ("content_weight", "style_weight", "total_variation_weight"):
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
            **defaults: Further defaults, such as the backbone's loss weights.

        Returns:
            The filled-in options.
        """
        defaults = {**gatys_defaults(), **defaults}
        missing = {k: v for k, v in defaults.items() if getattr(self, k) is None}
        return replace(self, **missing)


def check_mixed_precision(mixed_precision: bool | None, optimizer: str) -> bool | None:
    """Return ``mixed_precision`` if it is True, False or None and fits ``optimizer``.

    Raises:
        NSTError: If it is something else, or True with Adam.
    """
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
