"""The values of the style-transfer controls and their command-line flags (no TensorFlow here).

The controls themselves are in :mod:`nst_helpers.controls` (notebook 06). This module holds what
the command line needs before TensorFlow is imported: the allowed values, their checks, the flags
``--preserve-color``, ``--style-mix`` and ``--style-scale``, and the parsing of ``--style-mix``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from numbers import Real

from .errors import NSTError, check_choice, check_float

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
