"""How checkers call a student's function, with the built-ins its exercise rebuilds out of reach.

An exercise that asks for a function by hand (total variation, a Gram matrix, max pooling …) names
the built-ins that would do it in one call: TensorFlow's, SciPy's, and the package's own. While
the student's function runs, :meth:`Exercise.call` records the code of every Python function that
starts (a profile hook) and every TensorFlow operation (an op callback); then it looks up each
forbidden built-in and fails if its code ran. Code, not names: an alias bound in an earlier cell,
another module path (``tf.compat.v1``, ``tensorflow.python.ops.image_ops_impl``), ``__wrapped__``,
a ``tf.function`` and a package function that calls the built-in all run the same code. Meanwhile
every ``tf.function`` runs eagerly and AutoGraph is off, so a graph traced before the check runs
its Python again, and float32 products are computed in full float32 (no TF32, which would round
them to about 3 digits against tolerances of 1e-4). :meth:`Exercise.expect` then compares the
result with the right answer and names the typical mistake it matches.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import CodeType
from typing import Any

import numpy as np
import tensorflow as tf
from tensorflow.python.autograph.core import ag_ctx
from tensorflow.python.framework import op_callbacks

from . import report

#: Typical mistakes: ``(explanation, what that mistake returns)`` pairs, most telling first, or a
#: function that makes them (called only for a wrong answer).
Mistakes = Sequence[tuple[str, Any]] | Callable[[], Sequence[tuple[str, Any]]]

#: The names the notebooks import TensorFlow and NumPy under.
_ALIASES = {"tf": "tensorflow", "np": "numpy"}


@dataclass(frozen=True)
class Exercise:
    """How a checker judges one exercise's answers: the tolerances, the explanations, the built-ins.

    Args:
        otherwise: The explanation of a wrong answer that no typical mistake explains.
        rtol: Relative tolerance, of the answer and of a typical mistake's match.
        atol: Absolute tolerance, likewise.
        shape: The explanation of a wrong shape (default: the shape it should have).
        not_finite: The explanation of a result with inf or nan where the answer has none.
        rebuilds: The built-in the exercise rebuilds by hand, as a failure names it.
        hint: How to write it by hand instead.
        functions: Every function that would do the exercise, by the path a student imports it
            from (``"tf.image.total_variation"``, ``"nst_helpers.losses.style_loss"``); any other
            way to the same code counts too.
        operations: TensorFlow operation types that do it (``"MaxPool"``), for NumPy exercises.
        numpy_only: Whether any TensorFlow operation, or a returned tensor, fails too.
    """

    otherwise: str = ""
    rtol: float = 1e-4
    atol: float = 1e-6
    shape: str | None = None
    not_finite: str = "the result holds inf or nan: look for a division by zero or an overflow"
    rebuilds: str = ""
    hint: str = ""
    functions: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    numpy_only: bool = False

    def call(self, function: Callable, args: tuple, given: str, expected: str) -> Any:
        """Call the student's ``function`` as :func:`.report.call` does, the built-ins out of reach.

        Args:
            function: The student's function.
            args: Its arguments.
            given: The call, as a failure names it.
            expected: What a right answer returns.

        Returns:
            What the function returned.

        Raises:
            report.CheckFailed: If the function failed, ran a built-in the exercise rebuilds (in a
                NumPy exercise: any TensorFlow operation) or returned a tensor where NumPy is asked.
            report.NotImplementedYet: If the function is still a stub.
        """
        with _watch(bool(self.functions)) as (codes, operations):
            try:
                got = report.call(function, *args, given=given, expected=expected)
            except report.CheckFailed:
                self._refuse(codes, operations, given, expected)
                raise
        self._refuse(codes, operations, given, expected)
        if self.numpy_only and (operations or isinstance(got, (tf.Tensor, tf.Variable))):
            ran = ", ".join(dict.fromkeys(operations[:20]))
            raise report.CheckFailed(
                given,
                expected + ", computed with NumPy",
                f"TensorFlow operations ran ({ran})" if operations else "it returned a tf.Tensor",
                "this exercise is NumPy only: use numpy functions and return a NumPy array",
            )
        return got

    def expect(
        self,
        function: Callable,
        args: tuple,
        want: np.ndarray | float,
        given: str,
        expected: str,
        mistakes: Mistakes = (),
        shape: str | None = None,
    ) -> np.ndarray | float:
        """Call the student's ``function``; fail unless it returns ``want`` within the tolerances.

        Args:
            function: The student's function.
            args: Its arguments.
            want: The right answer: a float (then one number is expected) or an array.
            given: The call, as a failure names it.
            expected: What a right answer returns, as a failure says it.
            mistakes: The typical mistakes whose results a wrong answer is compared with.
            shape: The explanation of a wrong shape here (default: the exercise's).

        Returns:
            What the function returned, as a float or a float64 array.

        Raises:
            report.CheckFailed: At the first difference, with the mistake it matches.
        """
        got = self.call(function, args, given, expected)
        got = (report.scalar if np.ndim(want) == 0 else report.array)(got, given, expected)
        want = np.asarray(want, np.float64)
        tolerances = {"rtol": self.rtol, "atol": self.atol}
        if np.shape(got) == want.shape and np.allclose(got, want, **tolerances):
            return got
        found = mistakes() if callable(mistakes) else mistakes
        if np.shape(got) != want.shape:
            explain = shape or self.shape or f"the result should have shape {want.shape}"
            mistake = report.diagnose(got, found, explain, **tolerances)
            raise report.CheckFailed(given, expected, f"shape {np.shape(got)}", mistake)
        mistake = report.diagnose(got, found, self.otherwise, **tolerances)
        if np.isfinite(want).all() and not np.isfinite(got).all():
            mistake = self.not_finite
        if want.ndim == 0:
            raise report.CheckFailed(given, expected, f"{got:.6g}", mistake)
        off = np.abs(got - want) - self.atol - self.rtol * np.abs(want)
        at = np.unravel_index(np.argmax(off), want.shape)
        shown = (
            f"{got[at]:.5g} at {[int(i) for i in at]} (where a right answer gives {want[at]:.5g})"
        )
        raise report.CheckFailed(given, expected, shown, mistake)

    def _refuse(
        self, codes: set[CodeType], operations: list[str], given: str, expected: str
    ) -> None:
        """Fail if a built-in the exercise rebuilds ran, by code or operation (all notebooks)."""
        called = next((name for name in self.functions if _code(name) in codes), None)
        operation = next((op for op in operations if op in self.operations), None)
        if called or operation:
            raise report.CheckFailed(
                given,
                expected,
                f"a call of {called}" if called else f"TensorFlow's {operation} operation",
                f"{self.rebuilds} is the built-in this exercise rebuilds: {self.hint}",
            )


@contextlib.contextmanager
def _watch(profile: bool) -> Iterator[tuple[set[CodeType], list[str]]]:
    """Record the code that starts (if ``profile``) and TensorFlow's operations (all notebooks)."""
    codes: set[CodeType] = set()
    operations: list[str] = []

    def started(frame, event, arg):
        if event == "call":
            codes.add(frame.f_code)

    def ran(op_type, inputs, attrs, outputs, op_name=None, graph=None):
        operations.append(op_type.decode() if isinstance(op_type, bytes) else str(op_type))

    eager = tf.config.functions_run_eagerly()
    tf32 = tf.config.experimental.tensor_float_32_execution_enabled()
    previous = sys.getprofile()
    tf.config.run_functions_eagerly(True)
    tf.config.experimental.enable_tensor_float_32_execution(False)
    op_callbacks.add_op_callback(ran)
    try:
        with ag_ctx.ControlStatusCtx(status=ag_ctx.Status.DISABLED):
            sys.setprofile(started if profile else previous)
            try:
                yield codes, operations
            finally:
                sys.setprofile(previous)
    finally:
        op_callbacks.remove_op_callback(ran)
        tf.config.experimental.enable_tensor_float_32_execution(tf32)
        tf.config.run_functions_eagerly(eager)


def _code(name: str) -> CodeType | None:
    """The code ``name`` runs in the end (past ``__wrapped__``), if its module is loaded (all)."""
    parts = name.split(".")
    parts[0] = _ALIASES.get(parts[0], parts[0])
    cut = next((n for n in range(len(parts) - 1, 0, -1) if ".".join(parts[:n]) in sys.modules), 0)
    if not cut:
        return None  # never imported, so never called
    target = sys.modules[".".join(parts[:cut])]
    for part in parts[cut:]:
        target = getattr(target, part, None)
    if not callable(target):
        return None
    target = inspect.unwrap(target)
    return getattr(getattr(target, "__func__", target), "__code__", None)


__all__ = ["Exercise", "Mistakes"]
