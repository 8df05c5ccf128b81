"""The projected L-BFGS solver on its own, on problems whose answer is known (no network)."""

import numpy as np
import pytest

from nst_helpers.images import load_image
from nst_helpers.speed import curvature, lbfgs
from nst_helpers.speed.curvature import (
    CurvaturePairs,
    _box_sums,
    gradient_direction,
    quasi_newton_direction,
)
from nst_helpers.speed.lbfgs import (
    LBFGS_FIRST_STEP,
    LBFGS_MEMORY,
    LBFGS_MEMORY_BYTES,
    MIXED_FRACTION,
    PrecisionSchedule,
    lbfgs_memory,
)

SHAPE = (1, 12, 17, 3)


def minimize(loss, x, shape, schedule=None, per_region=True, smoothing=True):
    """The one driver with the NumPy arithmetic, both tricks on unless told."""
    pairs = CurvaturePairs(lbfgs_memory(x.size), shape, per_region, smoothing)
    return lbfgs.minimize(loss, x, pairs, schedule)


@pytest.fixture(scope="module")
def content():
    return load_image("tuebingen", max_dim=64).numpy()


def bowl(target, stiffness=1.0):
    """``Σ stiffness × (x − target)²`` and its gradient, as ``minimize`` asks for them."""
    target = np.asarray(target, np.float32)
    stiffness = np.broadcast_to(np.asarray(stiffness, np.float32), target.shape).ravel()
    target = target.ravel()

    def loss_and_gradient(x, precision):
        diff = x - target
        return float(np.sum(stiffness * np.square(diff))), 2.0 * stiffness * diff

    return loss_and_gradient


def sheet(target, softness):
    """A loss that, like a network's, charges fine detail more than broad change.

    ``softness × Σ d²`` plus the squared differences of ``d`` between neighbouring pixels, where
    ``d`` is the distance to ``target``: a broad change of colour costs little, a speckle a lot.
    """
    shape = target.shape

    def loss_and_gradient(x, precision):
        d = x.reshape(shape) - target
        down, across = d[:, 1:] - d[:, :-1], d[:, :, 1:] - d[:, :, :-1]
        total = softness * np.sum(d**2) + np.sum(down**2) + np.sum(across**2)
        grad = 2.0 * softness * d
        grad[:, 1:] += 2.0 * down
        grad[:, :-1] -= 2.0 * down
        grad[:, :, 1:] += 2.0 * across
        grad[:, :, :-1] -= 2.0 * across
        return float(total), grad.astype(np.float32).ravel()

    return loss_and_gradient


class Recorder:
    """Wraps a loss: counts the calls, keeps what went in and out, can stop after some calls."""

    def __init__(self, loss_and_gradient, stop_after=None):
        self.loss_and_gradient, self.stop_after = loss_and_gradient, stop_after
        self.losses, self.precisions, self.points, self.gradients = [], [], [], []

    def __call__(self, x, precision):
        if self.stop_after is not None and len(self.losses) >= self.stop_after:
            return None
        loss, gradient = self.loss_and_gradient(x, precision)
        self.losses.append(loss)
        self.precisions.append(precision)
        self.points.append((x, x.copy()))
        self.gradients.append((gradient, gradient.copy()))
        return loss, gradient


def random_pairs(rng, count=5, shape=SHAPE):
    """Curvature pairs of a random stiff-and-soft quadratic (``y = A s``, ``A`` positive)."""
    size = int(np.prod(shape))
    stiffness = np.exp(rng.uniform(-3, 3, size)).astype(np.float32)
    pairs = CurvaturePairs(LBFGS_MEMORY, shape)
    for _ in range(count):
        step = rng.standard_normal(size).astype(np.float32)
        pairs.add(step, stiffness * step)
    assert len(pairs) == count
    return pairs


def test_finds_the_minimum_inside_the_pixel_range(content):
    target = 2.0 * content - 0.5 + 0.1 * np.sin(np.arange(content.size)).reshape(content.shape)
    best = np.clip(target, 0.0, 1.0)
    loss = Recorder(bowl(target), stop_after=40)
    x, why = minimize(loss, content.ravel(), content.shape)
    assert why in ("", "the gradient is zero inside [0, 1]") and len(loss.losses) <= 40
    assert min(loss.losses) == pytest.approx(float(np.sum((best - target) ** 2)), rel=1e-3)
    np.testing.assert_allclose(x.reshape(content.shape), best, atol=0.01)


def test_stops_where_the_gradient_is_zero(content):
    loss = Recorder(bowl(content))
    _, why = minimize(loss, content.ravel(), content.shape)
    assert why == "the gradient is zero inside [0, 1]" and len(loss.losses) == 1


