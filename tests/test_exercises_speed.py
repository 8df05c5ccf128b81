"""The exercise checkers of notebook 05 accept right answers and reject typical mistakes."""

import numpy as np
import pytest

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


@pytest.mark.parametrize("fn", [gamma_right, gamma_numpy_scalar])
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


@pytest.mark.parametrize(
    "fn, hint",
    [
        (box_mean, "mean"),
        (box_wrapped, "wrap"),
        (box_channels_together, "channel"),
        (box_side_radius, "2 × radius + 1"),
        (box_rows_only, "columns too"),
        (lambda v, r: v.sum((1, 2)), "shape"),
        (lambda v, r: v, "2 × radius + 1"),  # the pixel alone
    ],
)
def test_box_sums_rejects_typical_mistakes(fn, hint, capsys):
    assert speed.check_box_sums(fn) is False
    out = capsys.readouterr().out
    assert out.startswith("✗") and hint in out


@pytest.mark.parametrize("fn", [box_right, box_cumsum])
def test_box_sums_accepts_right_answers(fn, capsys):
    assert speed.check_box_sums(fn) is True
    assert capsys.readouterr().out.startswith("✓")


# --- kept bytes ----------------------------------------------------------------------------------


def kept_right(height, width):
    h2, w2, h4, w4 = height // 2, width // 2, height // 4, width // 4
    return 4 * (2 * 64 * height * width + 64 * h2 * w2 + 2 * 128 * h2 * w2 + 128 * h4 * w4)


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda h, w: 4 * (2 * 64 * h * w + 2 * 128 * (h // 2) * (w // 2)), "pools"),
        (lambda h, w: kept_right(h, w) // 2, "2 is bfloat16"),
        (lambda h, w: 8 * kept_right(h, w), "bits"),
        (lambda h, w: 4 * h * w * (128 + 16 + 64 + 8), "rounded down"),
        (lambda h, w: 4 * h * w * (64 * 3 + 128 * 3), "half the height"),
        (lambda h, w: 4 * (2 * 64 * h * w + 64 * (h // 2) * (w // 2)), "both blocks"),
        (lambda h, w: [1, 2], "single number"),
    ],
)
def test_kept_bytes_rejects_typical_mistakes(fn, hint, capsys):
    assert speed.check_kept_bytes(fn) is False
    out = capsys.readouterr().out
    assert out.startswith("✗") and hint in out


def test_kept_bytes_accepts_the_right_answer(capsys):
    assert speed.check_kept_bytes(kept_right) is True
    assert capsys.readouterr().out.startswith("✓")


def test_kept_bytes_per_pixel_is_864_for_sizes_divisible_by_four():
    assert speed.kept_bytes(768, 1024) == 864 * 768 * 1024


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_checkers_accept_right_answers_for_other_seeds(seed, capsys):
    assert speed.check_textbook_gamma(gamma_right, seed=seed)
    assert speed.check_box_sums(box_cumsum, seed=seed)
    assert speed.check_kept_bytes(kept_right, seed=seed)


# --- a student copy's stub -----------------------------------------------------------------------


def gamma_stub(s, y):
    raise NotImplementedError("Exercise 1: The textbook scale")


def gamma_nbgrader_stub(s, y):
    # YOUR CODE HERE
    raise NotImplementedError()


def gamma_calls_unfinished_helper(s, y):
    return gamma_stub(s, y) * 2.0


@pytest.mark.parametrize(
    "check", [speed.check_textbook_gamma, speed.check_box_sums, speed.check_kept_bytes]
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
