"""Checkers for the exercises of notebook ``01_cnn_basics.ipynb``.

* :func:`check_conv_output_size` — the output-size formula of a convolution or pooling layer;
* :func:`check_max_pool` — max pooling written by hand in NumPy.

Each checker makes its own inputs (seeded random sizes and values, plus a few classic cases),
compares the student's answers with the formula or with TensorFlow and reports in the style of
:mod:`nst_helpers.exercises.report`: ``✓ …`` when everything passes, else ``✗`` with the first
failure explained; it returns ``True`` or ``False``.

:func:`tensorflow_ops` records the TensorFlow operations a student's function runs, so that a
NumPy exercise can reject the built-in it asks the student to rebuild (also used by notebook 02's
Gram matrix checker).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import numpy as np

from . import report


@contextlib.contextmanager
def tensorflow_ops() -> Iterator[list[str]]:
    """Record the type of every TensorFlow operation run inside the ``with`` block.

    TensorFlow's operation callbacks see each operation, eager or traced in a ``tf.function``,
    whichever API started it (``tf.nn``, ``tf.keras`` layers, ``keras.ops``), so a NumPy exercise
    can tell that its answer used TensorFlow.

    Yields:
        The list the op types are appended to, e.g. ``["MaxPool"]``.
    """
    from tensorflow.python.framework import op_callbacks

    seen: list[str] = []

    def record(op_type, inputs, attrs, outputs, op_name=None, graph=None):
        seen.append(op_type.decode() if isinstance(op_type, bytes) else str(op_type))

    op_callbacks.add_op_callback(record)
    try:
        yield seen
    finally:
        op_callbacks.remove_op_callback(record)


def numpy_only(
    function: Callable, *args: object, given: str, expected: str, built_in: dict[str, str]
) -> object:
    """Call the student's ``function`` and fail if it ran TensorFlow or returned a tensor.

    Args:
        function: The student's function.
        *args: Its (NumPy) arguments.
        given: The call, as a failure names it.
        expected: What a right answer returns.
        built_in: Op types of the built-ins the exercise rebuilds, each with the name a student
            calls it by, e.g. ``{"MaxPool": "tf.nn.max_pool2d"}``.

    Returns:
        What the function returned.

    Raises:
        report.CheckFailed: If the function failed, ran a TensorFlow operation or returned a
            TensorFlow tensor.
    """
    import tensorflow as tf

    with tensorflow_ops() as ops:
        got = report.call(function, *args, given=given, expected=expected)
    named = next((built_in[op] for op in ops if op in built_in), None)
    if named:
        raise report.CheckFailed(
            given,
            expected + ", computed with NumPy",
            f"the result of {named}",
            f"{named} is the built-in this exercise rebuilds: write it in NumPy",
        )
    if ops or isinstance(got, (tf.Tensor, tf.Variable)):
        ran = ", ".join(dict.fromkeys(ops[:20]))
        which = f"TensorFlow operations ran ({ran})" if ops else "it returned a tf.Tensor"
        raise report.CheckFailed(
            given,
            expected + ", computed with NumPy",
            which,
            "this exercise is NumPy only: use numpy functions and return a NumPy array",
        )
    return got


def _expected_size(n: int, f: int, stride: int, padding: int) -> int:
    return (n + 2 * padding - f) // stride + 1


def _size_cases(rng: np.random.Generator, count: int = 200) -> list[tuple[int, int, int, int]]:
    """Classic cases first, then random ones with ``f <= n + 2·padding``."""
    cases = [(6, 3, 1, 0), (224, 3, 1, 1), (7, 3, 2, 0), (8, 3, 2, 0), (224, 2, 2, 0), (5, 5, 1, 0)]
    while len(cases) < count:
        n = int(rng.integers(1, 300))
        padding = int(rng.integers(0, 4))
        f = int(rng.integers(1, min(11, n + 2 * padding) + 1))
        stride = int(rng.integers(1, 5))
        cases.append((n, f, stride, padding))
    return cases


#: Typical wrong formulas, each with the explanation shown when a student's answers match it.
_SIZE_MISTAKES: list[tuple[str, Callable[[int, int, int, int], float]]] = [
    (
        "you forgot the `+ 1`: a filter that fits exactly once (n = f) still gives one output",
        lambda n, f, s, p: (n + 2 * p - f) // s,
    ),
    (
        "padding is added on both sides, so the input grows by 2·padding, not padding",
        lambda n, f, s, p: (n + p - f) // s + 1,
    ),
    (
        "you ignored the stride: with stride s the filter jumps s pixels, so ÷ s",
        lambda n, f, s, p: n + 2 * p - f + 1,
    ),
    (
        "use floor division (//): a filter that does not fit in the last step is not applied",
        lambda n, f, s, p: (n + 2 * p - f) / s + 1,
    ),
    (
        "round down, not up: an incomplete last window is dropped, so use // (floor)",
        lambda n, f, s, p: -(-(n + 2 * p - f) // s) + 1,
    ),
    (
        "mind the brackets: the stride divides the whole room the filter slides over, "
        "(n + 2·padding − f), not f alone",
        lambda n, f, s, p: n + 2 * p - f // s + 1,
    ),
]


def _diagnose_size(answers: list[tuple[tuple[int, int, int, int], object]]) -> str:
    """Name the typical mistake whose formula gives every one of the student's answers."""
    for reason, formula in _SIZE_MISTAKES:
        if all(got == formula(*case) for case, got in answers):
            return reason
    return "not one of the usual slips; compare with floor((n + 2·padding − f) / stride) + 1"


