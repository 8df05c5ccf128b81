"""The curvature arithmetic as TensorFlow ops (speed.curvature_tf) against NumPy's (speed.curvature).

The NumPy version is the oracle: the same pairs and gradient must give the same scale, initial
step and direction, and a short run on the real network the same history, within float32's
rounding (the two sum in different orders).
"""

import numpy as np
import pytest
import tensorflow as tf

from nst_helpers.gatys import GatysStylizer
from nst_helpers.images import load_image
from nst_helpers.speed import curvature, lbfgs
from nst_helpers.speed import curvature_tf as lbfgs_tf

SHAPE = (1, 20, 27, 3)
VARIANTS = [(True, True), (True, False), (False, True), (False, False)]


def both_pairs(rng, count, memory=5, per_region=True, smoothing=True):
    """The same pairs in both solvers' memories; more than ``memory`` of them wrap the ring."""
    numpy_pairs = curvature.CurvaturePairs(memory, SHAPE, per_region, smoothing)
    tensor_pairs = lbfgs_tf.TensorCurvaturePairs(memory, SHAPE, per_region, smoothing)
    stiffness = np.exp(rng.uniform(-3, 3, SHAPE)).astype(np.float32)
    for _ in range(count):
        step = rng.standard_normal(SHAPE).astype(np.float32)
        change = stiffness * step + 0.01 * rng.standard_normal(SHAPE).astype(np.float32)
        numpy_pairs.add(step.ravel(), change.ravel())
        tensor_pairs.add(tf.constant(step), tf.constant(change))
    curved_wrongly = -np.abs(rng.standard_normal(SHAPE)).astype(np.float32)
    numpy_pairs.add(-curved_wrongly.ravel(), curved_wrongly.ravel())  # sᵀy < 0: not kept
    tensor_pairs.add(tf.constant(-curved_wrongly), tf.constant(curved_wrongly))
    return numpy_pairs, tensor_pairs


def close(tensor, array, rtol=1e-5):
    found, array = np.asarray(tensor).ravel(), np.asarray(array).ravel()
    return np.allclose(found, array, rtol=rtol, atol=rtol * float(np.abs(array).max()))


@pytest.mark.parametrize("count", [3, 8])
@pytest.mark.parametrize("per_region, smoothing", VARIANTS)
def test_scale_initial_step_and_direction_equal_the_numpy_ones(count, per_region, smoothing):
    rng = np.random.default_rng(count)
    numpy_pairs, tensor_pairs = both_pairs(rng, count, 5, per_region, smoothing)
    assert len(numpy_pairs) == len(tensor_pairs) == min(count, 5)
    x = rng.choice([0.0, 0.5, 1.0], SHAPE).astype(np.float32)  # some values at each bound
    gradient = rng.standard_normal(SHAPE).astype(np.float32)
    assert close(tensor_pairs.scale(), numpy_pairs.scale())
    expected = numpy_pairs.initial_step(gradient.ravel())
    assert close(tensor_pairs.initial_step(tf.constant(gradient)), expected)
    expected = curvature.quasi_newton_direction(x.ravel(), gradient.ravel(), numpy_pairs)
    direction, moves = tensor_pairs.direction(tf.constant(x), tf.constant(gradient))
    assert expected is not None and bool(moves) and close(direction, expected)


@pytest.mark.parametrize("count", [2, 7])
def test_the_recursion_without_xla_gives_the_compiled_ones_direction(count):
    """Where XLA does not compile (a GPU plugin without it), the plain ops run: the same step."""
    rng = np.random.default_rng(count)
    _, tensor_pairs = both_pairs(rng, count)
    x = tf.constant(rng.choice([0.0, 0.5, 1.0], SHAPE).astype(np.float32))
    gradient = tf.constant(rng.standard_normal(SHAPE).astype(np.float32))
    plain = tf.function(lambda a, b: lbfgs_tf.quasi_newton_direction(a, b, tensor_pairs))
    step = plain(x, gradient)
    compiled = tensor_pairs._two_loop(x, gradient)
    assert lbfgs_tf.xla_compiles_here()  # this machine's CPU: the compiled one is tested above
    assert close(step, compiled.numpy())
    assert not close(step, -gradient.numpy())  # the pairs changed the step


