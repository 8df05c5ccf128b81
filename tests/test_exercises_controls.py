"""The exercise checkers of notebook 06 accept right answers and reject typical mistakes."""

import numpy as np
import pytest
import tensorflow as tf
from student_stubs import assert_first_failure, stub

from nst_helpers import adain as package_adain
from nst_helpers import controls as package_controls
from nst_helpers.exercises import controls

# --- AdaIN ---------------------------------------------------------------------------------------


def adain_answer(
    epsilon_inside=True,
    axes=(1, 2),
    swap=False,
    root=True,
    ddof=0,
    forget=False,
    fixed_epsilon=None,
    epsilon_on=("content", "style"),
    means_only=False,
):
    """An AdaIN in NumPy, right by default, with one typical mistake switched on."""

    def match_mean_std(content, style, epsilon):
        epsilon = 0.0 if forget else epsilon if fixed_epsilon is None else fixed_epsilon
        if swap:
            content, style = style, content

        def stats(x, side):
            x = np.asarray(x, np.float64)
            var = x.var(axis=axes, keepdims=True, ddof=ddof)
            eps = epsilon if side in epsilon_on else 0.0
            spread = np.sqrt(var + eps) if epsilon_inside else np.sqrt(var) + eps
            return x.mean(axis=axes, keepdims=True), spread if root else var + eps

        (mean_c, std_c), (mean_s, std_s) = stats(content, "content"), stats(style, "style")
        scale = 1.0 if means_only else std_s / std_c
        return scale * (np.asarray(content, np.float64) - mean_c) + mean_s

    return match_mean_std


def adain_notebook(content, style, epsilon=1e-5):  # the notebook's solution, word for word
    content_mean, content_var = tf.nn.moments(content, axes=[1, 2], keepdims=True)
    style_mean, style_var = tf.nn.moments(style, axes=[1, 2], keepdims=True)
    normalised = (content - content_mean) / tf.sqrt(content_var + epsilon)
    return normalised * tf.sqrt(style_var + epsilon) + style_mean


def adain_reduce_std(content, style, epsilon):  # another right form: σ² + ε from reduce_std
    def spread(x):
        return tf.sqrt(tf.square(tf.math.reduce_std(x, axis=[1, 2], keepdims=True)) + epsilon)

    mean_c = tf.reduce_mean(content, axis=[1, 2], keepdims=True)
    mean_s = tf.reduce_mean(style, axis=[1, 2], keepdims=True)
    return spread(style) * (content - mean_c) / spread(content) + mean_s


def adain_batch_loop(content, style, epsilon):  # one picture at a time
    pictures = [adain_notebook(c[None], s[None], epsilon)[0] for c, s in zip(content, style)]
    return tf.stack(pictures)


def adain_package(content, style, epsilon):
    return package_adain.adain(content, style, epsilon)


def adain_through_mean_std(content, style, epsilon):
    (mean_c, std_c), (mean_s, std_s) = (
        package_adain.mean_std(x, epsilon) for x in (content, style)
    )
    return std_s * (content - mean_c) / std_c + mean_s


ADAIN_RIGHT = [adain_answer(), adain_notebook, adain_reduce_std, adain_batch_loop]

ADAIN_MISTAKES = [
    (adain_answer(root=False), "variance, not the standard deviation"),
    (adain_answer(axes=(3,)), "over the channels"),
    (adain_answer(axes=(1, 2, 3)), "over the whole map"),
    (adain_answer(axes=(0, 1, 2)), "over the batch axis too"),
    (adain_answer(epsilon_inside=False), "epsilon is outside"),
    (adain_answer(forget=True), "epsilon is missing"),
    (adain_answer(fixed_epsilon=1e-5), "epsilon passed in is ignored"),
    (adain_answer(epsilon_on=("content",)), "content's variance only"),
    (adain_answer(epsilon_on=("style",)), "style's variance only"),
    (adain_answer(ddof=1), "sample standard deviation"),
    (adain_answer(swap=True), "swapped"),
    (adain_answer(means_only=True), "only the means are matched"),
    (adain_package, "the package's adain (and its mean_std) is the built-in"),
    (adain_through_mean_std, "the package's adain (and its mean_std) is the built-in"),
    (package_adain.adain, "the package's adain (and its mean_std) is the built-in"),
]


