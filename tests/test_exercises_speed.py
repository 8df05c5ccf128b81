"""The exercise checkers of notebook 05 accept right answers and reject typical mistakes."""

import numpy as np
import pytest
import tensorflow as tf

from nst_helpers.exercises import speed

# --- textbook γ ----------------------------------------------------------------------------------


def gamma_right(s, y):
    return float(np.dot(s, y) / np.dot(y, y))


def gamma_numpy_scalar(s, y):
    return np.array([np.sum(s * y) / np.sum(y * y)])  # a one-element array is accepted


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda s, y: np.dot(y, y) / np.dot(s, y), "upside down"),
        (lambda s, y: np.dot(s, s) / np.dot(s, y), "Barzilai"),
        (lambda s, y: np.linalg.norm(s) / np.linalg.norm(y), "lengths"),
        (lambda s, y: np.mean(s * y / (y * y)), "divide the sums"),
        (lambda s, y: s * y / (y * y), "single number"),
        (lambda s, y: None, "return"),
        (lambda s, y: 1 / 0, "error"),
    ],
)
def test_textbook_gamma_rejects_typical_mistakes(fn, hint, capsys):
    assert speed.check_textbook_gamma(fn) is False
    out = capsys.readouterr().out
    assert out.startswith("✗") and hint in out


def gamma_matmul(s, y):
    return (s @ y) / (y @ y)  # a NumPy scalar


@pytest.mark.parametrize("fn", [gamma_right, gamma_numpy_scalar, gamma_matmul])
def test_textbook_gamma_accepts_right_answers(fn, capsys):
    assert speed.check_textbook_gamma(fn) is True
    assert capsys.readouterr().out.startswith("✓")


# --- box sums ------------------------------------------------------------------------------------


def box_right(values, radius):
    padded = np.pad(values, ((0, 0), (radius, radius), (radius, radius), (0, 0)))
    out = np.zeros_like(values)
    for dr in range(2 * radius + 1):
        for dc in range(2 * radius + 1):
            out += padded[:, dr : dr + values.shape[1], dc : dc + values.shape[2]]
    return out


def box_cumsum(values, radius):
    out = values
    for axis in (1, 2):
        n = values.shape[axis]
        run = np.cumsum(out, axis=axis)
        zero = np.zeros_like(run.take([0], axis=axis))
        run = np.concatenate([zero, run], axis=axis)
        hi = np.minimum(np.arange(n) + radius + 1, n)
        lo = np.maximum(np.arange(n) - radius, 0)
        out = run.take(hi, axis=axis) - run.take(lo, axis=axis)
    return out


def box_mean(values, radius):
    return box_right(values, radius) / box_right(np.ones_like(values), radius)


def box_wrapped(values, radius):
    out = np.zeros_like(values)
    for dr in range(-radius, radius + 1):
        for dc in range(-radius, radius + 1):
            out += np.roll(values, (dr, dc), axis=(1, 2))
    return out


def box_channels_together(values, radius):
    return np.broadcast_to(box_right(values, radius).sum(-1, keepdims=True), values.shape)


