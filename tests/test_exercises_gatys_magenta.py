"""The exercise checkers of notebooks 03 and 04 accept right answers and reject typical mistakes."""

import math

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


def tv_no_abs(image):
    return tf.reduce_sum(image[:, 1:] - image[:, :-1]) + tf.reduce_sum(
        image[:, :, 1:] - image[:, :, :-1]
    )


def tv_raises(image):
    raise RuntimeError("not written yet")


@pytest.mark.parametrize("fn", [tv_right, tv_library])
def test_total_variation_accepts_right_answers(fn, capsys):
    assert gatys.check_total_variation(fn) is True
    assert capsys.readouterr().out.strip() == (
        "✓ total_variation matches tf.image.total_variation on 3 random images and is 0 for a "
        "flat one."
    )


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


def style_sum_everything(outputs, targets):
    return tf.add_n([tf.reduce_sum(tf.square(outputs[k] - targets[k])) for k in targets])


def style_pooled_mean(outputs, targets):
    flat = [tf.reshape(tf.square(outputs[k] - targets[k]), [-1]) for k in targets]
    return tf.reduce_mean(tf.concat(flat, axis=0))


def style_signed(outputs, targets):
    return tf.add_n([tf.reduce_mean(outputs[k] - targets[k]) for k in targets]) / len(targets)


def style_square_of_mean(outputs, targets):
    errors = [tf.square(tf.reduce_mean(outputs[k] - targets[k])) for k in targets]
    return tf.add_n(errors) / len(errors)


def style_root(outputs, targets):
    errors = [tf.sqrt(tf.reduce_mean(tf.square(outputs[k] - targets[k]))) for k in targets]
    return tf.add_n(errors) / len(errors)


def style_last_layer(outputs, targets):
    for name in targets:
        loss = tf.reduce_mean(tf.square(outputs[name] - targets[name]))
    return loss


def test_style_loss_accepts_right_answers(capsys):
    from nst_helpers.losses import style_loss

    assert gatys.check_style_loss(style_right) is True
    assert gatys.check_style_loss(style_loss) is True
    assert capsys.readouterr().out.splitlines() == [STYLE_SUCCESS] * 2


STYLE_SUCCESS = (
    "✓ style_loss is the mean over layers of each layer's mean squared Gram error, on 3 sets of "
    "layers with Grams of different sizes."
)


def content_loss(outputs, targets):
    """Notebook 03's content loss, word for word: the same formula as a right style loss."""
    errors = [tf.reduce_mean(tf.square(outputs[name] - targets[name])) for name in targets]
    return tf.add_n(errors) / len(errors)


def test_the_notebooks_content_loss_is_a_right_style_loss(capsys):
    assert gatys.check_style_loss(content_loss) is True
    assert capsys.readouterr().out.strip() == STYLE_SUCCESS


def deprocess_right(inputs, mean_bgr):
    bgr = inputs + tf.constant(mean_bgr, tf.float32)
    return tf.clip_by_value(tf.reverse(bgr, axis=[-1]) / 255.0, 0.0, 1.0)


def deprocess_bgr(inputs, mean_bgr):
    return tf.clip_by_value((inputs + tf.constant(mean_bgr, tf.float32)) / 255.0, 0.0, 1.0)


def deprocess_no_clip(inputs, mean_bgr):
    return tf.reverse(inputs + tf.constant(mean_bgr, tf.float32), axis=[-1]) / 255.0


def deprocess_fixed_mean(inputs, mean_bgr):
    return deprocess_right(inputs, gatys.VGG_MEAN_BGR)


def deprocess_mean_after_flip(inputs, mean_bgr):
    rgb = tf.reverse(inputs, axis=[-1]) + tf.constant(mean_bgr, tf.float32)
    return tf.clip_by_value(rgb / 255.0, 0.0, 1.0)


def deprocess_subtracts(inputs, mean_bgr):
    bgr = inputs - tf.constant(mean_bgr, tf.float32)
    return tf.clip_by_value(tf.reverse(bgr, axis=[-1]) / 255.0, 0.0, 1.0)


def deprocess_no_255(inputs, mean_bgr):
    bgr = inputs + tf.constant(mean_bgr, tf.float32)
    return tf.clip_by_value(tf.reverse(bgr, axis=[-1]), 0.0, 1.0)


