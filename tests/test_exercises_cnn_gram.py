"""Tests of the exercise checkers of notebooks 01 (CNN basics) and 02 (Gram matrices)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf
from student_stubs import assert_first_failure, stub

from nst_helpers import losses
from nst_helpers.exercises import cnn, gram

# --- notebook 01: conv_output_size ---------------------------------------------------------------


def size_right(n, f, stride=1, padding=0):
    if padding == "same":
        return -(-n // stride)
    if padding == "valid":
        padding = 0
    return (n + 2 * padding - f) // stride + 1


def size_numbers_only(n, f, stride=1, padding=0):
    return (n + 2 * padding - f) // stride + 1


def size_same_keeps_n(n, f, stride=1, padding=0):
    return n if padding == "same" else size_right(n, f, stride, padding)


def size_same_half_filter(n, f, stride=1, padding=0):
    if padding == "same":
        padding = (f - 1) // 2
    return size_right(n, f, stride, padding)


def size_no_plus_one(n, f, stride=1, padding=0):
    return (n + 2 * padding - f) // stride


def size_one_sided_padding(n, f, stride=1, padding=0):
    return (n + padding - f) // stride + 1


def size_true_division(n, f, stride=1, padding=0):
    return (n + 2 * padding - f) / stride + 1


def size_ceil(n, f, stride=1, padding=0):
    return -(-(n + 2 * padding - f) // stride) + 1


def size_ignores_stride(n, f, stride=1, padding=0):
    return n + 2 * padding - f + 1


def size_same_rounds_down(n, f, stride=1, padding=0):
    return n // stride if padding == "same" else size_right(n, f, stride, padding)


def size_math(n, f, stride=1, padding=0):  # math.ceil and math.floor give ints
    if padding == "same":
        return math.ceil(n / stride)
    padding = 0 if padding == "valid" else padding
    return math.floor((n + 2 * padding - f) / stride) + 1


def size_numpy_ints(n, f, stride=1, padding=0):  # NumPy integers are whole numbers too
    if padding == "same":
        return np.ceil(n / stride).astype(np.int64)
    padding = 0 if padding == "valid" else padding
    return np.floor_divide(n + 2 * padding - f, stride) + 1


def size_tensorflow_style(n, f, stride=1, padding=0):  # TensorFlow's own formulation
    if padding == "same":
        return (n + stride - 1) // stride
    if padding == "valid":
        return -(-(n - f + 1) // stride)  # ceil((n − f + 1) / stride)
    return int((n + 2 * padding - f) / stride) + 1  # int() cuts towards 0: the same here


def size_same_np_ceil(n, f, stride=1, padding=0):  # the right values, as floats
    return np.ceil(n / stride) if padding == "same" else size_right(n, f, stride, padding)


def size_same_n_minus_one(n, f, stride=1, padding=0):
    return (n - 1) // stride if padding == "same" else size_right(n, f, stride, padding)


def size_brackets(n, f, stride=1, padding=0):
    return n + 2 * padding - f // stride + 1


def size_no_defaults(n, f, stride, padding):
    return size_right(n, f, stride, padding)


def size_other_names(n, f, s=1, p=0):
    return size_right(n, f, s, p)


@pytest.mark.parametrize("answer", [size_right, size_math, size_numpy_ints, size_tensorflow_style])
def test_conv_output_size_accepts_right_answers(answer, capsys):
    assert cnn.check_conv_output_size(answer) is True
    assert capsys.readouterr().out.startswith(
        "✓ conv_output_size is right on all 200 numeric cases (6×6 input, 3×3 filter → 4) and on "
    )


def test_a_right_size_as_a_float_is_told_to_be_an_int(capsys):
    assert cnn.check_conv_output_size(size_same_np_ceil) is False
    out = capsys.readouterr().out
    assert_first_failure(out, "return an int (/ and np.ceil give floats")
    assert "the float 4.0" in out and "tf.nn.conv2d" not in out


def test_n_minus_one_over_stride_is_named_as_itself(capsys):
    assert cnn.check_conv_output_size(size_same_n_minus_one) is False
    out = capsys.readouterr().out
    assert_first_failure(out, "your 'same' is (n − 1) // stride")
    assert "n // stride" not in out.replace("(n − 1) // stride", "")


def test_conv_output_size_reports_exception(capsys):
    def broken(n, f, stride, padding):
        raise RuntimeError("not written yet")

    assert cnn.check_conv_output_size(broken) is False
    assert_first_failure(capsys.readouterr().out, "the error RuntimeError: not written yet")


# --- notebook 01: max_pool -----------------------------------------------------------------------


def pool_right(x, size=2, stride=2):
    rows = (x.shape[0] - size) // stride + 1
    cols = (x.shape[1] - size) // stride + 1
    out = np.empty((rows, cols, x.shape[2]), x.dtype)
    for i in range(rows):
        for j in range(cols):
            out[i, j] = x[i * stride : i * stride + size, j * stride : j * stride + size].max(
                axis=(0, 1)
            )
    return out


def pool_tf(x, size=2, stride=2):
    return tf.nn.max_pool2d(x[None], size, stride, "VALID")[0]


def pool_tf_numpy(x, size=2, stride=2):
    return tf.nn.max_pool2d(x[None], size, stride, "VALID").numpy()[0]


def pool_tf_v1(x, size=2, stride=2):
    return tf.nn.max_pool(x[None], size, stride, "VALID").numpy()[0]


def pool_keras(x, size=2, stride=2):
    layer = tf.keras.layers.MaxPooling2D(pool_size=size, strides=stride, padding="valid")
    return np.asarray(layer(x[None]))[0]


def pool_keras_ops(x, size=2, stride=2):
    import keras

    return np.asarray(keras.ops.max_pool(x[None], size, stride, "valid"))[0]


def pool_in_tf_function(x, size=2, stride=2):
    @tf.function(autograph=False)
    def pool(y):
        return tf.nn.max_pool2d(y, size, stride, "VALID")

    return pool(x[None]).numpy()[0]


def pool_tf_reduce_max(x, size=2, stride=2):
    rows = (x.shape[0] - size) // stride + 1
    cols = (x.shape[1] - size) // stride + 1
    out = np.empty((rows, cols, x.shape[2]), x.dtype)
    for i in range(rows):
        for j in range(cols):
            window = x[i * stride : i * stride + size, j * stride : j * stride + size]
            out[i, j] = tf.reduce_max(window, axis=(0, 1)).numpy()
    return out


def pool_sliding_windows(x, size=2, stride=2):
    windows = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(0, 1))
    return windows[::stride, ::stride].max(axis=(-2, -1))


def pool_by_offsets(x, size=2, stride=2):  # the maximum of size² strided slices
    rows, cols = (x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1
    out = np.full((rows, cols, x.shape[2]), -np.inf)
    for i in range(size):
        for j in range(size):
            part = x[
                i : i + stride * (rows - 1) + 1 : stride, j : j + stride * (cols - 1) + 1 : stride
            ]
            out = np.maximum(out, part)
    return out


def pool_scipy(x, size=2, stride=2):  # the right values, from SciPy's filter
    from scipy.ndimage import maximum_filter

    rows, cols = (x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1
    filtered = maximum_filter(x, size=(size, size, 1), origin=(-(size // 2), -(size // 2), 0))
    return filtered[: stride * rows : stride, : stride * cols : stride]


def pool_raw_op(x, size=2, stride=2):
    pooled = tf.raw_ops.MaxPool(
        input=x[None], ksize=[1, size, size, 1], strides=[1, stride, stride, 1], padding="VALID"
    )
    return pooled.numpy()[0]


def pool_compat_v1(x, size=2, stride=2):
    return tf.compat.v1.nn.max_pool(x[None], size, stride, "VALID").numpy()[0]


def pool_no_defaults(x, size, stride):
    return pool_right(x, size, stride)


def pool_drops_channels(x, size=2, stride=2):
    return pool_right(x, size, stride).max(axis=2)


def pool_average(x, size=2, stride=2):
    rows = (x.shape[0] - size) // stride + 1
    cols = (x.shape[1] - size) // stride + 1
    out = np.empty((rows, cols, x.shape[2]), x.dtype)
    for i in range(rows):
        for j in range(cols):
            window = x[i * stride : i * stride + size, j * stride : j * stride + size]
            out[i, j] = window.mean(axis=(0, 1))
    return out


def pool_transposed(x, size=2, stride=2):
    return np.transpose(pool_right(x, size, stride), (1, 0, 2))


def pool_zero_start(x, size=2, stride=2):
    return np.maximum(pool_right(x, size, stride), 0.0)


def pool_across_channels(x, size=2, stride=2):
    out = pool_right(x, size, stride)
    return np.broadcast_to(out.max(axis=2, keepdims=True), out.shape)


def pool_off_by_one(x, size=2, stride=2):
    return pool_right(x, size, stride)[:-1]


# --- notebook 02: my_gram_matrix -----------------------------------------------------------------


def gram_right(features):
    _, h, w, c = features.shape
    flat = features.reshape(1, h * w, c)
    return np.einsum("bpc,bpd->bcd", flat, flat) / (h * w)


def gram_tf(features):
    from nst_helpers.losses import gram_matrix

    return gram_matrix(features)


def gram_tf_einsum(features):
    _, h, w, _ = features.shape
    return (tf.einsum("bijc,bijd->bcd", features, features) / (h * w)).numpy()


def gram_tf_matmul(features):
    _, h, w, c = features.shape
    flat = features.reshape(h * w, c)
    return (tf.matmul(flat, flat, transpose_a=True) / (h * w)).numpy()[None]


def gram_returns_tensor(features):
    return tf.constant(gram_right(features))


def gram_einsum(features):
    _, h, w, _ = features.shape
    return np.einsum("bijc,bijd->bcd", features, features) / (h * w)


def gram_tensordot(features):
    _, h, w, _ = features.shape
    return np.tensordot(features, features, axes=([0, 1, 2], [0, 1, 2]))[None] / (h * w)


def gram_loops(features):
    _, h, w, c = features.shape
    out = np.zeros((1, c, c))
    for i in range(c):
        for j in range(c):
            out[0, i, j] = np.sum(features[..., i] * features[..., j]) / (h * w)
    return out


package_gram_matrix = losses.gram_matrix  # bound in an earlier cell


def gram_bound_before(features):
    return np.asarray(package_gram_matrix(features))


def gram_tf_numpy(features):
    _, h, w, _ = features.shape
    return np.asarray(tf.experimental.numpy.einsum("bijc,bijd->bcd", features, features)) / (h * w)


def gram_positions_undivided(features):
    _, h, w, c = features.shape
    flat = features.reshape(h * w, c)
    return flat @ flat.T


def gram_unnormalised(features):
    _, h, w, c = features.shape
    return gram_right(features) * (h * w)


def gram_pytorch(features):
    return gram_right(features) / features.shape[-1]


def gram_positions(features):
    _, h, w, c = features.shape
    flat = features.reshape(h * w, c)
    return (flat @ flat.T)[None] / (h * w)


def gram_no_batch(features):
    return gram_right(features)[0]


def gram_wrong_reshape(features):
    # Flattening [H, W, C] as if it were [C, H·W] mixes channels and positions.
    _, h, w, c = features.shape
    flat = features.reshape(c, h * w)
    return (flat @ flat.T)[None] / (h * w)


# --- notebook 02: convert_style_weight -----------------------------------------------------------

FACTORS = {"tf": 1.0, "gatys": 4.0}


def factor(norm, channels):
    return channels**2 if norm == "pytorch" else FACTORS[norm]


def convert_right(weight, channels, source, target):
    return weight * factor(target, channels) / factor(source, channels)


def convert_if_chain(style_weight, channels, source, target):
    weight = style_weight
    if source == "pytorch":
        weight = weight / (channels * channels)
    elif source == "gatys":
        weight = weight / 4
    if target == "pytorch":
        weight = weight * channels * channels
    elif target == "gatys":
        weight = weight * 4
    return weight


def convert_inverted(weight, channels, source, target):
    return weight * factor(source, channels) / factor(target, channels)


def convert_c_not_c2(weight, channels, source, target):
    def f(norm):
        return channels if norm == "pytorch" else FACTORS[norm]

    return weight * f(target) / f(source)


def convert_forgets_gatys_four(weight, channels, source, target):
    def f(norm):
        return channels**2 if norm == "pytorch" else 1.0

    return weight * f(target) / f(source)


def convert_identity(weight, channels, source, target):
    return weight


def test_convert_accepts_right_answer(capsys):
    assert gram.check_convert_style_weight(convert_right) is True
    assert capsys.readouterr().out == (
        "✓ convert_style_weight keeps the weighted style loss for all 9 pairs of conventions on "
        "4 random layers.\n"
    )


def test_conv_output_size_rejects_float_result(capsys):
    def as_float(n, f, stride=1, padding=0):
        return float((n + 2 * padding - f) // stride + 1)

    assert cnn.check_conv_output_size(as_float) is False
    assert_first_failure(capsys.readouterr().out, "return an int")


# --- every checker: right answers pass, each typical mistake gets its hint ----------------------

RIGHT_ANSWERS = [
    (cnn.check_max_pool, pool_right),
    (cnn.check_max_pool, pool_sliding_windows),
    (cnn.check_max_pool, pool_by_offsets),
    (gram.check_gram_matrix, gram_right),
    (gram.check_gram_matrix, gram_einsum),
    (gram.check_gram_matrix, gram_tensordot),
    (gram.check_gram_matrix, gram_loops),
    (gram.check_convert_style_weight, convert_right),
    (gram.check_convert_style_weight, convert_if_chain),
]

MISTAKES = [
    (cnn.check_conv_output_size, size_no_plus_one, "+ 1"),
    (cnn.check_conv_output_size, size_one_sided_padding, "2·padding"),
    (cnn.check_conv_output_size, size_true_division, "floor division"),
    (cnn.check_conv_output_size, size_ceil, "round down"),
    (cnn.check_conv_output_size, size_ignores_stride, "ignored the stride"),
    (cnn.check_conv_output_size, size_numbers_only, "TypeError"),
    (cnn.check_conv_output_size, size_same_keeps_n, "only at stride 1"),
    (cnn.check_conv_output_size, size_same_half_filter, "not for an even f"),
    (cnn.check_conv_output_size, size_same_rounds_down, "your 'same' rounds down"),
    (cnn.check_conv_output_size, size_brackets, "mind the brackets"),
    (cnn.check_conv_output_size, size_no_defaults, "keep the exercise's signature"),
    (cnn.check_conv_output_size, size_other_names, "keep the exercise's signature"),
    (cnn.check_max_pool, pool_scipy, "a call of scipy.ndimage.maximum_filter"),
    (cnn.check_max_pool, pool_raw_op, "TensorFlow's MaxPool operation"),
    (cnn.check_max_pool, pool_compat_v1, "the built-in this exercise rebuilds"),
    (cnn.check_max_pool, pool_no_defaults, "the default size and stride"),
    (cnn.check_max_pool, pool_drops_channels, "the channel axis is missing"),
    (cnn.check_max_pool, pool_tf, "the built-in this exercise rebuilds"),
    (cnn.check_max_pool, pool_tf_numpy, "tf.nn.max_pool2d"),
    (cnn.check_max_pool, pool_tf_v1, "the built-in this exercise rebuilds"),
    (cnn.check_max_pool, pool_keras, "MaxPooling2D"),
    (cnn.check_max_pool, pool_keras_ops, "the built-in this exercise rebuilds"),
    (cnn.check_max_pool, pool_in_tf_function, "the built-in this exercise rebuilds"),
    (cnn.check_max_pool, pool_tf_reduce_max, "NumPy only"),
    (cnn.check_max_pool, pool_average, "averages"),
    (cnn.check_max_pool, pool_transposed, "transposed"),
    (cnn.check_max_pool, pool_zero_start, "-inf"),
    (cnn.check_max_pool, pool_across_channels, "across channels"),
    (cnn.check_max_pool, pool_off_by_one, "off by one"),
    (gram.check_gram_matrix, gram_tf, "the package's gram_matrix is the built-in"),
    (gram.check_gram_matrix, gram_tf_einsum, "TensorFlow operations ran (Einsum"),
    (gram.check_gram_matrix, gram_tf_matmul, "NumPy only"),
    (gram.check_gram_matrix, gram_returns_tensor, "it returned a tf.Tensor"),
    (gram.check_gram_matrix, gram_unnormalised, "divide the sum by the number of positions"),
    (gram.check_gram_matrix, gram_pytorch, "PyTorch"),
    (gram.check_gram_matrix, gram_positions, "positions with positions"),
    (gram.check_gram_matrix, gram_no_batch, "batch axis"),
    (gram.check_gram_matrix, gram_wrong_reshape, "flatten"),
    (gram.check_gram_matrix, gram_bound_before, "a call of nst_helpers.losses.gram_matrix"),
    (gram.check_gram_matrix, gram_tf_numpy, "TensorFlow operations ran"),
    (gram.check_gram_matrix, gram_positions_undivided, "F·Fᵀ pairs positions"),
    (gram.check_convert_style_weight, convert_inverted, "wrong way"),
    (gram.check_convert_style_weight, convert_c_not_c2, "C²"),
    (gram.check_convert_style_weight, convert_forgets_gatys_four, "4·N²·M²"),
    (gram.check_convert_style_weight, convert_identity, "unchanged"),
]


def by_name(value):
    return getattr(value, "__name__", None)


@pytest.mark.parametrize(("check", "answer"), RIGHT_ANSWERS, ids=by_name)
def test_checkers_accept_right_answers(capsys, check, answer):
    assert check(answer) is True
    assert capsys.readouterr().out.startswith("✓ ")


@pytest.mark.parametrize(("check", "wrong", "reason"), MISTAKES, ids=by_name)
def test_checkers_reject_typical_mistakes(capsys, check, wrong, reason):
    assert check(wrong) is False
    assert_first_failure(capsys.readouterr().out, reason)


def test_a_same_rule_is_named_for_the_first_case_it_fails(capsys):
    # On (n=7, f=2, stride=2) rounding down and (f − 1) / 2 padding both give 3; the hint must
    # name the rule the student wrote, and each hint must hold for the case it is shown with.
    assert cnn.check_conv_output_size(size_same_rounds_down) is False
    out = capsys.readouterr().out
    assert "n=7, f=2, stride=2, padding='same'" in out and "rounds down" in out
    assert cnn.check_conv_output_size(size_same_half_filter) is False
    out = capsys.readouterr().out
    assert "n=7, f=2, stride=2, padding='same'" in out and "not for an even f" in out


def test_a_missing_return_is_named(capsys):
    assert gram.check_gram_matrix(lambda features: None) is False
    assert_first_failure(capsys.readouterr().out, "add the `return` line")


@pytest.mark.parametrize("seed", range(1, 4))
def test_checkers_are_seeded_and_right_answers_pass_with_any_seed(seed, capsys):
    assert cnn.check_conv_output_size(size_right, seed=seed)
    assert cnn.check_max_pool(pool_right, seed=seed)
    assert gram.check_gram_matrix(gram_right, seed=seed)
    assert gram.check_convert_style_weight(convert_right, seed=seed)
    assert not cnn.check_max_pool(pool_transposed, seed=seed)
    capsys.readouterr()
    cnn.check_max_pool(pool_off_by_one, seed=seed)
    first = capsys.readouterr().out
    cnn.check_max_pool(pool_off_by_one, seed=seed)
    assert capsys.readouterr().out == first  # a failure repeats word for word


def test_no_checker_module_imports_anothers_private_helpers():
    import pathlib
    import re

    folder = pathlib.Path(cnn.__file__).parent
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"from \.\w* import _", text), path.name
        assert not re.search(r"from \.\w+ import \([^)]*\b_", text), path.name


# --- a student copy's stub -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "check",
    [
        cnn.check_conv_output_size,
        cnn.check_max_pool,
        gram.check_gram_matrix,
        gram.check_convert_style_weight,
    ],
)
def test_a_stub_is_not_implemented_yet_in_one_line(check, capsys):
    assert check(stub("my_answer", "Exercise 2: Your own Gram matrix")) is False
    assert capsys.readouterr().out == (
        "✗ my_answer is not implemented yet: Exercise 2 (Your own Gram matrix). Write it in place "
        "of its raise NotImplementedError line and run the cell again.\n"
    )
