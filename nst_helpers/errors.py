"""The one error type of the package, and the checks that raise it.

Every bad input (a missing file, a picture that is not an image, a weight that is not a number, a
model folder that is broken) raises :class:`NSTError`. Its message names the input and says what to
do, so a notebook cell, a widget or the command line can show it as one readable line.
"""

from __future__ import annotations

import math
from numbers import Integral, Real


class NSTError(ValueError):
    """Bad input to ``nst_helpers``: the message names the input and the fix.

    It subclasses :class:`ValueError`, so ``except ValueError`` catches it too.
    """


def check_int(name: str, value: object, low: int, high: int) -> int:
    """Return ``value`` as an ``int`` if it is a whole number in ``[low, high]``.

    Args:
        name: The parameter's name, used in the message (e.g. ``"max_dim"``).
        value: What the caller passed.
        low: Smallest allowed value.
        high: Largest allowed value.

    Returns:
        The value as a Python ``int``.

    Raises:
        NSTError: If ``value`` is not a whole number in range.
    """
    if isinstance(value, bool) or not isinstance(value, (Integral, Real)):
        raise NSTError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    if isinstance(value, Real) and not isinstance(value, Integral):
        if not math.isfinite(value) or value != int(value):
            raise NSTError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    number = int(value)
    if not low <= number <= high:
        raise NSTError(f"{name} must be from {low} to {high}, got {number}")
    return number


def check_float(
    name: str, value: object, low: float = 0.0, high: float = math.inf, *, low_open: bool = False
) -> float:
    """Return ``value`` as a finite ``float`` in ``[low, high]`` (``(low, high]`` if ``low_open``).

    Args:
        name: The parameter's name, used in the message (e.g. ``"style_weight"``).
        value: What the caller passed.
        low: Smallest allowed value.
        high: Largest allowed value.
        low_open: Whether ``low`` itself is excluded.

    Returns:
        The value as a Python ``float``.

    Raises:
        NSTError: If ``value`` is not a finite number in range (NaN and infinity never are).
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise NSTError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise NSTError(f"{name} must be a finite number, got {number}")
    too_low = number <= low if low_open else number < low
    if too_low or number > high:
        left = "(" if low_open else "["
        right = "]" if math.isfinite(high) else ")"
        raise NSTError(f"{name} must be in {left}{low:g}, {high:g}{right}, got {number:g}")
    return number


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``.

    Args:
        name: The parameter's name, used in the message.
        value: What the caller passed.
        choices: The allowed strings.

    Returns:
        The value.

    Raises:
        NSTError: If ``value`` is not one of ``choices``.
    """
    if value not in choices:
        raise NSTError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value  # type: ignore[return-value]