def test_takes_each_pixels_own_curvature_into_account(content):
    # The top of the picture 100 times as stiff as the bottom (like flat sky against busy detail):
    # one step scale for the whole image would have to suit the stiffest rows; each part's own
    # scale reaches the bottom of the bowl fast.
    target = np.clip(content + 0.3 * np.cos(np.arange(content.size)).reshape(content.shape), 0, 1)
    rows = np.linspace(2.0, 0.0, content.shape[1])[None, :, None, None]
    loss = Recorder(bowl(target, np.broadcast_to(10.0**rows, content.shape)), stop_after=30)
    minimize(loss, content.ravel(), content.shape)
    assert loss.losses[0] > 1e3
    assert min(loss.losses) < 1e-9 * loss.losses[0]


def test_takes_longer_steps_for_broad_changes(content, monkeypatch):
    rows, cols = np.meshgrid(*(np.linspace(-1, 1, n) for n in content.shape[1:3]), indexing="ij")
    broad = 0.25 * np.cos(2 * cols + rows)[None, :, :, None] * np.array([1.0, -0.5, 0.3])
    target = np.clip(content + broad, 0, 1).astype(np.float32)

    def remaining() -> float:
        loss = Recorder(sheet(target, softness=0.01), stop_after=30)
        minimize(loss, content.ravel(), content.shape)
        return min(loss.losses) / loss.losses[0]

    assert remaining() < 5e-3
    monkeypatch.setattr(curvature, "LBFGS_SMOOTHING_GAIN", 0.0)  # each pixel's scale alone
    assert remaining() > 2e-2


def test_never_changes_its_inputs(content):
    start = content.ravel().copy()
    x0 = start.copy()
    target = 2.0 * content - 0.5
    loss = Recorder(bowl(target), stop_after=15)
    minimize(loss, x0, content.shape, PrecisionSchedule.for_run(15, mixed_precision=True))
    np.testing.assert_array_equal(x0, start)
    for given, kept in loss.points + loss.gradients:
        np.testing.assert_array_equal(given, kept)


def test_the_function_can_stop_it_at_any_call(content):
    loss = Recorder(bowl(2.0 * content - 0.5), stop_after=3)
    x, why = minimize(loss, content.ravel(), content.shape)
    assert why == "" and len(loss.losses) == 3 and x.shape == (content.size,)


def test_measures_in_bfloat16_first_then_float32_for_good(content):
    loss = Recorder(bowl(2.0 * content - 0.5), stop_after=20)
    minimize(loss, content.ravel(), content.shape, PrecisionSchedule.for_run(20, True))
    first = loss.precisions.index("float32")
    assert 0 < first <= int(20 * MIXED_FRACTION)
    assert set(loss.precisions[:first]) == {"bfloat16"} and set(loss.precisions[first:]) == {
        "float32"
    }


@pytest.mark.parametrize("seed", range(5))
def test_the_quasi_newton_direction_goes_downhill(seed):
    rng = np.random.default_rng(seed)
    pairs = random_pairs(rng)
    size = int(np.prod(SHAPE))
    x = rng.choice([0.0, 0.5, 1.0], size).astype(np.float32)  # some values at each bound
    gradient = rng.standard_normal(size).astype(np.float32)
    direction = quasi_newton_direction(x, gradient, pairs)
    assert direction is not None and float(np.dot(gradient, direction)) < 0
    held = ((x <= 0) & (gradient > 0)) | ((x >= 1) & (gradient < 0))
    assert not direction[held].any()  # values a bound holds stay still


@pytest.mark.parametrize("seed", range(5))
def test_the_initial_step_is_symmetric_and_positive(seed):
    rng = np.random.default_rng(seed)
    pairs = random_pairs(rng)
    size = int(np.prod(SHAPE))
    u, v = rng.standard_normal((2, size)).astype(np.float32)
    u_hv = float(np.dot(u, pairs.initial_step(v)))
    hu_v = float(np.dot(pairs.initial_step(u), v))
    assert u_hv == pytest.approx(hu_v, rel=1e-4, abs=1e-4 * abs(u_hv) + 1e-6)
    assert float(np.dot(v, pairs.initial_step(v))) > 0


def test_the_first_step_moves_no_free_value_by_more_than_its_limit():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 50).astype(np.float32)
    gradient = rng.standard_normal(50).astype(np.float32)
    step = gradient_direction(x, gradient)
    assert np.abs(step).max() == pytest.approx(LBFGS_FIRST_STEP)
    assert float(np.dot(step, gradient)) < 0
    assert not gradient_direction(x, np.zeros_like(x)).any()