def box_side_radius(values, radius):
    return box_right(values, radius // 2)


def box_rows_only(values, radius):
    out = np.zeros_like(values)
    for row in range(values.shape[1]):
        out[:, row] = values[:, max(0, row - radius) : row + radius + 1].sum(1)
    return out


def box_package(values, radius):
    from nst_helpers.speed.curvature import _box_sums

    return _box_sums(values, values.shape, radius)


def box_package_tf(values, radius):
    from nst_helpers.speed.curvature_tf import box_sums

    return box_sums(tf.constant(values), radius).numpy()


@pytest.mark.parametrize(
    "fn, hint",
    [
        (box_mean, "mean"),
        (box_wrapped, "wrap"),
        (box_channels_together, "channel"),
        (box_side_radius, "2 × radius + 1"),
        (box_rows_only, "columns too"),
        (box_package, "the package's box sums (nst_helpers.speed) is the built-in"),
        (box_package_tf, "the package's box sums (nst_helpers.speed) is the built-in"),
        (lambda v, r: v.sum((1, 2)), "shape"),
        (lambda v, r: v, "2 × radius + 1"),  # the pixel alone
    ],
)
def test_box_sums_rejects_typical_mistakes(fn, hint, capsys):
    assert speed.check_box_sums(fn) is False
    out = capsys.readouterr().out
    assert out.startswith("✗") and hint in out


def box_scipy(values, radius):  # SciPy's mean filter, times the full square's size
    from scipy.ndimage import uniform_filter

    side = 2 * radius + 1
    means = uniform_filter(values.astype(np.float64), size=(1, side, side, 1), mode="constant")
    return means * side**2


@pytest.mark.parametrize("fn", [box_right, box_cumsum, box_scipy])
def test_box_sums_accepts_right_answers(fn, capsys):
    assert speed.check_box_sums(fn) is True
    assert capsys.readouterr().out.startswith("✓")


# --- a float16 Gram matrix -----------------------------------------------------------------------


def flat_of(features):
    _, h, w, c = features.shape
    return tf.reshape(features, [1, h * w, c]), h * w


def gram16_divide_first(features):
    flat, positions = flat_of(features)
    flat = flat / tf.sqrt(tf.cast(positions, tf.float16))
    return tf.matmul(flat, flat, transpose_a=True)


def gram16_in_float32(features):
    flat, positions = flat_of(tf.cast(features, tf.float32))
    return tf.matmul(flat, flat, transpose_a=True) / positions


def gram16_in_bfloat16(features):
    flat, positions = flat_of(tf.cast(features, tf.bfloat16))
    return tf.matmul(flat, flat, transpose_a=True) / positions


def gram16_plain(features):  # the sum in float16, then the division: inf
    flat, positions = flat_of(features)
    return tf.matmul(flat, flat, transpose_a=True) / positions


def gram16_einsum(features):
    _, h, w, _ = features.shape
    return tf.einsum("bijc,bijd->bcd", features, features) / (h * w)


def gram16_no_division(features):
    flat, _ = flat_of(tf.cast(features, tf.float32))
    return tf.matmul(flat, flat, transpose_a=True)


def gram16_pytorch(features):
    return gram16_in_float32(features) / features.shape[-1]


def gram16_divided_twice(features):
    flat, positions = flat_of(tf.cast(features, tf.float32))
    flat = flat / positions
    return tf.matmul(flat, flat, transpose_a=True)


def gram16_package(features):  # right values, in float32: the package's
    from nst_helpers.losses import gram_matrix

    return gram_matrix(features)


def gram16_no_batch(features):
    return gram16_in_float32(features)[0]


@pytest.mark.parametrize(
    "fn, hint",
    [
        (gram16_plain, "overflowed float16"),
        (gram16_einsum, "overflowed float16"),
        (gram16_no_division, "divide the sums by H·W"),
        (gram16_pytorch, "not by C·H·W"),
        (gram16_divided_twice, "divides twice"),
        (gram16_no_batch, "batch axis"),
        (gram16_package, "the package's gram_matrix is the built-in"),
        (lambda f: None, "return"),
    ],
)
def test_gram_float16_rejects_typical_mistakes(fn, hint, capsys):
    assert speed.check_gram_float16(fn) is False
    out = capsys.readouterr().out
    assert out.startswith("✗") and hint in out


@pytest.mark.parametrize("fn", [gram16_divide_first, gram16_in_float32, gram16_in_bfloat16])
def test_gram_float16_accepts_right_answers(fn, capsys):
    assert speed.check_gram_float16(fn) is True
    assert capsys.readouterr().out.startswith("✓")


def test_the_plain_float16_gram_does_overflow_on_the_checkers_inputs():
    generator = np.random.default_rng(0)
    values = np.maximum(generator.exponential(100.0, (1, 24, 20, 5)) - 30.0, 0.0)
    assert not np.isfinite(gram16_plain(tf.constant(values.astype(np.float16))).numpy()).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_checkers_accept_right_answers_for_other_seeds(seed, capsys):
    assert speed.check_textbook_gamma(gamma_right, seed=seed)
    assert speed.check_box_sums(box_cumsum, seed=seed)
    assert speed.check_gram_float16(gram16_divide_first, seed=seed)


# --- a student copy's stub -----------------------------------------------------------------------


def gamma_stub(*args):  # one stub for every checker, whatever its arguments
    raise NotImplementedError("Exercise 1: The textbook scale")


def gamma_nbgrader_stub(s, y):
    # YOUR CODE HERE
    raise NotImplementedError()


def gamma_calls_unfinished_helper(s, y):
    return gamma_stub(s, y) * 2.0


@pytest.mark.parametrize(
    "check", [speed.check_textbook_gamma, speed.check_box_sums, speed.check_gram_float16]
)
def test_a_stub_is_not_implemented_yet_in_one_line(check, capsys):
    assert check(gamma_stub) is False
    assert capsys.readouterr().out == (
        "✗ gamma_stub is not implemented yet: Exercise 1 (The textbook scale). Write it in place "
        "of its raise NotImplementedError line and run the cell again.\n"
    )


def test_nbgraders_own_stub_is_not_implemented_yet(capsys):
    assert speed.check_textbook_gamma(gamma_nbgrader_stub) is False
    assert capsys.readouterr().out == (
        "✗ gamma_nbgrader_stub is not implemented yet. Write it in place of its "
        "raise NotImplementedError line and run the cell again.\n"
    )


def test_not_implemented_deeper_down_is_a_failure_as_any_error(capsys):
    assert speed.check_textbook_gamma(gamma_calls_unfinished_helper) is False
    out = capsys.readouterr().out
    assert "not implemented yet" not in out
    assert out.startswith("✗ textbook_gamma(") and "the error NotImplementedError" in out
