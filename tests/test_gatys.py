import numpy as np
import pytest
import tensorflow as tf

from nst_helpers.errors import NSTError
from nst_helpers.gatys import GatysStylizer, get_stylizer, stylize
from nst_helpers.images import load_image
from nst_helpers.speed.lbfgs import MIXED_FRACTION
from nst_helpers.speed.runlog import EXPLOSION_FACTOR, STOP_WINDOW


@pytest.fixture(scope="module")
def images64():
    return load_image("tuebingen", max_dim=64), load_image("starry_night", max_dim=64)


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_loop_lowers_the_total_loss_in_20_steps(images64, optimizer):
    result = stylize(
        *images64, backbone="vgg16-hed", max_dim=64, steps=20, optimizer=optimizer, progress=False
    )
    totals = result.history["total"]
    assert result.steps == 20 and len(totals) == 20
    assert min(totals) < 0.5 * totals[0]
    assert result.final_losses["total"] == min(totals)
    image = result.image.numpy()
    assert image.shape == (1, 48, 64, 3) and 0 <= image.min() and image.max() <= 1
    assert not np.allclose(image, images64[0].numpy(), atol=0.02)  # it changed the picture
    assert len(result.snapshots) == 10 and result.snapshots[0][0] == 0
    assert result.backbone == "vgg16-hed" and result.elapsed > 0


def test_new_weights_take_effect_without_retracing(images64):
    stylizer = get_stylizer("vgg16-hed")
    common = dict(max_dim=64, steps=2, progress=False)
    stylizer.stylize(*images64, style_weight=1.0, **common)
    traces = stylizer.trace_count
    low = stylizer.stylize(*images64, style_weight=1.0, **common).history["style"][0]
    high = stylizer.stylize(*images64, style_weight=10.0, **common).history["style"][0]
    assert high == pytest.approx(10 * low, rel=1e-4)
    assert stylizer.trace_count == traces


def test_noise_init_starts_far_from_content(images64):
    result = stylize(
        *images64, backbone="vgg16-hed", max_dim=64, steps=2, init="noise", progress=False
    )
    assert result.history["content"][0] > 0


def test_callback_can_stop_the_run(images64):
    seen = []
    result = stylize(
        *images64,
        backbone="vgg16-hed",
        max_dim=64,
        steps=10,
        progress=False,
        callback=lambda step, losses, image: seen.append(step) or step < 2,
    )
    assert seen == [0, 1, 2] and result.steps == 3 and "callback" in result.stop_reason


def test_adam_with_a_huge_learning_rate_blows_up_and_keeps_the_best_finite_image(images64):
    # The style taken from the content photo itself: the start is already almost perfect (only its
    # total variation costs), and a learning rate of 10 throws the pixels to 0 and 1.
    content = images64[0]
    result = stylize(
        content,
        content,
        backbone="vgg16-hed",
        max_dim=64,
        steps=10,
        optimizer="adam",
        learning_rate=10.0,
        content_weight=1e4,
        style_weight=1e4,
        total_variation_weight=1.0,
        progress=False,
    )
    assert "exploded" in result.stop_reason and result.steps < 10
    assert result.best_step == 0 and result.final_losses["total"] == min(result.history["total"])
    np.testing.assert_array_equal(result.image.numpy(), content.numpy())  # the finite start
    assert all(
        total <= EXPLOSION_FACTOR * result.history["total"][0] for total in result.history["total"]
    )


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"steps": 0}, "steps"),
        ({"max_dim": 10}, "max_dim"),
        ({"style_weight": float("nan")}, "style_weight"),
        ({"content_weight": -1.0}, "content_weight"),
        ({"total_variation_weight": float("inf")}, "total_variation_weight"),
        ({"optimizer": "sgd"}, "optimizer"),
        ({"init": "style"}, "init"),
    ],
)
def test_bad_parameters_are_refused_before_any_work(images64, kwargs, name):
    with pytest.raises(NSTError, match=name):
        stylize(*images64, backbone="vgg16-hed", progress=False, **kwargs)


def test_other_normalizations_run(images64):
    stylizer = GatysStylizer("vgg16-hed", normalization="gatys")
    result = stylizer.stylize(*images64, max_dim=64, steps=3, progress=False)
    assert all(np.isfinite(v) for v in result.history["total"])
    assert tf.reduce_all(tf.math.is_finite(result.image))


class _NanAtStep(GatysStylizer):
    """The real stylizer, except that the loss turns NaN at one step (as a blow-up would)."""

    def __init__(self, bad_step):
        super().__init__("vgg16-hed")
        self.bad_step, self.calls = bad_step, 0

    def loss(self, image, targets, weights, mixed_precision=False):
        losses, grad = super().loss(image, targets, weights, mixed_precision)
        self.calls += 1
        if self.calls > self.bad_step:
            losses = {**losses, "total": float("nan")}
        return losses, grad * float("nan") if self.calls > self.bad_step else grad


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_nan_loss_stops_the_loop_and_returns_the_best_finite_image(images64, optimizer, capsys):
    stylizer = _NanAtStep(bad_step=4)
    result = stylizer.stylize(*images64, max_dim=64, steps=20, optimizer=optimizer)
    assert result.steps == 4 and "nan" in result.stop_reason
    assert "Stopped early" in capsys.readouterr().out
    assert np.isfinite(result.image.numpy()).all()
    assert result.final_losses["total"] == min(result.history["total"])


