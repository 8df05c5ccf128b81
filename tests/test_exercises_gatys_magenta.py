"""The exercise checkers of notebooks 03 and 04 accept right answers and reject typical mistakes."""

import pytest
import tensorflow as tf

from nst_helpers.exercises import gatys, magenta

# --- notebook 03 ---------------------------------------------------------------------------------


def tv_right(image):
    down = tf.abs(image[:, 1:, :, :] - image[:, :-1, :, :])
    across = tf.abs(image[:, :, 1:, :] - image[:, :, :-1, :])
    return tf.reduce_sum(down) + tf.reduce_sum(across)


def tv_library(image):
    return tf.image.total_variation(image)  # shape [1]: a one-element tensor is accepted


def tv_squared(image):
    down = tf.square(image[:, 1:] - image[:, :-1])
    across = tf.square(image[:, :, 1:] - image[:, :, :-1])
    return tf.reduce_sum(down) + tf.reduce_sum(across)


def tv_one_direction(image):
    return tf.reduce_sum(tf.abs(image[:, 1:] - image[:, :-1]))


def tv_mean(image):
    return tf.reduce_mean(tf.abs(image[:, 1:] - image[:, :-1])) + tf.reduce_mean(
        tf.abs(image[:, :, 1:] - image[:, :, :-1])
    )


def tv_brightness(image):
    return tv_right(image) + tf.reduce_sum(image)


def tv_per_pixel(image):
    return tf.abs(image[:, 1:, 1:] - image[:, :-1, 1:]) + tf.abs(
        image[:, 1:, 1:] - image[:, 1:, :-1]
    )


def tv_raises(image):
    raise RuntimeError("not written yet")


@pytest.mark.parametrize("fn", [tv_right, tv_library])
def test_total_variation_accepts_right_answers(fn, capsys):
    assert gatys.check_total_variation(fn) is True
    assert capsys.readouterr().out.strip() == "total_variation: all checks passed."


@pytest.mark.parametrize(
    "fn, words",
    [
        (tv_squared, "squared differences"),
        (tv_one_direction, "one direction"),
        (tv_mean, "do not average"),
        (tv_brightness, "brightness"),
        (tv_per_pixel, "single number"),
        (tv_raises, "RuntimeError"),
    ],
)
def test_total_variation_rejects_typical_mistakes(fn, words, capsys):
    assert gatys.check_total_variation(fn) is False
    out = capsys.readouterr().out
    assert "problem(s) found" in out
    assert words in out


def style_right(outputs, targets):
    errors = [tf.reduce_mean(tf.square(outputs[k] - targets[k])) for k in targets]
    return tf.add_n(errors) / len(errors)


def style_no_layer_average(outputs, targets):
    return tf.add_n([tf.reduce_mean(tf.square(outputs[k] - targets[k])) for k in targets])


def style_reduce_sum(outputs, targets):
    errors = [tf.reduce_sum(tf.square(outputs[k] - targets[k])) for k in targets]
    return tf.add_n(errors) / len(errors)


def style_absolute(outputs, targets):
    errors = [tf.reduce_mean(tf.abs(outputs[k] - targets[k])) for k in targets]
    return tf.add_n(errors) / len(errors)


def style_zip_order(outputs, targets):
    errors = [
        tf.reduce_mean(tf.square(o - t)) if o.shape == t.shape else tf.constant(1.0)
        for o, t in zip(outputs.values(), targets.values())
    ]
    return tf.add_n(errors) / len(errors)


def test_style_loss_accepts_right_answers(capsys):
    from nst_helpers.losses import style_loss

    assert gatys.check_style_loss(style_right) is True
    assert gatys.check_style_loss(style_loss) is True
    assert "all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "fn, words",
    [
        (style_no_layer_average, "number of layers"),
        (style_reduce_sum, "tf.reduce_mean"),
        (style_absolute, "multiply the loss by 4"),
        (style_zip_order, "another order"),
    ],
)
def test_style_loss_rejects_typical_mistakes(fn, words, capsys):
    assert gatys.check_style_loss(fn) is False
    assert words in capsys.readouterr().out


def deprocess_right(inputs, mean_bgr):
    bgr = inputs + tf.constant(mean_bgr, tf.float32)
    return tf.clip_by_value(tf.reverse(bgr, axis=[-1]) / 255.0, 0.0, 1.0)


def deprocess_bgr(inputs, mean_bgr):
    return tf.clip_by_value((inputs + tf.constant(mean_bgr, tf.float32)) / 255.0, 0.0, 1.0)


def deprocess_no_clip(inputs, mean_bgr):
    return tf.reverse(inputs + tf.constant(mean_bgr, tf.float32), axis=[-1]) / 255.0


def deprocess_fixed_mean(inputs, mean_bgr):
    return deprocess_right(inputs, gatys.VGG_MEAN_BGR)


