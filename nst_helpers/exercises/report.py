"""How every exercise checker reports: one ``✓`` line, or ``✗`` and the first failure explained.

A checker writes its checks as a function that returns the success line, raises
:class:`CheckFailed` at the first failure, and calls the student's code through :func:`call` (so
an exception in it becomes a failure, not a crash). :func:`run_checks` prints the verdict and
returns ``True`` or ``False``::

    ✓ style_loss is right on 3 sets of layers: ...

    ✗ style_loss(outputs, targets) for 4 layers with Grams of 3×3, 12×12, 6×6 and 8×8
      expected: 1.2345
      got:      4.938
      likely mistake: it is 4× too large: divide by the number of layers (4)

A function that still raises ``NotImplementedError`` (the stub of a student copy, see
:mod:`nst_helpers.cli.teach`) is not a failure but an exercise not written yet; it gets one line::

    ✗ style_loss is not implemented yet: Exercise 2 (The style loss from feature maps). Write it in
    place of its raise NotImplementedError line and run the cell again.

Checkers draw their inputs from a seeded generator (:func:`rng`), so a failure repeats on every
run and the same inputs can be rebuilt from the seed.

Under nbgrader (``autograde`` and ``validate`` set ``NBGRADER_EXECUTION``) a failure or an exercise
not written yet also raises ``AssertionError``, so the graded cell scores 0; the explanation is then
the error's text, shown once in place of a traceback, and reaches the student's feedback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from textwrap import wrap
from typing import Any

import numpy as np

#: The seed every checker uses unless it is given another.
DEFAULT_SEED = 0


class CheckFailed(Exception):
    """The first failed check: what input, what was expected, what came back, the likely mistake.

    Args:
        given: The call or input that failed, e.g. ``"conv_output_size(n=7, f=3, ...)"``.
        expected: What a right answer gives.
        got: What came back.
        mistake: The likely mistake, in plain words.
    """

    def __init__(self, given: str, expected: str, got: str, mistake: str) -> None:
        super().__init__(given)
        self.given, self.expected, self.got, self.mistake = given, expected, got, mistake

    def report(self) -> str:
        """The failure as the lines a checker prints."""
        return (
            f"✗ {self.given}\n  expected: {self.expected}\n  got:      {self.got}\n"
            f"  likely mistake: {self.mistake}"
        )


class NotImplementedYet(Exception):
    """The student's function raised ``NotImplementedError`` itself: the exercise is still a stub.

    Args:
        function: The name of the student's function, e.g. ``"style_loss"``.
        message: The error's message; a student copy's stub says ``"Exercise N: <title>"``.
    """

    def __init__(self, function: str, message: str) -> None:
        super().__init__(function)
        self.function, self.message = function, message

    def report(self) -> str:
        """The one line a checker prints."""
        exercise = re.fullmatch(r"(Exercise \d+): (.+)", self.message.strip(), re.DOTALL)
        if exercise:
            which = f": {exercise[1]} ({exercise[2]})"
        else:
            which = f": {self.message.strip()}" if self.message.strip() else ""
        return (
            f"✗ {self.function} is not implemented yet{which}. Write it in place of its "
            "raise NotImplementedError line and run the cell again."
        )


def rng(seed: int | None) -> np.random.Generator:
    """The seeded random generator of a checker (``DEFAULT_SEED`` if ``seed`` is None).

    Args:
        seed: The seed.

    Returns:
        A NumPy generator.
    """
    return np.random.default_rng(DEFAULT_SEED if seed is None else seed)


def run_checks(checks: Callable[[], str]) -> bool:
    """Run a checker's checks, print ``✓ …`` or the first failure, and return whether they passed.

    Args:
        checks: Returns the success line (without the ``✓``) or raises :class:`CheckFailed`.

    Returns:
        True if every check passed.

    Raises:
        AssertionError: Under nbgrader (``NBGRADER_EXECUTION`` set), instead of printing a failure.
    """
    try:
        success = checks()
    except (CheckFailed, NotImplementedYet) as failure:
        explanation = failure.report()
        if os.environ.get("NBGRADER_EXECUTION"):
            graded = AssertionError(explanation)
            # IPython shows these lines instead of the stack: the explanation, once, wrapped for
            # nbgrader's feedback page, which does not wrap them.
            text = f"\x1b[0;31mAssertionError\x1b[0m: {explanation}"
            lines = [
                cut
                for line in text.splitlines()
                for cut in wrap(line, 100, subsequent_indent="    ")
            ]
            graded._render_traceback_ = lambda: lines
            raise graded from None
        print(explanation)
        return False
    print(f"✓ {success}")
    return True


def call(function: Callable[..., Any], *args: Any, given: str, expected: str) -> Any:
    """Call the student's ``function``; an exception in it becomes a :class:`CheckFailed`.

    A ``NotImplementedError`` raised by the function's own body (a stub) becomes
    :class:`NotImplementedYet` instead; one raised deeper, by code it calls, is a failure.

    Args:
        function: The student's function.
        *args: Its arguments.
        given: The call, as the failure names it.
        expected: What a right answer would return.

    Returns:
        What the function returned.

    Raises:
        CheckFailed: If the function raised.
        NotImplementedYet: If the function's own body raised ``NotImplementedError``.
    """
    try:
        return function(*args)
    except Exception as exc:  # a student's bug: report it, do not crash the notebook
        if isinstance(exc, NotImplementedError) and _raised_by(function, exc):
            name = getattr(function, "__name__", "the function")
            raise NotImplementedYet(name, str(exc)) from None
        raise CheckFailed(
            given,
            expected,
            f"the error {type(exc).__name__}: {exc}",
            "the function stopped with an error; the message names what went wrong",
        ) from None


def _raised_by(function: Callable[..., Any], exc: BaseException) -> bool:
    """Whether ``exc`` was raised in ``function``'s own body (any callable without code: yes)."""
    code = getattr(function, "__code__", None)
    traceback = exc.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    return code is None or (traceback is not None and traceback.tb_frame.f_code is code)