def test_nan_at_the_first_step_is_an_error_not_a_picture(images64):
    with pytest.raises(NSTError, match="first step"):
        _NanAtStep(bad_step=0).stylize(*images64, max_dim=64, steps=5, progress=False)


def test_stopping_rule_ends_a_converged_run_and_can_be_turned_off(images64):
    common = dict(backbone="vgg16-hed", max_dim=64, steps=30, progress=False)
    loose = stylize(*images64, tolerance=0.999, mixed_precision=False, **common)  # "converged"
    # … after the first full window, unless the loss fell by 99.9 % over it
    assert loose.steps == STOP_WINDOW + 1 and loose.stop_reason.startswith("converged")
    full = stylize(*images64, tolerance=0.0, mixed_precision=False, **common)
    assert full.steps == 30 and full.stop_reason == ""


def test_stopping_rule_judges_the_float32_steps_only(images64):
    common = dict(backbone="vgg16-hed", max_dim=64, progress=False, mixed_precision=True)
    loose = stylize(*images64, steps=80, tolerance=0.999, **common)
    # the bfloat16 steps stall by the same rule after a full window; the float32 ones stop after
    # a window of their own
    window = STOP_WINDOW + 1
    assert loose.bfloat16_steps == window and loose.stop_reason.startswith("converged")
    assert loose.steps == 2 * window and loose.best_step >= window


def test_mixed_precision_runs_half_the_steps_in_bfloat16_and_returns_float32_losses(images64):
    stylizer = get_stylizer("vgg16-hed")
    common = dict(max_dim=64, steps=40, tolerance=0.0, progress=False)
    mixed = stylizer.stylize(*images64, mixed_precision=True, **common)
    plain = stylizer.stylize(*images64, mixed_precision=False, **common)
    share = int(40 * MIXED_FRACTION)
    assert mixed.bfloat16_steps == share and mixed.steps == 40 and mixed.best_step >= share
    assert plain.bfloat16_steps == 0
    # the reported loss is the float32 loss of the returned image …
    targets = stylizer.targets(*images64)
    again, _ = stylizer.loss(mixed.image, targets, mixed.weights)
    assert mixed.final_losses["total"] == pytest.approx(again["total"], rel=1e-5)
    # … and about as low as with float32 throughout
    assert mixed.final_losses["total"] < 1.1 * plain.final_losses["total"]
    assert mixed.final_losses["total"] < 0.1 * mixed.history["total"][0]


def test_mixed_precision_is_automatic_where_the_cpu_has_bfloat16(images64):
    from nst_helpers.speed.precision import mixed_precision_default

    common = dict(backbone="vgg16-hed", max_dim=64, steps=6, progress=False)
    share = int(6 * MIXED_FRACTION)
    assert (stylize(*images64, **common).bfloat16_steps == share) == mixed_precision_default()
    assert stylize(*images64, optimizer="adam", **common).bfloat16_steps == 0
    with pytest.raises(NSTError, match="mixed_precision works with optimizer='lbfgs' only"):
        stylize(*images64, optimizer="adam", mixed_precision=True, **common)
    with pytest.raises(NSTError, match="mixed_precision must be True, False or None"):
        stylize(*images64, mixed_precision="yes", **common)


def test_defaults_suit_the_hardware(images64):
    from nst_helpers.config import has_gpu
    from nst_helpers.options import gatys_defaults

    defaults = gatys_defaults()
    assert defaults == (
        {"max_dim": 512, "steps": 500} if has_gpu() else {"max_dim": 256, "steps": 290}
    )
    result = stylize(*images64, backbone="vgg16-hed", steps=1, progress=False)
    assert max(result.image.shape[1:3]) == defaults["max_dim"] and result.optimizer == "lbfgs"


class _Bowl(GatysStylizer):
    """The real loop on a known problem: squared distance to a picture."""

    def __init__(self, target, stiffness=1.0):
        super().__init__("vgg16-hed")
        self.target = tf.constant(target, tf.float32)
        self.stiffness = tf.constant(stiffness, tf.float32)

    def loss(self, image, targets, weights, mixed_precision=False):
        diff = tf.convert_to_tensor(image, tf.float32) - self.target
        total = float(tf.reduce_sum(self.stiffness * tf.square(diff)))
        losses = {"total": total, "content": total, "style": 0.0, "total_variation": 0.0}
        return losses, 2.0 * self.stiffness * diff


def test_lbfgs_stops_at_a_point_where_the_gradient_is_zero(images64):
    result = _Bowl(images64[0].numpy()).stylize(*images64, max_dim=64, steps=50, progress=False)
    assert result.steps == 1
    assert result.stop_reason == "converged: the gradient is zero inside [0, 1] (step 0)"
