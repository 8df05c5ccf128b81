"""The controls of notebook 06: colour preservation, mixing, style scale, and AdaIN.

Invariants on tiny images (at most 64 px) and a few steps: luminance-only output has the photo's
chrominance, a mix (1, 0) is the first painting alone, a style scale of 1 is today's result.
"""

import numpy as np
import pytest
import tensorflow as tf

from nst_helpers import controls, magenta
from nst_helpers.adain import MeanStdStylizer, adain, mean_std
from nst_helpers.cli import main as cli
from nst_helpers.errors import NSTError
from nst_helpers.gatys import GatysStylizer
from nst_helpers.images import load_image
from nst_helpers.options import MAX_STYLE_DIM, check_style_mix

SIZE = 64


def chrominance(image):
    return controls.rgb_to_yiq(image)[..., 1:].numpy()


def smooth_image(seed, size=(1, 24, 32, 3), low=0.2, high=0.8):
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(low, high, size).astype(np.float32))


@pytest.fixture(scope="module")
def photo():
    return load_image("cat", max_dim=SIZE)


# --- colour, without a network -----------------------------------------------------------------


def test_yiq_round_trip_and_luminance_weights():
    image = smooth_image(0, low=0.0, high=1.0)
    np.testing.assert_allclose(controls.yiq_to_rgb(controls.rgb_to_yiq(image)), image, atol=1e-5)
    white = tf.ones([1, 2, 2, 3])
    np.testing.assert_allclose(controls.rgb_to_yiq(white), [[[[1, 0, 0]] * 2] * 2], atol=1e-6)


def test_recombined_picture_has_the_stylised_luminance_and_the_photos_colour():
    stylised, content = smooth_image(1, low=0.3, high=0.7), smooth_image(2, low=0.4, high=0.6)
    out = controls.recombine_luminance(stylised, content)
    assert float(tf.reduce_min(out)) > 0 and float(tf.reduce_max(out)) < 1  # nothing clipped
    np.testing.assert_allclose(chrominance(out), chrominance(content), atol=1e-5)
    np.testing.assert_allclose(controls.luminance(out), controls.luminance(stylised), atol=1e-5)


def test_luminance_matching_gives_the_photos_mean_and_std_in_grey():
    style, content = smooth_image(3, low=0.4, high=0.6), smooth_image(4, low=0.1, high=0.9)
    matched = controls.match_luminance(style, content)
    np.testing.assert_allclose(matched[..., 0], matched[..., 2])
    y, y_content = controls.luminance(matched), controls.luminance(content)
    assert float(tf.reduce_mean(y)) == pytest.approx(float(tf.reduce_mean(y_content)), abs=1e-4)
    assert float(tf.math.reduce_std(y)) == pytest.approx(
        float(tf.math.reduce_std(y_content)), rel=1e-3
    )