# --- luminance with the photo's statistics -------------------------------------------------------

YIQ = (0.299, 0.587, 0.114)


def grey_tf(image, weights=YIQ):
    return tf.tensordot(tf.convert_to_tensor(image, tf.float32), tf.constant(weights), 1)[..., None]


def rescale_tf(values, to, mean=True, spread=tf.math.reduce_std):
    scaled = (values - tf.reduce_mean(values)) * spread(to) / spread(values)
    return scaled + (tf.reduce_mean(to) if mean else tf.reduce_mean(values))


def luminance_right(painting, photo):
    return rescale_tf(grey_tf(painting), grey_tf(photo))


def luminance_numpy(painting, photo):  # NumPy, whatever it is given
    y_painting = np.asarray(painting) @ np.array(YIQ)
    y_photo = np.asarray(photo) @ np.array(YIQ)
    matched = (y_painting - y_painting.mean()) / y_painting.std() * y_photo.std() + y_photo.mean()
    return matched[..., None]


def luminance_channels(painting, photo):  # the channels sliced, and the sample deviation
    def grey(image):
        image = tf.convert_to_tensor(image)
        return 0.299 * image[..., :1] + 0.587 * image[..., 1:2] + 0.114 * image[..., 2:]

    y_painting, y_photo = grey(painting), grey(photo)
    standardised = (y_painting - np.mean(y_painting)) / np.std(y_painting, ddof=1)
    return standardised * np.std(y_photo, ddof=1) + np.mean(y_photo)


def luminance_tf_grayscale(painting, photo):  # TensorFlow's weights are YIQ's, to 4 digits
    return rescale_tf(tf.image.rgb_to_grayscale(painting), tf.image.rgb_to_grayscale(photo))


def luminance_tf_yiq(painting, photo):
    def y(image):
        return tf.image.rgb_to_yiq(tf.convert_to_tensor(image))[..., :1]

    return rescale_tf(y(painting), y(photo))


def luminance_package_luminance(painting, photo):  # the package's Y is allowed, not its matching
    return rescale_tf(package_controls.luminance(painting), package_controls.luminance(photo))


LUMINANCE_RIGHT = [
    luminance_right,
    luminance_numpy,
    luminance_channels,
    luminance_tf_grayscale,
    luminance_tf_yiq,
    luminance_package_luminance,
]


def luminance_each_channel(painting, photo):
    return tf.concat(
        [rescale_tf(painting[..., k : k + 1], photo[..., k : k + 1]) for k in range(3)], axis=-1
    )


def luminance_mean_rgb(painting, photo):
    return rescale_tf(grey_tf(painting, (1 / 3,) * 3), grey_tf(photo, (1 / 3,) * 3))


def luminance_bt709(painting, photo):
    weights = (0.2126, 0.7152, 0.0722)
    return rescale_tf(grey_tf(painting, weights), grey_tf(photo, weights))


def luminance_swapped(painting, photo):
    return luminance_right(photo, painting)


def luminance_variance(painting, photo):
    return rescale_tf(grey_tf(painting), grey_tf(photo), spread=tf.math.reduce_variance)


def luminance_mean_only(painting, photo):
    y_painting = grey_tf(painting)
    return y_painting - tf.reduce_mean(y_painting) + tf.reduce_mean(grey_tf(photo))


def luminance_spread_only(painting, photo):
    return rescale_tf(grey_tf(painting), grey_tf(photo), mean=False)


def luminance_inverted(painting, photo):
    y_painting, y_photo = grey_tf(painting), grey_tf(photo)
    ratio = tf.math.reduce_std(y_painting) / tf.math.reduce_std(y_photo)
    return (y_painting - tf.reduce_mean(y_painting)) * ratio + tf.reduce_mean(y_photo)


def luminance_not_centred(painting, photo):
    y_painting, y_photo = grey_tf(painting), grey_tf(photo)
    ratio = tf.math.reduce_std(y_photo) / tf.math.reduce_std(y_painting)
    return y_painting * ratio + tf.reduce_mean(y_photo)


def luminance_three_channels(painting, photo):
    return tf.tile(luminance_right(painting, photo), [1, 1, 1, 3])


def luminance_clipped(painting, photo):
    return tf.clip_by_value(luminance_right(painting, photo), 0.0, 1.0)