def check_conv_output_size(
    conv_output_size: Callable[[int, int, int, int], int], *, seed: int | None = None
) -> bool:
    """Check a student's ``conv_output_size(n, f, stride, padding)``.

    The function must give the side length of a convolution's (or pooling's) output for an input
    of side ``n``, a filter of side ``f``, a ``stride`` and ``padding`` pixels added on every side:
    ``floor((n + 2·padding − f) / stride) + 1``, as a Python ``int``; and TensorFlow's strings,
    ``padding="valid"`` (none) and ``"same"`` (``ceil(n / stride)``, whatever ``f``). Rejected,
    each with its explanation: no ``+ 1``, padding on one side only, no stride, true division,
    rounding up, ``f // stride`` (brackets), a float result; for ``"same"``: the input size kept
    at any stride, padding ``(f − 1) / 2`` (wrong for even ``f``), rounding down; where two of
    these give the same wrong answer, the hint names the one that explains most answers.

    Args:
        conv_output_size: The student's function, called as ``fn(n, f, stride, padding)``.
        seed: Seed of the random cases (the default repeats the same cases on every run).

    Returns:
        True if every case is right, else False (and the first wrong case is explained).
    """
    cases = _size_cases(report.rng(seed))

    def checks() -> str:
        answers = []
        for case in cases:
            given = "conv_output_size(n={}, f={}, stride={}, padding={})".format(*case)
            got = report.call(conv_output_size, *case, given=given, expected="an int")
            answers.append((case, given, got))
        for case, given, got in answers:
            want = _expected_size(*case)
            if isinstance(got, bool) or not isinstance(got, (int, np.integer, float, np.floating)):
                raise report.CheckFailed(
                    given, str(want), f"{type(got).__name__} {got!r}", "return the size as an int"
                )
            if got != want:
                reason = _diagnose_size([(c, g) for c, _, g in answers])
                raise report.CheckFailed(given, str(want), str(got), reason)
        for case, given, got in answers:
            if not isinstance(got, (int, np.integer)):
                raise report.CheckFailed(
                    given,
                    f"the int {_expected_size(*case)}",
                    f"the float {got}",
                    "a size is a whole number: return an int (use // instead of /)",
                )
        strings = _check_string_padding(conv_output_size, report.rng(seed))
        return (
            f"conv_output_size is right on all {len(cases)} numeric cases (6×6 input, 3×3 filter "
            f"→ 4) and on {strings} with padding 'valid' or 'same'."
        )

    return report.run_checks(checks)


#: How many random cases :func:`check_conv_output_size` tries for each padding string.
_STRING_CASES = 40