def test_an_uphill_direction_falls_back_to_the_gradient_and_forgets_the_pairs():
    rng = np.random.default_rng(0)
    _, tensor_pairs = both_pairs(rng, 3, per_region=False, smoothing=False)
    x = np.full(SHAPE, 0.5, np.float32)
    gradient = rng.standard_normal(SHAPE).astype(np.float32)
    # a model gone bad: the pairs of a loss curving down everywhere, so the step points uphill
    tensor_pairs.changes.assign(-tensor_pairs.changes)
    tensor_pairs.inverse_curvatures.assign(-tensor_pairs.inverse_curvatures)
    direction, moves = tensor_pairs.direction(tf.constant(x), tf.constant(gradient))
    assert bool(moves) and len(tensor_pairs) == 0
    assert close(direction, curvature.gradient_direction(x.ravel(), gradient.ravel()))
    held = np.zeros(SHAPE, np.float32)  # every value at 0 and pushed down: nothing moves
    _, moves = tensor_pairs.direction(tf.constant(held), tf.constant(np.abs(gradient)))
    assert not bool(moves)


@pytest.mark.parametrize("radius", [1, 5, 32])
def test_box_sums_equal_the_numpy_ones(radius):
    values = np.random.default_rng(radius).standard_normal(SHAPE).astype(np.float32)
    expected = curvature._box_sums(values.ravel(), SHAPE, radius)
    assert close(lbfgs_tf.box_sums(tf.constant(values), radius), expected)


@pytest.fixture(scope="module")
def network_loss():
    """The real loss at 64 px (vgg16-hed): ``loss(image) -> (float, gradient tensor)``."""
    stylizer = GatysStylizer("vgg16-hed")
    content = load_image("tuebingen", max_dim=64)
    targets = stylizer.targets(content, load_image("starry_night", max_dim=64))
    weights = stylizer.backbone.default_weights

    def loss(image):
        losses, gradient = stylizer.loss(tf.reshape(image, content.shape), targets, weights)
        return losses["total"], gradient

    return content, loss


def run_both(content, loss, steps):
    """``steps`` evaluations of each solver from ``content``; their loss histories."""
    histories = {"numpy": [], "tensorflow": []}

    def numpy_side(x, precision):
        if len(histories["numpy"]) == steps:
            return None
        total, gradient = loss(tf.constant(x))
        histories["numpy"].append(total)
        return total, gradient.numpy().ravel()

    def tensor_side(x, precision):
        if len(histories["tensorflow"]) == steps:
            return None
        total, gradient = loss(x)
        histories["tensorflow"].append(total)
        return total, gradient

    memory = lbfgs.lbfgs_memory(int(np.prod(content.shape)))
    lbfgs.minimize(numpy_side, content, curvature.CurvaturePairs(memory, content.shape))
    lbfgs.minimize(tensor_side, content, lbfgs_tf.shared_pairs(content.shape))
    return histories


def test_a_short_run_on_the_network_has_the_numpy_solvers_history(network_loss):
    content, loss = network_loss
    histories = run_both(content, loss, 20)
    assert len(histories["numpy"]) == len(histories["tensorflow"]) == 20
    # The same steps, summed in another order (XLA fuses the recursion): the first steps agree
    # to float32's rounding, and the two float32 paths drift apart a little with every step.
    np.testing.assert_allclose(histories["tensorflow"][:8], histories["numpy"][:8], rtol=2e-5)
    np.testing.assert_allclose(histories["tensorflow"], histories["numpy"], rtol=1e-2)
    assert min(histories["tensorflow"]) < 0.5 * histories["tensorflow"][0]


def test_runs_of_the_same_size_reuse_the_compiled_solver(network_loss):
    content, loss = network_loss
    pairs = lbfgs_tf.shared_pairs(content.shape)
    run_both(content, loss, 4)
    traces = pairs.direction.experimental_get_tracing_count()
    run_both(content, loss, 4)
    assert traces == 1 and pairs.direction.experimental_get_tracing_count() == traces