class TestPrecisionSchedule:
    def test_switches_after_its_share_of_the_steps(self):
        schedule = PrecisionSchedule.for_run(10, mixed_precision=True)
        assert schedule.bfloat16_steps == int(10 * MIXED_FRACTION)
        for loss in np.geomspace(1e3, 1, schedule.bfloat16_steps):  # falling fast: no stall
            assert schedule.precision == "bfloat16" and not schedule.switch_if_due()
            schedule.observe(float(loss))
        assert schedule.bfloat16_spent and schedule.switch_if_due()
        assert schedule.precision == "float32"

    def test_switches_when_the_loss_stalls(self):
        schedule = PrecisionSchedule(bfloat16_steps=100, stall=0.01, window=4)
        for loss in [10.0, 9.99, 9.98, 9.97, 9.96]:  # 0.4 % over 4 steps
            assert not schedule.switch_if_due()
            schedule.observe(loss)
        assert schedule.stalled() and schedule.switch_if_due()

    def test_the_stall_is_at_least_the_loops_tolerance(self):
        assert PrecisionSchedule.for_run(10, True, tolerance=0.5).stall == 0.5
        assert PrecisionSchedule.for_run(10, True, tolerance=0.0).stall == lbfgs.MIXED_STALL

    def test_switches_when_stuck(self):
        schedule = PrecisionSchedule(bfloat16_steps=100)
        schedule.observe(1.0)
        assert schedule.switch_if_due(stuck=True) and schedule.precision == "float32"

    def test_never_switches_back(self):
        schedule = PrecisionSchedule(bfloat16_steps=2)
        schedule.observe(2.0)
        schedule.observe(1.0)
        assert schedule.switch_if_due()
        for loss in [1.0, 1.0, 1.0]:
            schedule.observe(loss)
            assert not schedule.switch_if_due(stuck=True) and schedule.precision == "float32"
        assert schedule.losses == [2.0, 1.0]  # float32 losses are not bfloat16 ones

    def test_without_mixed_precision_it_is_float32_throughout(self):
        schedule = PrecisionSchedule.for_run(10, mixed_precision=False)
        assert schedule.precision == "float32" and not schedule.switch_if_due(stuck=True)


def test_memory_shrinks_for_large_images():
    assert lbfgs_memory(256 * 192 * 3) == LBFGS_MEMORY
    large = 1024 * 768 * 3
    assert 3 <= lbfgs_memory(large) < LBFGS_MEMORY
    assert lbfgs_memory(large) * 2 * large * 4 <= LBFGS_MEMORY_BYTES


@pytest.mark.parametrize("radius", [0, 1, 5, 20])
def test_box_sums_add_up_each_pixels_square_cut_off_at_the_edges(radius):

    shape = (1, 9, 13, 3)
    values = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    expected = np.zeros(shape)
    for row in range(shape[1]):
        for col in range(shape[2]):
            square = values[0, max(0, row - radius) : row + radius + 1]
            expected[0, row, col] = square[:, max(0, col - radius) : col + radius + 1].sum((0, 1))
    np.testing.assert_allclose(_box_sums(values.ravel(), shape, radius), expected, atol=1e-5)


# --- the options notebook 05 measures: each trick can be switched off --------------------------


@pytest.mark.parametrize("seed", range(3))
def test_without_both_tricks_the_initial_step_is_the_textbook_one(seed):
    rng = np.random.default_rng(seed)
    pairs = random_pairs(rng)
    textbook = CurvaturePairs(LBFGS_MEMORY, SHAPE, per_region=False, smoothing=False)
    for step, change, _ in pairs.pairs:
        textbook.add(step, change)
    newest_step, newest_change, _ = textbook.pairs[-1]
    gamma = float(np.dot(newest_step, newest_change)) / float(np.dot(newest_change, newest_change))
    gradient = rng.standard_normal(int(np.prod(SHAPE))).astype(np.float32)
    np.testing.assert_allclose(textbook.initial_step(gradient), gamma * gradient, rtol=1e-5)
    assert not np.allclose(pairs.initial_step(gradient), gamma * gradient, rtol=1e-3)


def test_each_trick_alone_changes_the_initial_step():
    rng = np.random.default_rng(7)
    full = random_pairs(rng)
    gradient = rng.standard_normal(int(np.prod(SHAPE))).astype(np.float32)
    steps = {}
    for per_region in (True, False):
        for smoothing in (True, False):
            pairs = CurvaturePairs(LBFGS_MEMORY, SHAPE, per_region, smoothing)
            for step, change, _ in full.pairs:
                pairs.add(step, change)
            steps[per_region, smoothing] = pairs.initial_step(gradient)
    np.testing.assert_array_equal(steps[True, True], full.initial_step(gradient))  # the defaults
    np.testing.assert_allclose(steps[True, False], full.scale() * gradient, rtol=1e-6)
    assert len({tuple(np.round(step, 6)) for step in steps.values()}) == 4


def test_the_textbook_variant_still_converges(content):
    target = 2.0 * content - 0.5 + 0.1 * np.sin(np.arange(content.size)).reshape(content.shape)
    best = np.clip(target, 0.0, 1.0)
    loss = Recorder(bowl(target), stop_after=60)
    minimize(loss, content.ravel(), content.shape, per_region=False, smoothing=False)
    assert min(loss.losses) == pytest.approx(float(np.sum((best - target) ** 2)), rel=1e-2)