def scalar(value: object, given: str, expected: str) -> float:
    """Turn a returned tensor, array or number into a float.

    Args:
        value: What the student's function returned.
        given: The call, as a failure names it.
        expected: What a right answer would return.

    Returns:
        The value as a float.

    Raises:
        CheckFailed: If ``value`` is not a single number.
    """
    _not_none(value, given, expected)
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(
            given, expected, f"{type(value).__name__} {value!r}", "return a single number"
        ) from None
    if array.size != 1:
        raise CheckFailed(
            given,
            expected,
            f"an array of shape {array.shape}",
            "the result should be a single number: sum (or average) over every axis, the batch "
            "included",
        )
    return float(array.reshape(()))


def array(value: object, given: str, expected: str) -> np.ndarray:
    """Turn a returned tensor or array into a float64 NumPy array.

    Args:
        value: What the student's function returned.
        given: The call, as a failure names it.
        expected: What a right answer would return.

    Returns:
        The values.

    Raises:
        CheckFailed: If ``value`` is not numbers (e.g. ``None`` because ``return`` is missing).
    """
    _not_none(value, given, expected)
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(
            given,
            expected,
            f"{type(value).__name__} {value!r}"[:80],
            "return the array or tensor (is the `return` line missing?)",
        ) from None


def _not_none(value: object, given: str, expected: str) -> None:
    """Fail on ``None``: a student's function without its ``return`` line (every notebook)."""
    if value is None:
        raise CheckFailed(
            given, expected, "None", "the function returns nothing: add the `return` line"
        )


def diagnose(
    got: np.ndarray | float,
    mistakes: Sequence[tuple[str, np.ndarray | float]],
    otherwise: str,
    rtol: float = 1e-4,
    atol: float = 1e-6,
) -> str:
    """Name the first typical mistake whose result matches ``got``.

    Args:
        got: What the student's function returned.
        mistakes: ``(explanation, what that mistake returns)`` pairs, most telling first.
        otherwise: The explanation when no mistake matches.
        rtol: Relative tolerance of a match.
        atol: Absolute tolerance of a match.

    Returns:
        The explanation.
    """
    got = np.asarray(got, dtype=np.float64)
    for explanation, result in mistakes:
        result = np.asarray(result, dtype=np.float64)
        if result.shape == got.shape and np.allclose(got, result, rtol=rtol, atol=atol):
            return explanation
    return otherwise


def likeliest(
    rules: Sequence[tuple[str, Callable[..., Any]]],
    failed: tuple,
    got: Any,
    answers: Sequence[tuple[tuple, Any]],
    otherwise: str,
    same: Callable[[Any, Any], bool] = lambda a, b: bool(a == b),
) -> str:
    """Name the typical mistake that gives ``got`` for the failed case and most other answers.

    Args:
        rules: ``(explanation, formula)`` pairs; ``formula(*case)`` is what that mistake returns.
        failed: The arguments of the failed case.
        got: What the student's function returned for it.
        answers: ``(arguments, what the student's function returned)`` of every case tried.
        otherwise: The explanation when no rule gives ``got``.
        same: Whether a rule's result and an answer agree.

    Returns:
        The explanation; of rules that fit equally well, the first.
    """
    fitting = [(why, rule) for why, rule in rules if same(rule(*failed), got)]
    if not fitting:
        return otherwise
    return max(fitting, key=lambda r: sum(same(r[1](*case), a) for case, a in answers))[0]


__all__ = [
    "DEFAULT_SEED",
    "CheckFailed",
    "NotImplementedYet",
    "array",
    "call",
    "diagnose",
    "likeliest",
    "rng",
    "run_checks",
    "scalar",
]