#: Typical wrong rules for ``padding="same"``, each with the explanation shown when it matches.
_SAME_MISTAKES: list[tuple[str, Callable[[int, int, int], int]]] = [
    (
        "'same' keeps the size only at stride 1; with stride s TensorFlow gives ceil(n / s)",
        lambda n, f, s: n,
    ),
    (
        "padding (f − 1) / 2 on each side gives ceil(n / stride) for every odd f, at any stride, "
        "but not for an even f; TensorFlow then pads one side more, and the output is "
        "ceil(n / stride) whatever f is",
        lambda n, f, s: (n + 2 * ((f - 1) // 2) - f) // s + 1,
    ),
    (
        "your 'same' rounds down (n // stride); round up instead: 'same' pads so that a partly "
        "filled last window still counts, so the output is ceil(n / stride)",
        lambda n, f, s: n // s,
    ),
]


def _diagnose_same(
    failed: tuple[int, int, int], got: object, answers: list[tuple[tuple[int, int, int], object]]
) -> str:
    """The typical 'same' mistake that gives ``got`` on the first failed case.

    Several rules can agree on one case ((7, 2, 2) gives 3 both when rounding down and with
    (f − 1) / 2 padding), so among those the one that explains most of the student's answers wins.
    """
    fitting = [(why, rule) for why, rule in _SAME_MISTAKES if rule(*failed) == got]
    if not fitting:
        return (
            "try tf.nn.conv2d with padding='SAME' on a few sizes, strides and even and odd "
            "filters, and compare the output's side with n and the stride"
        )
    explained = [sum(rule(*case) == answer for case, answer in answers) for _, rule in fitting]
    return fitting[explained.index(max(explained))][0]


def _check_string_padding(conv_output_size: Callable, rng: np.random.Generator) -> int:
    """Check TensorFlow's ``"valid"`` (no padding) and ``"same"`` (``ceil(n / stride)``) rules.

    Returns:
        How many cases were checked.
    """
    checked = 0
    cases = [(7, 2, 2), (6, 2, 2), (5, 4, 1), (224, 3, 2)]
    while len(cases) < _STRING_CASES:
        cases.append((int(rng.integers(1, 300)), int(rng.integers(1, 8)), int(rng.integers(1, 5))))
    answers = []
    for n, f, stride in cases:
        for padding, want in (("valid", (n - f) // stride + 1), ("same", -(-n // stride))):
            if padding == "valid" and f > n:
                continue
            given = f"conv_output_size(n={n}, f={f}, stride={stride}, padding={padding!r})"
            got = report.call(
                conv_output_size, n, f, stride, padding, given=given, expected="an int"
            )
            answers.append(((n, f, stride), padding, given, want, got))
    for (n, f, stride), padding, given, want, got in answers:
        if got == want and isinstance(got, (int, np.integer)) and not isinstance(got, bool):
            checked += 1
            continue
        mistake = "'valid' means no padding at all: padding 0"
        if padding == "same":
            mistake = _diagnose_same(
                (n, f, stride), got, [(c, g) for c, p, _, _, g in answers if p == "same"]
            )
        raise report.CheckFailed(given, str(want), repr(got), mistake)
    return checked


def _pool(x: np.ndarray, size: int, stride: int, reduce=np.max) -> np.ndarray:
    """Pool ``x`` (H×W×C) with windows of ``size`` and ``stride``, reducing each by ``reduce``."""
    rows = (x.shape[0] - size) // stride + 1
    cols = (x.shape[1] - size) // stride + 1
    out = np.empty((rows, cols, x.shape[2]), dtype=x.dtype)
    for i in range(rows):
        for j in range(cols):
            window = x[i * stride : i * stride + size, j * stride : j * stride + size]
            out[i, j] = reduce(window, axis=(0, 1))
    return out


def _diagnose_pool(x: np.ndarray, size: int, stride: int, got: np.ndarray) -> str:
    want = _pool(x, size, stride)
    if got.shape == want.shape[:2]:
        return "the channel axis is missing: pool each channel on its own and keep all C of them"
    if (
        got.shape == (want.shape[1], want.shape[0], want.shape[2])
        and want.shape[0] != want.shape[1]
    ):
        return "rows and columns are swapped (transposed): the output must keep the input's layout"
    if got.shape != want.shape:
        return (
            f"the shape should be {want.shape}: (H − size) // stride + 1 rows, the same for "
            "columns, and the same channels; check the window loop's range (off by one?)"
        )
    if want.shape[0] == want.shape[1] and np.allclose(got, np.swapaxes(want, 0, 1), atol=1e-5):
        return "rows and columns are swapped (transposed): the output must keep the input's layout"
    if np.allclose(got, _pool(x, size, stride, np.mean), atol=1e-5):
        return "these are window averages: max pooling keeps the largest value of each window"
    if np.allclose(got, np.maximum(want, 0.0), atol=1e-5):
        return (
            "negative windows came out as 0: start the running maximum at -inf (or use .max()), "
            "not at 0"
        )
    collapsed = np.broadcast_to(want.max(axis=2, keepdims=True), want.shape)
    if np.allclose(got, collapsed, atol=1e-5):
        return "you took the maximum across channels too: each channel is pooled separately"
    return "some windows are wrong: window (i, j) covers rows i·stride … i·stride + size − 1"


#: TensorFlow's max-pooling operations, which ``tf.nn.max_pool2d``, ``tf.nn.max_pool`` and
#: Keras' ``MaxPooling2D`` run, and what a student calls them.
_POOLS = dict.fromkeys(
    ("MaxPool", "MaxPoolV2", "MaxPoolWithArgmax"),
    "TensorFlow's max pooling (tf.nn.max_pool2d, tf.nn.max_pool, Keras' MaxPooling2D)",
)


def check_max_pool(
    max_pool: Callable[[np.ndarray, int, int], np.ndarray], *, seed: int | None = None
) -> bool:
    """Check a student's ``max_pool(x, size, stride)`` written in NumPy.

    ``x`` is a feature map ``[H, W, C]``; the result is ``[H', W', C]`` with
    ``H' = (H − size) // stride + 1`` (no padding, like ``padding="VALID"``), each entry the largest
    value of its ``size × size`` window, channel by channel. The checker compares with
    ``tf.nn.max_pool2d`` on random maps of odd and even, non-square sizes with negative values.
    Rejected, each with its explanation: TensorFlow's own max pooling (``tf.nn.max_pool2d``,
    ``tf.nn.max_pool``, Keras' ``MaxPooling2D``) or any other TensorFlow operation, a returned
    tensor, averages, a transposed result, a running maximum that starts at 0, a maximum across
    channels, a missing channel axis, a window loop off by one.

    Args:
        max_pool: The student's function, called as ``max_pool(x, size, stride)``.
        seed: Seed of the random feature maps (the default repeats them on every run).

    Returns:
        True if every case matches, else False (and the first wrong case is explained).
    """
    import tensorflow as tf

    generator = report.rng(seed)
    cases = []
    for size, stride in [(2, 2), (3, 1), (3, 2), (2, 1)]:
        for _ in range(3):
            height = int(generator.integers(size + 2, 16))
            # A non-square output (cols = rows + k) catches a transposed result.
            width = height + stride * int(generator.integers(1, 4))
            channels = int(generator.integers(2, 6))
            x = generator.normal(-1.0, 1.0, (height, width, channels)).astype(np.float32)
            cases.append((x, size, stride))

    def checks() -> str:
        for x, size, stride in cases:
            given = f"max_pool(x of shape {x.shape}, size={size}, stride={stride})"
            want = tf.nn.max_pool2d(x[None], size, stride, "VALID").numpy()[0]
            expected = f"tf.nn.max_pool2d's result, shape {want.shape}"
            result = numpy_only(
                max_pool, x.copy(), size, stride, given=given, expected=expected, built_in=_POOLS
            )
            got = report.array(result, given, expected)
            if got.shape != want.shape or not np.allclose(got, want, atol=1e-5):
                shown = f"shape {got.shape}" + (", other values" if got.shape == want.shape else "")
                raise report.CheckFailed(
                    given, expected, shown, _diagnose_pool(x, size, stride, got)
                )
        return f"max_pool matches tf.nn.max_pool2d on {len(cases)} random feature maps."

    return report.run_checks(checks)
