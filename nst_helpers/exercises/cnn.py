"""Checkers for the exercises of notebook ``01_cnn_basics.ipynb``.

* :func:`check_conv_output_size` — the output-size formula of a convolution or pooling layer;
* :func:`check_max_pool` — max pooling written by hand in NumPy.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from . import guard, report

#: A wrong rule for an output size: what it is, and ``(n, f, stride, padding) -> side``.
_Rule = tuple[str, Callable[[int, int, int, object], object]]


def _size(n: int, f: int, stride: int, padding: object) -> int:
    """The right output side (notebook 01), for a number of zeros or TensorFlow's strings."""
    if padding == "same":
        return -(-n // stride)
    padding = 0 if padding == "valid" else padding
    return (n + 2 * padding - f) // stride + 1


#: Typical wrong formulas for a number of zeros of padding, each with its explanation.
_NUMBER_MISTAKES: list[_Rule] = [
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

#: Typical wrong rules for ``padding="same"``, each with its explanation.
_SAME_MISTAKES: list[_Rule] = [
    (
        "'same' keeps the size only at stride 1; with stride s TensorFlow gives ceil(n / s)",
        lambda n, f, s, p: n,
    ),
    (
        "padding (f − 1) / 2 on each side gives ceil(n / stride) for every odd f, at any stride, "
        "but not for an even f; TensorFlow then pads one side more, and the output is "
        "ceil(n / stride) whatever f is",
        lambda n, f, s, p: (n + 2 * ((f - 1) // 2) - f) // s + 1,
    ),
    (
        "your 'same' is (n − 1) // stride, one less than ceil(n / stride) = (n − 1) // stride + 1: "
        "'same' pads so that a partly filled last window still counts",
        lambda n, f, s, p: (n - 1) // s,
    ),
    (
        "your 'same' rounds down (n // stride); round up instead: 'same' pads so that a partly "
        "filled last window still counts, so the output is ceil(n / stride)",
        lambda n, f, s, p: n // s,
    ),
]

#: The typical mistakes of each kind of padding.
_MISTAKES = {"number": _NUMBER_MISTAKES, "valid": [], "same": _SAME_MISTAKES}

#: The explanation of a wrong size that no typical mistake gives, by padding kind.
_OTHERWISE = {
    "number": "not one of the usual slips; compare with floor((n + 2·padding − f) / stride) + 1",
    "valid": "'valid' means no padding at all: padding 0",
    "same": "try tf.nn.conv2d with padding='SAME' on a few sizes, strides and even and odd "
    "filters, and compare the output's side with n and the stride",
}


def _size_cases(seed: int | None) -> list[tuple[int, int, int, object]]:
    """Classic cases, then random ones: 200 with numbers, 40 with each string (notebook 01)."""
    rng = report.rng(seed)
    cases: list[tuple[int, int, int, object]] = [
        (6, 3, 1, 0), (224, 3, 1, 1), (7, 3, 2, 0), (8, 3, 2, 0), (224, 2, 2, 0), (5, 5, 1, 0)
    ]  # fmt: skip
    while len(cases) < 200:
        n, padding = int(rng.integers(1, 300)), int(rng.integers(0, 4))
        f = int(rng.integers(1, min(11, n + 2 * padding) + 1))
        cases.append((n, f, int(rng.integers(1, 5)), padding))
    rng = report.rng(seed)
    strings = [(7, 2, 2), (6, 2, 2), (5, 4, 1), (224, 3, 2)]
    while len(strings) < 40:
        strings.append(tuple(int(rng.integers(1, top)) for top in (300, 8, 5)))
    cases += [(n, f, s, "valid") for n, f, s in strings if f <= n]
    return cases + [(n, f, s, "same") for n, f, s in strings]


def _kind(padding: object) -> str:
    """``"number"``, ``"valid"`` or ``"same"``: which rules a case of notebook 01 follows."""
    return padding if isinstance(padding, str) else "number"


def check_conv_output_size(
    conv_output_size: Callable[..., int], *, seed: int | None = None
) -> bool:
    """Check a student's ``conv_output_size(n, f, stride=1, padding=0)``.

    The function must give the side length of a convolution's (or pooling's) output for an input
    of side ``n``, a filter of side ``f``, a ``stride`` and ``padding`` pixels added on every side:
    ``floor((n + 2·padding − f) / stride) + 1``, as an ``int``; and TensorFlow's strings,
    ``padding="valid"`` (none) and ``"same"`` (``ceil(n / stride)``, whatever ``f``). It is
    called positionally, with ``stride`` and ``padding`` by name, and with their defaults.
    Rejected, each with its explanation: no ``+ 1``, padding on one side only, no stride, true
    division, rounding up, ``f // stride`` (brackets), a float (``/``, ``np.ceil``); for
    ``"same"``: the input size kept at any stride, padding ``(f − 1) / 2`` (wrong for even
    ``f``), ``(n − 1) // stride``, rounding down; other names or no defaults. Where two mistakes
    give the same wrong answer, the hint names the one that explains most answers.

    Args:
        conv_output_size: The student's function.
        seed: Seed of the random cases (the default repeats the same cases on every run).

    Returns:
        True if every case is right, else False (and the first wrong case is explained).
    """
    cases = _size_cases(seed)

    def checks() -> str:
        numbers = [case for case in cases if not isinstance(case[3], str)]
        _check_sizes(conv_output_size, numbers)
        _check_sizes(conv_output_size, cases[len(numbers) :])
        _check_signature(conv_output_size)
        return (
            f"conv_output_size is right on all {len(numbers)} numeric cases (6×6 input, 3×3 "
            f"filter → 4) and on {len(cases) - len(numbers)} with padding 'valid' or 'same'."
        )

    return report.run_checks(checks)


def _check_sizes(conv_output_size: Callable, cases: list[tuple]) -> None:
    """Notebook 01's sizes: numbers first, then the right values, then ints."""
    answers = [
        (case, report.call(conv_output_size, *case, given=_call(case), expected="an int"))
        for case in cases
    ]
    for case, got in answers:
        if isinstance(got, bool) or not isinstance(got, (int, np.integer, float, np.floating)):
            shown = f"{type(got).__name__} {got!r}"
            raise report.CheckFailed(
                _call(case), str(_size(*case)), shown, "return the size as an int"
            )
        if got != _size(*case):
            kind = _kind(case[3])
            alike = [(c, a) for c, a in answers if _kind(c[3]) == kind]
            mistake = report.likeliest(_MISTAKES[kind], case, got, alike, _OTHERWISE[kind])
            raise report.CheckFailed(_call(case), str(_size(*case)), str(got), mistake)
    for case, got in answers:
        if not isinstance(got, (int, np.integer)):
            raise report.CheckFailed(
                _call(case),
                f"the int {_size(*case)}",
                f"the float {float(got)!r}",
                "a size is a whole number: return an int (/ and np.ceil give floats: use // "
                "and -(-n // stride), or wrap the result in int())",
            )


def _call(case: tuple) -> str:
    """A call of notebook 01's ``conv_output_size`` as a failure shows it."""
    return "conv_output_size(n={}, f={}, stride={}, padding={!r})".format(*case)


def _check_signature(conv_output_size: Callable) -> None:
    """The defaults ``stride=1, padding=0`` and the names the exercise gives (notebook 01)."""
    mistake = (
        "keep the exercise's signature, conv_output_size(n, f, stride=1, padding=0): the "
        "notebook calls it with stride=2 and without padding"
    )
    for f, keywords, want in (
        (3, {}, 7),
        (2, {"stride": 2}, 4),
        (3, {"stride": 2, "padding": 1}, 5),
    ):
        given = f"conv_output_size(9, {f}{''.join(f', {k}={v}' for k, v in keywords.items())})"
        try:
            got = conv_output_size(9, f, **keywords)
        except Exception as error:  # a student's bug: report it
            raise report.CheckFailed(given, str(want), f"the error {error!r}", mistake) from None
        if got != want:
            raise report.CheckFailed(given, str(want), repr(got), mistake)


def _pool(x: np.ndarray, size: int, stride: int, reduce=np.max) -> np.ndarray:
    """Notebook 01's pooling of ``x`` (H×W×C), each window reduced by ``reduce``."""
    rows, cols = ((n - size) // stride + 1 for n in x.shape[:2])
    out = np.empty((rows, cols, x.shape[2]))
    for i in range(rows):
        for j in range(cols):
            window = x[i * stride : i * stride + size, j * stride : j * stride + size]
            out[i, j] = reduce(window, axis=(0, 1))
    return out


def _pool_mistakes(x: np.ndarray, size: int, stride: int) -> list[tuple[str, np.ndarray]]:
    """What typical wrong max pools give for ``x`` (notebook 01), with their explanations."""
    want = _pool(x, size, stride)
    return [
        (
            "the channel axis is missing: pool each channel on its own and keep all C of them",
            want.max(axis=2),
        ),
        (
            "rows and columns are swapped (transposed): the output must keep the input's layout",
            np.swapaxes(want, 0, 1),
        ),
        (
            "these are window averages: max pooling keeps the largest value of each window",
            _pool(x, size, stride, np.mean),
        ),
        (
            "negative windows came out as 0: start the running maximum at -inf (or use .max()), "
            "not at 0",
            np.maximum(want, 0.0),
        ),
        (
            "you took the maximum across channels too: each channel is pooled separately",
            np.broadcast_to(want.max(axis=2, keepdims=True), want.shape),
        ),
    ]


def _pool_shape_mistake(want: tuple[int, ...]) -> str:
    """Explain a max pool of notebook 01 whose shape is wrong."""
    return (
        f"the shape should be {want}: (H − size) // stride + 1 rows, the same for columns, and "
        "all C channels, each pooled on its own; check the window loop's range (off by one?)"
    )


#: Notebook 01's max pooling in NumPy: its built-ins, tolerance and explanations.
_MAX_POOL = guard.Exercise(
    otherwise="some windows are wrong: window (i, j) covers rows i·stride … i·stride + size − 1",
    atol=1e-5,
    rebuilds="max pooling (tf.nn.max_pool2d, tf.nn.max_pool, Keras' MaxPooling2D, SciPy's "
    "maximum_filter)",
    hint="write the loop over the windows in NumPy",
    functions=("scipy.ndimage.maximum_filter",),
    operations=("MaxPool", "MaxPoolV2", "MaxPoolWithArgmax"),
    numpy_only=True,
)


def check_max_pool(
    max_pool: Callable[[np.ndarray, int, int], np.ndarray], *, seed: int | None = None
) -> bool:
    """Check a student's ``max_pool(x, size=2, stride=2)`` written in NumPy.

    ``x`` is a feature map ``[H, W, C]``; the result is a NumPy array ``[H', W', C]`` with
    ``H' = (H − size) // stride + 1`` (no padding, like ``padding="VALID"``), each entry the largest
    value of its ``size × size`` window, channel by channel. The checker compares with a reference
    on random float32 and float64 maps of odd and even, non-square sizes with negative values,
    windows larger and smaller than the stride, one channel or several, and with the defaults.
    Rejected, each with its explanation: TensorFlow's own max pooling (``tf.nn.max_pool2d``,
    ``tf.nn.max_pool``, Keras' ``MaxPooling2D``), SciPy's ``maximum_filter`` or any other
    TensorFlow operation, a returned tensor, averages, a transposed result, a running maximum that
    starts at 0, a maximum across channels, a missing channel axis, a window loop off by one.

    Args:
        max_pool: The student's function, called as ``max_pool(x, size, stride)`` and
            ``max_pool(x)``.
        seed: Seed of the random feature maps (the default repeats them on every run).

    Returns:
        True if every case matches, else False (and the first wrong case is explained).
    """
    generator = report.rng(seed)
    cases = []
    for size, stride in [(2, 2), (3, 1), (3, 2), (2, 1), (2, 3), (None, None)]:
        for dtype in (np.float32, np.float64):
            height = int(generator.integers((size or 2) + 2, 16))
            # A non-square output (cols = rows + k) catches a transposed result.
            width = height + (stride or 2) * int(generator.integers(1, 4))
            shape = (height, width, int(generator.integers(1, 6)))
            cases.append((generator.normal(-1.0, 1.0, shape).astype(dtype), size, stride))

    def checks() -> str:
        for x, size, stride in cases:
            shown = f"size={size}, stride={stride}" if size else "the default size and stride"
            given = f"max_pool(x of shape {x.shape}, {x.dtype}, {shown})"
            want = _pool(x, size or 2, stride or 2)
            expected = f"the largest value of each window, shape {want.shape}"
            args = (x.copy(), size, stride) if size else (x.copy(),)
            _MAX_POOL.expect(
                max_pool,
                args,
                want,
                given,
                expected,
                partial(_pool_mistakes, x, size or 2, stride or 2),
                _pool_shape_mistake(want.shape),
            )
        return f"max_pool matches tf.nn.max_pool2d on {len(cases)} random feature maps."

    return report.run_checks(checks)


__all__ = ["check_conv_output_size", "check_max_pool"]