def test_deprocess_accepts_right_answer(capsys):
    assert gatys.check_deprocess(deprocess_right) is True
    assert capsys.readouterr().out.strip() == (
        "✓ deprocess undoes preprocess for two sets of means and clips to [0, 1]."
    )


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


def crop_no_batch(image):
    return crop_right(image)[0]


def test_center_crop_accepts_right_answers(capsys):
    assert magenta.check_center_crop_square(crop_right) is True
    assert magenta.check_center_crop_square(crop_library) is True
    success = "✓ center_crop_square cuts the centred square, pixels unchanged, from 3 images."
    assert capsys.readouterr().out.splitlines() == [success] * 2


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
    assert capsys.readouterr().out.strip() == (
        "✓ blend_style_vectors gives own at 0, style at 1 and the straight line between."
    )


def scaled_size(image, max_dim, side=max, to_int=round):
    """(height, width) scaled by max_dim / side(height, width), each made an int by to_int."""
    height, width = image.shape[1], image.shape[2]
    scale = max_dim / side(height, width)
    return to_int(height * scale), to_int(width * scale)


def resize_right(image, max_dim):
    return tf.image.resize(image, scaled_size(image, max_dim))


def resize_shorter_side(image, max_dim):
    return tf.image.resize(image, scaled_size(image, max_dim, side=min))


def resize_swapped(image, max_dim):
    height, width = scaled_size(image, max_dim)
    return tf.image.resize(image, (width, height))


def resize_square(image, max_dim):
    return tf.image.resize(image, (max_dim, max_dim))


def resize_uint8(image, max_dim):
    return resize_right(image, max_dim) * 255.0


def resize_notebook(image, max_dim):  # the notebook's answer: bilinear, antialiased
    return tf.image.resize(image, scaled_size(image, max_dim), antialias=True)


def resize_preserve_aspect(image, max_dim):
    return tf.image.resize(image, (max_dim, max_dim), preserve_aspect_ratio=True)


def resize_truncates(image, max_dim):
    return tf.image.resize(image, scaled_size(image, max_dim, to_int=int))


def resize_rounds_up(image, max_dim):
    return tf.image.resize(image, scaled_size(image, max_dim, to_int=math.ceil))


def resize_flipped(image, max_dim):
    return tf.reverse(resize_right(image, max_dim), [1])


def resize_mirrored(image, max_dim):
    return tf.reverse(resize_right(image, max_dim), [2])


def resize_rotated(image, max_dim):
    return tf.reverse(resize_right(image, max_dim), [1, 2])


def resize_transposed(image, max_dim):
    size = resize_right(image, max_dim).shape[1:3]
    return tf.image.resize(tf.transpose(image, [0, 2, 1, 3]), size)


def resize_flat(image, max_dim):
    mean = tf.reduce_mean(image, axis=[1, 2], keepdims=True)
    return tf.ones_like(resize_right(image, max_dim)) * mean


def test_resize_accepts_right_answers(capsys):
    from nst_helpers.images import scale_to_max_dim

    assert magenta.check_resize_to_max_dim(resize_right) is True
    assert magenta.check_resize_to_max_dim(scale_to_max_dim) is True
    assert magenta.check_resize_to_max_dim(resize_notebook) is True
    assert magenta.check_resize_to_max_dim(resize_preserve_aspect) is True
    success = (
        "✓ resize_to_max_dim gives the right size and picture on 3 images (wide, tall, enlarged)."
    )
    assert capsys.readouterr().out.splitlines() == [success] * 4


# --- every checker: each typical mistake gets its hint ------------------------------------------