def test_histogram_matching_gives_the_photos_colour_mean_and_covariance():
    style = smooth_image(5, low=0.3, high=0.7) * tf.constant([1.0, 0.6, 0.3])
    content = smooth_image(6, low=0.35, high=0.65)
    moved = np.asarray(controls.match_color_histogram(style, content)).reshape(-1, 3)
    pixels = np.asarray(content).reshape(-1, 3)
    assert moved.min() > 0 and moved.max() < 1  # nothing clipped, so the match is exact
    np.testing.assert_allclose(moved.mean(axis=0), pixels.mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(
        np.cov(moved, rowvar=False), np.cov(pixels, rowvar=False), rtol=2e-3, atol=1e-6
    )


# --- values --------------------------------------------------------------------------------------


def test_style_mix_is_normalised_and_zero_weights_are_left_out():
    assert check_style_mix([3, 1], 2) == (0.75, 0.25)
    assert check_style_mix(None, 4) == (0.25,) * 4
    assert controls.paintings(["a", "b", "c"], [0, 2, 2]) == (["b", "c"], (0.5, 0.5))
    assert controls.paintings("a") == (["a"], (1.0,))


@pytest.mark.parametrize(
    ("mix", "message"),
    [
        ([1.0], "1 weight"),
        ([1, -1], "negative"),
        ([0, 0], "all 0"),
        ([float("nan"), 1], "finite"),
        ([True, 1], "finite"),
        ("0.5,0.5", "list of weights"),
    ],
)
def test_bad_style_mix_raises_one_clear_error(mix, message):
    with pytest.raises(NSTError, match=message):
        check_style_mix(mix, 2)


def test_style_scale_sizes_and_limits():
    assert controls.style_max_dim(256, 1.0) == 256 and controls.style_max_dim(256, 0.5) == 128
    for bad, message in [(0.1, r"\[0.25, 4\]"), (5, r"\[0.25, 4\]"), ("2", "number")]:
        with pytest.raises(NSTError, match=message):
            controls.style_max_dim(256, bad)
    with pytest.raises(NSTError, match=f"over {MAX_STYLE_DIM} px"):
        controls.style_max_dim(1024, 4)
    with pytest.raises(NSTError, match="under 32 px"):
        controls.style_max_dim(64, 0.25)
    same = controls.load_style("starry_night", SIZE, 1.0)
    assert np.array_equal(same, load_image("starry_night", max_dim=SIZE))
    assert max(controls.load_style("starry_night", SIZE, 1.5).shape[1:3]) == 96


def test_mixed_grams_are_the_weighted_sum():
    first, second = {"a": tf.ones([1, 2, 2])}, {"a": 3 * tf.ones([1, 2, 2])}
    assert controls.mix_grams([first], (1.0,))["a"] is first["a"]
    np.testing.assert_allclose(controls.mix_grams([first, second], (0.25, 0.75))["a"], 2.5)


# --- the Gatys loop --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gatys():
    return GatysStylizer("vgg16-hed")


RUN = {
    "max_dim": SIZE,
    "steps": 3,
    "progress": False,
    "mixed_precision": False,
    "optimizer": "adam",
}


def test_gatys_style_scale_1_and_mix_1_0_are_todays_result(gatys):
    today = gatys.stylize("cat", "starry_night", **RUN).image
    assert np.array_equal(gatys.stylize("cat", "starry_night", style_scale=1.0, **RUN).image, today)
    mixed = gatys.stylize("cat", ["starry_night", "great_wave"], style_mix=(1, 0), **RUN).image
    assert np.array_equal(mixed, today)
    half = gatys.stylize("cat", ["starry_night", "great_wave"], style_mix=(1, 1), **RUN).image
    bigger = gatys.stylize("cat", "starry_night", style_scale=2.0, **RUN).image
    assert not np.array_equal(half, today) and not np.array_equal(bigger, today)


def test_gatys_mix_targets_are_the_mean_of_the_grams(gatys, photo):
    paintings = [load_image(name, max_dim=SIZE) for name in ("starry_night", "great_wave")]
    mixed = gatys.targets(photo, paintings, (1, 3))["style"]
    alone = [gatys.targets(photo, painting)["style"] for painting in paintings]
    for name, gram in mixed.items():
        np.testing.assert_allclose(gram, 0.25 * alone[0][name] + 0.75 * alone[1][name], rtol=1e-5)


def test_gatys_luminance_only_keeps_the_photos_chrominance(gatys, photo):
    seen = []
    result = gatys.stylize(
        "cat",
        "starry_night",
        preserve_color="luminance",
        callback=lambda step, losses, image: seen.append(image),
        num_snapshots=2,
        **RUN,
    )
    for image in [result.image, seen[-1], *(im for _, im in result.snapshots)]:
        assert np.abs(chrominance(image) - chrominance(photo)).mean() < 0.01
    plain = gatys.stylize("cat", "starry_night", **RUN).image
    assert np.abs(chrominance(plain) - chrominance(photo)).mean() > 0.01
    histogram = gatys.stylize("cat", "starry_night", preserve_color="histogram", **RUN).image
    assert histogram.shape == plain.shape and not np.array_equal(histogram, plain)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"preserve_color": "lab"}, "preserve_color"),
        ({"style_scale": 8}, "style_scale"),
        ({"style_mix": (1, 2, 3)}, "3 weight"),
        ({"style_mix": (-1, 2)}, "negative"),
    ],
)
def test_gatys_bad_controls_raise_before_any_work(gatys, options, message):
    steps = []
    with pytest.raises(NSTError, match=message):
        gatys.stylize(
            "cat", ["starry_night", "great_wave"], callback=lambda *a: steps.append(1), **options
        )
    assert steps == []


# --- AdaIN and the mean/std style loss -----------------------------------------------------------


def test_adain_gives_the_style_statistics_per_channel():
    content = tf.random.stateless_normal([1, 5, 6, 4], seed=(1, 2))
    style = 3 * tf.random.stateless_normal([1, 7, 3, 4], seed=(3, 4)) + 2
    mean, std = mean_std(adain(content, style))
    style_mean, style_std = mean_std(style)
    np.testing.assert_allclose(mean, style_mean, atol=1e-5)
    np.testing.assert_allclose(std, style_std, rtol=1e-4)
    assert mean.shape == (1, 1, 1, 4)


def test_mean_std_stylizer_lowers_its_style_loss():
    stylizer = MeanStdStylizer("vgg16-hed")
    statistics = stylizer.extractor(load_image("starry_night", max_dim=SIZE))["style"]
    assert all(value.shape == (1, 2, value.shape[-1]) for value in statistics.values())
    result = stylizer.stylize("cat", "starry_night", style_weight=1e3, **RUN)
    assert result.history["style"][-1] < result.history["style"][0]


# --- the fast path -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def onnx():
    return magenta.OnnxStylizer()