def test_deprocess_accepts_right_answer(capsys):
    assert gatys.check_deprocess(deprocess_right) is True
    assert capsys.readouterr().out.strip() == "deprocess: all checks passed."


@pytest.mark.parametrize(
    "fn, words",
    [
        (deprocess_bgr, "BGR"),
        (deprocess_no_clip, "clip to [0, 1]"),
        (deprocess_fixed_mean, "mean_bgr argument"),
    ],
)
def test_deprocess_rejects_typical_mistakes(fn, words, capsys):
    assert gatys.check_deprocess(fn) is False
    assert words in capsys.readouterr().out


# --- notebook 04 ---------------------------------------------------------------------------------


def crop_right(image):
    height, width = image.shape[1], image.shape[2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return image[:, top : top + side, left : left + side, :]


def crop_corner(image):
    side = min(image.shape[1], image.shape[2])
    return image[:, :side, :side, :]


def crop_squash(image):
    side = min(image.shape[1], image.shape[2])
    return tf.image.resize(image, (side, side))


def crop_longer_side(image):
    side = max(image.shape[1], image.shape[2])
    return tf.image.resize_with_crop_or_pad(image, side, side)


def crop_library(image):
    side = min(image.shape[1], image.shape[2])
    return tf.image.resize_with_crop_or_pad(image, side, side)


def test_center_crop_accepts_right_answers(capsys):
    assert magenta.check_center_crop_square(crop_right) is True
    assert magenta.check_center_crop_square(crop_library) is True
    assert "all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "fn, words",
    [
        (crop_corner, "starts at row"),
        (crop_squash, "instead of resizing"),
        (crop_longer_side, "shorter side"),
    ],
)
def test_center_crop_rejects_typical_mistakes(fn, words, capsys):
    assert magenta.check_center_crop_square(fn) is False
    assert words in capsys.readouterr().out


def blend_right(own, style, strength):
    return (1.0 - strength) * own + strength * style


def blend_swapped(own, style, strength):
    return strength * own + (1.0 - strength) * style


def blend_additive(own, style, strength):
    return own + strength * style


def blend_squared(own, style, strength):
    return (1.0 - strength**2) * own + strength**2 * style


def test_blend_accepts_right_answer(capsys):
    assert magenta.check_blend_style_vectors(blend_right) is True
    assert capsys.readouterr().out.strip() == "blend_style_vectors: all checks passed."


@pytest.mark.parametrize(
    "fn, words",
    [
        (blend_swapped, "swapped"),
        (blend_additive, "strength 1 should give"),
        (blend_squared, "straight line"),
    ],
)
def test_blend_rejects_typical_mistakes(fn, words, capsys):
    assert magenta.check_blend_style_vectors(fn) is False
    assert words in capsys.readouterr().out


def resize_right(image, max_dim):
    height, width = image.shape[1], image.shape[2]
    scale = max_dim / max(height, width)
    return tf.image.resize(image, (round(height * scale), round(width * scale)))


def resize_shorter_side(image, max_dim):
    height, width = image.shape[1], image.shape[2]
    scale = max_dim / min(height, width)
    return tf.image.resize(image, (round(height * scale), round(width * scale)))


def resize_swapped(image, max_dim):
    height, width = image.shape[1], image.shape[2]
    scale = max_dim / max(height, width)
    return tf.image.resize(image, (round(width * scale), round(height * scale)))


def resize_square(image, max_dim):
    return tf.image.resize(image, (max_dim, max_dim))


def resize_uint8(image, max_dim):
    return resize_right(image, max_dim) * 255.0


def test_resize_accepts_right_answers(capsys):
    from nst_helpers.images import scale_to_max_dim

    assert magenta.check_resize_to_max_dim(resize_right) is True
    assert magenta.check_resize_to_max_dim(scale_to_max_dim) is True
    assert "all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "fn, words",
    [
        (resize_shorter_side, "longer side"),
        (resize_swapped, "swapped"),
        (resize_square, "squashed"),
        (resize_uint8, "mean colour"),
    ],
)
def test_resize_rejects_typical_mistakes(fn, words, capsys):
    assert magenta.check_resize_to_max_dim(fn) is False
    assert words in capsys.readouterr().out


@pytest.mark.parametrize("attempt", range(5))
def test_checkers_accept_right_answers_on_any_draw(attempt):
    """The checkers draw new random inputs on every call; right answers pass every draw."""
    assert gatys.check_total_variation(tv_right)
    assert gatys.check_style_loss(style_right)
    assert gatys.check_deprocess(deprocess_right)
    assert magenta.check_center_crop_square(crop_right)
    assert magenta.check_blend_style_vectors(blend_right)
    assert magenta.check_resize_to_max_dim(resize_right)