MISTAKES = [
    (gatys.check_total_variation, tv_squared, "squared differences"),
    (gatys.check_total_variation, tv_one_direction, "one direction"),
    (gatys.check_total_variation, tv_mean, "do not average"),
    (gatys.check_total_variation, tv_brightness, "brightness"),
    (gatys.check_total_variation, tv_no_abs, "without abs"),
    (gatys.check_total_variation, tv_per_pixel, "single number"),
    (gatys.check_total_variation, tv_raises, "RuntimeError"),
    (gatys.check_style_loss, style_no_layer_average, "divide by the number of layers"),
    (gatys.check_style_loss, style_reduce_sum, "use tf.reduce_mean in each layer"),
    (gatys.check_style_loss, style_sum_everything, "it sums everything"),
    (gatys.check_style_loss, style_pooled_mean, "averaged all entries of all layers together"),
    (gatys.check_style_loss, style_absolute, "forgot the square: it matches the mean absolute"),
    (gatys.check_style_loss, style_signed, "forgot the square: differences of opposite signs"),
    (gatys.check_style_loss, style_square_of_mean, "square each difference before averaging"),
    (gatys.check_style_loss, style_root, "square root"),
    (gatys.check_style_loss, style_last_layer, "only the last layer"),
    (gatys.check_style_loss, style_zip_order, "by its name"),
    (gatys.check_deprocess, deprocess_bgr, "BGR"),
    (gatys.check_deprocess, deprocess_no_clip, "clip to [0, 1]"),
    (gatys.check_deprocess, deprocess_fixed_mean, "mean_bgr argument"),
    (gatys.check_deprocess, deprocess_mean_after_flip, "add it before turning BGR into RGB"),
    (gatys.check_deprocess, deprocess_subtracts, "add the means back"),
    (gatys.check_deprocess, deprocess_no_255, "divide by 255"),
    (magenta.check_center_crop_square, crop_corner, "start at (H - S) // 2"),
    (magenta.check_center_crop_square, crop_squash, "instead of resizing"),
    (magenta.check_center_crop_square, crop_longer_side, "shorter side"),
    (magenta.check_center_crop_square, crop_no_batch, "batch axis"),
    (magenta.check_blend_style_vectors, blend_swapped, "weights are swapped"),
    (magenta.check_blend_style_vectors, blend_additive, "without taking away"),
    (magenta.check_blend_style_vectors, blend_squared, "straight line"),
    (magenta.check_resize_to_max_dim, resize_shorter_side, "longer side"),
    (magenta.check_resize_to_max_dim, resize_swapped, "height and width are swapped"),
    (magenta.check_resize_to_max_dim, resize_square, "squashed"),
    (magenta.check_resize_to_max_dim, resize_uint8, "do not multiply by 255"),
    (magenta.check_resize_to_max_dim, resize_truncates, "int() cuts"),
    (magenta.check_resize_to_max_dim, resize_rounds_up, "not up"),
    (magenta.check_resize_to_max_dim, resize_flipped, "flipped upside down"),
    (magenta.check_resize_to_max_dim, resize_mirrored, "flipped left to right"),
    (magenta.check_resize_to_max_dim, resize_rotated, "flipped by 180°"),
    (magenta.check_resize_to_max_dim, resize_transposed, "transposed"),
    (magenta.check_resize_to_max_dim, resize_flat, "one flat colour"),
]


@pytest.mark.parametrize(
    ("check", "fn", "words"), MISTAKES, ids=lambda value: getattr(value, "__name__", None)
)
def test_checkers_reject_typical_mistakes(check, fn, words, capsys):
    assert check(fn) is False
    exercise = check.__name__.removeprefix("check_")
    assert_first_failure(capsys.readouterr().out, f"{exercise}(", words)


@pytest.mark.parametrize("seed", range(1, 6))
def test_checkers_accept_right_answers_with_any_seed(seed):
    """The inputs are seeded (the default repeats them); right answers pass with every seed."""
    assert gatys.check_total_variation(tv_right, seed=seed)
    assert gatys.check_style_loss(style_right, seed=seed)
    assert gatys.check_deprocess(deprocess_right, seed=seed)
    assert magenta.check_center_crop_square(crop_right, seed=seed)
    assert magenta.check_blend_style_vectors(blend_right, seed=seed)
    assert magenta.check_resize_to_max_dim(resize_right, seed=seed)
    assert not gatys.check_style_loss(style_pooled_mean, seed=seed)
    assert not magenta.check_resize_to_max_dim(resize_truncates, seed=seed)


def test_a_failure_repeats_word_for_word(capsys):
    gatys.check_style_loss(style_pooled_mean)
    first = capsys.readouterr().out
    gatys.check_style_loss(style_pooled_mean)
    assert capsys.readouterr().out == first


def assert_first_failure(out, call, words):
    """One failure, reported as: ✗ the input / expected / got / likely mistake."""
    lines = out.rstrip("\n").split("\n")
    assert len(lines) == 4, out
    assert lines[0].startswith(f"✗ {call}")
    assert lines[1].startswith("  expected: ") and lines[2].startswith("  got:      ")
    assert lines[3].startswith("  likely mistake: ")
    assert words in out