def test_fast_luminance_only_keeps_the_photos_chrominance(onnx, photo):
    out = onnx(photo, "starry_night", preserve_color="luminance")
    assert np.abs(chrominance(out) - chrominance(photo)).mean() < 0.01
    plain = onnx(photo, "starry_night")
    assert np.abs(chrominance(plain) - chrominance(photo)).mean() > 0.01
    assert not np.array_equal(onnx(photo, "starry_night", preserve_color="histogram"), plain)


def test_fast_mix_weighs_style_vectors(onnx, photo):
    alone = onnx(photo, "starry_night")
    assert np.array_equal(onnx(photo, ["starry_night", "great_wave"], style_mix=[1, 0]), alone)
    same_twice = onnx(photo, ["starry_night", "starry_night"], style_mix=[0.3, 0.7])
    assert float(tf.reduce_mean(tf.abs(same_twice - alone))) < 1e-3
    half = onnx(photo, ["starry_night", "great_wave"])
    assert float(tf.reduce_mean(tf.abs(half - alone))) > 0.01


class _ContentModule:
    """Stands in for the TF Hub module (returns the content) and counts its calls."""

    calls = 0

    def __call__(self, content, style):
        self.calls += 1
        return [content]


def test_hub_mix_of_several_paintings_comes_from_the_onnx_networks(onnx, photo):
    module = _ContentModule()
    hub = magenta.HubStylizer(module, "a test module")
    hub._onnx = onnx  # what strength_stylizer would make
    mixed = hub(photo, ["starry_night", "great_wave"], style_mix=[0.5, 0.5])
    np.testing.assert_allclose(mixed, onnx(photo, ["starry_night", "great_wave"]), atol=1e-6)
    assert module.calls == 0
    np.testing.assert_allclose(hub(photo, ["starry_night", "great_wave"], style_mix=[1, 0]), photo)
    grey = hub(photo, "starry_night", preserve_color="luminance")  # the module returns its input
    np.testing.assert_allclose(grey, photo, atol=2e-3)
    assert module.calls == 2


# --- the command line ----------------------------------------------------------------------------


def test_help_lists_the_controls(capsys):
    assert run_main(["--help"]) == 0
    text = capsys.readouterr().out
    for flag in ("--preserve-color {luminance,histogram}", "--style-mix", "--style-scale", "-s"):
        assert flag in text


def run_main(argv):
    """``cli.main``'s exit status, also when argparse itself exits."""
    try:
        return cli.main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--style-mix", "1,1"], "--style-mix has 2 weight(s) for 1 painting(s)"),
        (["-s", "great_wave", "--style-mix=-1,2"], "--style-mix weights must not be negative"),
        (["-s", "great_wave", "--style-mix", "0,0"], "--style-mix weights are all 0"),
        (["-s", "great_wave", "--style-mix", "a,b"], "numbers separated by commas"),
        (["--method", "gatys", "--style-scale", "9"], "--style-scale must be in"),
        (["--style-scale", "2"], "--style-scale applies to the gatys method only"),
        (["--preserve-color", "lab"], "invalid choice"),
    ],
)
def test_bad_control_flags_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, args, message):
    status = run_main(["cat", "starry_night", "-o", str(tmp_path / "o.png"), *args])
    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(lines) == 1
    assert lines[0].startswith("error: ") and message in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_cli_mixes_two_paintings_keeping_the_photos_colours(tmp_path, capsys):
    out = tmp_path / "mix.png"
    status = cli.main(
        ["cat", "starry_night", "-s", "great_wave", "--style-mix", "0.7,0.3"]
        + ["--preserve-color", "luminance", "--max-dim", str(SIZE), "-o", str(out)]
    )
    assert status == 0 and "Saved" in capsys.readouterr().out
    saved = load_image(str(out))
    assert np.abs(chrominance(saved) - chrominance(load_image("cat", max_dim=SIZE))).mean() < 0.02


# --- the panels ----------------------------------------------------------------------------------


def test_gatys_panel_runs_with_the_colour_dropdown_and_style_scale_slider(photo):
    from nst_helpers.ui.panels import gatys_panel

    panel = gatys_panel("cat", max_dim=SIZE, steps=2, backbone="vgg16-hed")
    assert panel.values["preserve_color"] is None and panel.values["style_scale"] == 1.0
    panel.preserve_color.value = "luminance"
    panel.style_scale.value = 2.0
    result = panel.run()
    assert result is not None, panel.status.value
    assert np.abs(chrominance(result.image) - chrominance(photo)).mean() < 0.01
    assert "style_scale 2" in panel.status.value and "luminance" in panel.status.value
    assert "nst-style-scale" in panel.style_scale._dom_classes


def test_fast_panel_restylises_when_the_colour_dropdown_changes(photo):
    from nst_helpers.ui.panels import fast_panel

    panel = fast_panel("cat", max_dim=SIZE)
    panel.preserve_color.value = "luminance"  # re-stylises at once
    assert panel.result is not None and "luminance" in panel.status.value
    assert np.abs(chrominance(panel.result) - chrominance(photo)).mean() < 0.01