def luminance_no_channel_axis(painting, photo):
    return luminance_right(painting, photo)[..., 0]


def luminance_tensors_only(painting, photo):  # an array has no .numpy()
    return luminance_numpy(painting.numpy(), photo.numpy())


def luminance_arrays_only(painting, photo):  # a tensor has no .astype()
    return luminance_numpy(painting.astype(np.float64), photo.astype(np.float64))


def luminance_package(painting, photo):
    return package_controls.match_luminance(painting, photo)[..., :1]


PACKAGE = "the package's controls.match_luminance is the built-in this exercise rebuilds"

LUMINANCE_MISTAKES = [
    (luminance_each_channel, "each RGB channel was matched on its own"),
    (luminance_mean_rgb, "(R + G + B) / 3 is not the luminance"),
    (luminance_bt709, "BT.709's weights"),
    (luminance_swapped, "the roles are swapped"),
    (luminance_variance, "ratio of the variances"),
    (luminance_mean_only, "only the mean is matched"),
    (luminance_spread_only, "only the spread is matched"),
    (luminance_inverted, "the ratio is upside down"),
    (luminance_not_centred, "subtract the painting's mean before scaling"),
    (luminance_three_channels, "not copied to three channels"),
    (luminance_clipped, "no clipping"),
    (luminance_no_channel_axis, "[1, h, w, 1]"),
    (luminance_package, PACKAGE),
    (package_controls.match_luminance, PACKAGE),
]


SUCCESS = {
    controls.check_match_mean_std: (
        "✓ match_mean_std gives each channel the style's mean and std on 4 pairs of feature maps, "
        "a batch of two styles and a large epsilon among them.\n"
    ),
    controls.check_match_luminance: (
        "✓ match_luminance gives the painting's luminance the photo's mean and standard "
        "deviation, unclipped, on 4 pairs of pictures (tensors and arrays, most of different "
        "sizes).\n"
    ),
}
RIGHT = [(controls.check_match_mean_std, answer) for answer in ADAIN_RIGHT] + [
    (controls.check_match_luminance, answer) for answer in LUMINANCE_RIGHT
]
MISTAKES = [(controls.check_match_mean_std, *case) for case in ADAIN_MISTAKES] + [
    (controls.check_match_luminance, *case) for case in LUMINANCE_MISTAKES
]


def named(value):
    return getattr(value, "__name__", None)


@pytest.mark.parametrize(("check", "answer"), RIGHT, ids=named)
def test_checkers_accept_right_answers(check, answer, capsys):
    assert check(answer) is True
    assert capsys.readouterr().out == SUCCESS[check]


@pytest.mark.parametrize(("check", "answer", "mistake"), MISTAKES, ids=named)
def test_checkers_reject_typical_mistakes(check, answer, mistake, capsys):
    assert check(answer) is False
    assert_first_failure(
        capsys.readouterr().out, mistake, check.__name__.replace("check_", "") + "("
    )


@pytest.mark.parametrize(
    ("answer", "kind"), [(luminance_tensors_only, "an array"), (luminance_arrays_only, "a tensor")]
)
def test_luminance_checker_gives_tensors_and_arrays(answer, kind, capsys):
    assert controls.check_match_luminance(answer) is False
    out = capsys.readouterr().out
    assert kind in out.splitlines()[0] and "the error AttributeError" in out


@pytest.mark.parametrize("seed", range(1, 5))
def test_every_seed_needs_values_outside_0_1_and_keeps_its_verdicts(seed, capsys):
    assert controls.check_match_luminance(luminance_right, seed=seed)
    assert not controls.check_match_luminance(luminance_clipped, seed=seed)
    assert "no clipping" in capsys.readouterr().out
    assert controls.check_match_mean_std(adain_notebook, seed=seed)


# --- both --------------------------------------------------------------------------------------


@pytest.mark.parametrize("check", [controls.check_match_mean_std, controls.check_match_luminance])
def test_a_stub_is_not_implemented_yet_in_one_line(check, capsys):
    assert (
        check(stub("match_luminance", "Exercise 4: Luminance with the photo's statistics")) is False
    )
    assert capsys.readouterr().out == (
        "✗ match_luminance is not implemented yet: Exercise 4 (Luminance with the photo's "
        "statistics). Write it in place of its raise NotImplementedError line and run the cell "
        "again.\n"
    )
