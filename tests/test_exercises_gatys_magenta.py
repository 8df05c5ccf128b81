"""The exercise checkers of notebooks 03 and 04 accept right answers and reject typical mistakes."""

import math

import numpy as np
import pytest
import tensorflow as tf
from student_stubs import assert_first_failure, stub

from nst_helpers.exercises import gatys, magenta

# --- notebook 03 ---------------------------------------------------------------------------------


def tv_right(image):
    down = tf.abs(image[:, 1:, :, :] - image[:, :-1, :, :])
    across = tf.abs(image[:, :, 1:, :] - image[:, :, :-1, :])
    return tf.reduce_sum(down) + tf.reduce_sum(across)


def tv_one_element(image):  # shape [1]: a one-element tensor is accepted
    return tf.reshape(tv_right(image), [1])


def tv_library(image):
    return tf.image.total_variation(image)  # the built-in the exercise forbids


def tv_library_summed(image):
    return tf.reduce_sum(tf.image.total_variation(image))


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


def tv_numpy(image):
    pixels = np.asarray(image)
    return np.abs(np.diff(pixels, axis=1)).sum() + np.abs(np.diff(pixels, axis=2)).sum()


def tv_experimental_numpy(image):
    diff = tf.experimental.numpy.diff
    return tf.reduce_sum(tf.abs(diff(image, axis=1))) + tf.reduce_sum(tf.abs(diff(image, axis=2)))


@pytest.mark.parametrize(
    "fn", [tv_right, tv_one_element, tv_numpy, tv_experimental_numpy, tf.function(tv_right)]
)
def test_total_variation_accepts_right_answers(fn, capsys):
    assert gatys.check_total_variation(fn) is True
    assert capsys.readouterr().out.strip() == (
        "✓ total_variation matches tf.image.total_variation on 3 random images and is 0 for a "
        "flat one."
    )


@pytest.mark.parametrize(
    "fn, words",
    [
        (tv_squared, "squared differences"),
        (tv_one_direction, "one direction"),
        (tv_mean, "do not average"),
        (tv_brightness, "brightness"),
        (tv_no_abs, "without abs"),
        (tv_per_pixel, "single number"),
        (tv_raises, "RuntimeError"),
        (tv_library, "write it by hand"),
        (tv_library_summed, "write it by hand"),
    ],
)
def test_total_variation_rejects_typical_mistakes(fn, words, capsys):
    assert gatys.check_total_variation(fn) is False
    assert_first_failure(capsys.readouterr().out, words, "total_variation(")


def test_the_built_in_total_variation_works_again_after_the_checker():
    original = tf.image.total_variation
    gatys.check_total_variation(tv_library)
    assert tf.image.total_variation is original
    assert float(tf.image.total_variation(tf.zeros([4, 4, 3]))) == 0.0


def test_checkers_leave_tf32_as_they_found_it():
    before = tf.config.experimental.tensor_float_32_execution_enabled()
    try:
        tf.config.experimental.enable_tensor_float_32_execution(True)
        seen = []

        def spy(features, targets):
            seen.append(tf.config.experimental.tensor_float_32_execution_enabled())
            return style_right(features, targets)

        assert gatys.check_style_loss(spy) is True
        assert seen and not any(seen)  # TF32 off while the student's function runs
        assert tf.config.experimental.tensor_float_32_execution_enabled()  # and on again
    finally:
        tf.config.experimental.enable_tensor_float_32_execution(before)


def _gram(features, divide_by="hw"):
    _, h, w, c = features.shape
    flat = tf.reshape(features, [1, h * w, c])
    gram = tf.matmul(flat, flat, transpose_a=True)
    return gram / {"hw": h * w, "chw": c * h * w, "c": c, "none": 1}[divide_by]


def _style(features, targets, divide_by="hw"):
    return [tf.reduce_mean(tf.square(_gram(features[k], divide_by) - targets[k])) for k in targets]


def style_right(features, targets):
    from nst_helpers.losses import gram_matrix

    errors = [tf.reduce_mean(tf.square(gram_matrix(features[k]) - targets[k])) for k in targets]
    return tf.add_n(errors) / len(errors)


def style_numpy(features, targets):
    errors = []
    for name, target in targets.items():
        f = np.asarray(features[name])
        _, h, w, c = f.shape
        flat = f.reshape(h * w, c)
        errors.append(np.mean((flat.T @ flat / (h * w) - np.asarray(target)[0]) ** 2))
    return np.mean(errors)


def style_notebook(style_features, style_targets):  # the notebook's solution, word for word
    errors = []
    for name, target in style_targets.items():
        features = style_features[name]
        _, h, w, c = features.shape
        flat = tf.reshape(features, [1, h * w, c])
        gram = tf.matmul(flat, flat, transpose_a=True) / (h * w)
        errors.append(tf.reduce_mean(tf.square(gram - target)))
    return tf.add_n(errors) / len(errors)


def style_no_division(features, targets):
    return tf.add_n(_style(features, targets, "none")) / len(targets)


def style_pytorch_division(features, targets):
    return tf.add_n(_style(features, targets, "chw")) / len(targets)


def style_channel_division(features, targets):
    return tf.add_n(_style(features, targets, "c")) / len(targets)


def style_positions_gram(features, targets):
    errors = []
    for name in targets:
        _, h, w, c = features[name].shape
        flat = tf.reshape(features[name], [1, h * w, c])
        gram = tf.matmul(flat, flat, transpose_b=True) / (h * w)
        errors.append(tf.reduce_mean(tf.square(gram - targets[name])))
    return tf.add_n(errors) / len(errors)


def style_positions_gram_numpy(features, targets):
    errors = []
    for name in targets:
        flat = np.asarray(features[name]).reshape(1, -1, features[name].shape[-1])
        errors.append(np.mean((flat @ flat.transpose(0, 2, 1) - np.asarray(targets[name])) ** 2))
    return np.mean(errors)


def style_flat_no_gram(features, targets):
    errors = []
    for name in targets:
        flat = tf.reshape(features[name], [1, -1, features[name].shape[-1]])
        errors.append(tf.reduce_mean(tf.square(flat - targets[name])))
    return tf.add_n(errors) / len(errors)


def style_no_layer_average(features, targets):
    return tf.add_n(_style(features, targets))


def style_reduce_sum(features, targets):
    errors = [tf.reduce_sum(tf.square(_gram(features[k]) - targets[k])) for k in targets]
    return tf.add_n(errors) / len(errors)


def style_absolute(features, targets):
    errors = [tf.reduce_mean(tf.abs(_gram(features[k]) - targets[k])) for k in targets]
    return tf.add_n(errors) / len(errors)


def style_zip_order(features, targets):
    errors = [
        tf.reduce_mean(tf.square(_gram(f) - t)) for f, t in zip(features.values(), targets.values())
    ]
    return tf.add_n(errors) / len(errors)


def style_zip_order_guarded(features, targets):  # never raises: a wrong number instead
    errors = []
    for f, t in zip(features.values(), targets.values()):
        gram = _gram(f)
        same = gram.shape == t.shape
        errors.append(tf.reduce_mean(tf.square(gram - t)) if same else tf.constant(1.0))
    return tf.add_n(errors) / len(errors)


def style_sum_everything(features, targets):
    return tf.add_n([tf.reduce_sum(tf.square(_gram(features[k]) - targets[k])) for k in targets])


def style_pooled_mean(features, targets):
    flat = [tf.reshape(tf.square(_gram(features[k]) - targets[k]), [-1]) for k in targets]
    return tf.reduce_mean(tf.concat(flat, axis=0))


def style_signed(features, targets):
    errors = [tf.reduce_mean(_gram(features[k]) - targets[k]) for k in targets]
    return tf.add_n(errors) / len(targets)


def style_square_of_mean(features, targets):
    errors = [tf.square(tf.reduce_mean(_gram(features[k]) - targets[k])) for k in targets]
    return tf.add_n(errors) / len(errors)


def style_root(features, targets):
    return tf.add_n([tf.sqrt(e) for e in _style(features, targets)]) / len(targets)


def style_over_style_layers(features, targets):
    """A loop over the notebook's STYLE_LAYERS instead of the targets it was given."""
    from nst_helpers.models import STYLE_LAYERS

    errors = [tf.reduce_mean(tf.square(_gram(features[k]) - targets[k])) for k in STYLE_LAYERS]
    return tf.add_n(errors) / len(errors)


def style_over_a_fixed_list(features, targets):
    """A loop over a list of layer names typed in by hand."""
    names = ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block4_conv2"]
    errors = [tf.reduce_mean(tf.square(_gram(features[k]) - targets[k])) for k in names]
    return tf.add_n(errors) / len(errors)


def style_last_layer(features, targets):
    for name in targets:
        loss = tf.reduce_mean(tf.square(_gram(features[name]) - targets[name]))
    return loss


def style_einsum(style_features, style_targets):
    errors = []
    for name in sorted(style_targets):  # any order of the names, paired by name
        _, h, w, _ = style_features[name].shape
        gram = tf.einsum("bijc,bijd->bcd", style_features[name], style_features[name]) / (h * w)
        errors.append(tf.reduce_mean((gram - style_targets[name]) ** 2))
    return sum(errors) / len(errors)


def style_package(style_features, style_targets):
    from nst_helpers import losses

    grams = {name: losses.gram_matrix(style_features[name]) for name in style_targets}
    return losses.style_loss(grams, style_targets)


def style_over_features(style_features, style_targets):  # the same names: right too
    errors = [
        tf.reduce_mean(tf.square(_gram(style_features[k]) - style_targets[k]))
        for k in style_features
    ]
    return tf.add_n(errors) / len(errors)


def style_zip_sorted(style_features, style_targets):  # zip in sorted order: by name after all
    pairs = zip(sorted(style_features.items()), sorted(style_targets.items()))
    errors = [tf.reduce_mean(tf.square(_gram(f) - t)) for (_, f), (_, t) in pairs]
    return tf.add_n(errors) / len(errors)


@pytest.mark.parametrize(
    "fn",
    [style_right, style_numpy, style_notebook, style_einsum, style_over_features, style_zip_sorted],
)
def test_style_loss_accepts_right_answers(fn, capsys):
    assert gatys.check_style_loss(fn) is True
    assert capsys.readouterr().out.strip() == STYLE_SUCCESS


STYLE_SUCCESS = (
    "✓ style_loss turns each layer's feature map into its Gram matrix ÷ H·W and averages the "
    "layers' mean squared errors, on 3 sets of layers of different sizes."
)


def content_loss(outputs, targets):
    """Notebook 03's content loss, word for word."""
    errors = [tf.reduce_mean(tf.square(outputs[name] - targets[name])) for name in targets]
    return tf.add_n(errors) / len(errors)


def content_loss_where_it_broadcasts(outputs, targets):
    """``content_loss`` where the maps broadcast against the Grams (W = C), else right."""
    try:
        return content_loss(outputs, targets)
    except tf.errors.InvalidArgumentError:
        return style_right(outputs, targets)


COPIED_CONTENT_LOSS = "compares the feature maps [1, H, W, C] with the Gram matrices"


def test_the_notebooks_content_loss_is_not_a_style_loss(capsys):
    assert gatys.check_style_loss(content_loss) is False
    out = capsys.readouterr().out
    assert_first_failure(out, COPIED_CONTENT_LOSS, "style_loss(")
    assert "Incompatible shapes" in out and "{{" not in out and "[Op:" not in out


@pytest.mark.parametrize(
    "fn, words",
    [
        (content_loss_where_it_broadcasts, COPIED_CONTENT_LOSS),
        (style_flat_no_gram, COPIED_CONTENT_LOSS),
        (style_no_division, "not divided by H·W"),
        (style_pytorch_division, "divided by C·H·W (PyTorch's convention)"),
        (style_channel_division, "divided by the number of channels C"),
        (style_positions_gram, "F·Fᵀ, positions × positions"),
        (style_positions_gram_numpy, "F·Fᵀ, positions × positions"),
        (style_no_layer_average, "divide by the number of layers"),
        (style_reduce_sum, "use tf.reduce_mean in each layer"),
        (style_sum_everything, "it sums everything"),
        (style_pooled_mean, "averaged all entries of all layers together"),
        (style_absolute, "forgot the square: it matches the mean absolute"),
        (style_signed, "forgot the square: differences of opposite signs"),
        (style_square_of_mean, "square each difference before averaging"),
        (style_root, "square root"),
        (style_last_layer, "only the last layer"),
        (style_zip_order, "by its name"),
        (style_zip_order_guarded, "by its name"),
        (style_over_style_layers, "loop over the targets"),
        (style_over_a_fixed_list, "loop over the targets"),
        (style_package, "the package's style_loss is the built-in this exercise rebuilds"),
    ],
)
def test_style_loss_rejects_typical_mistakes(fn, words, capsys):
    assert gatys.check_style_loss(fn) is False
    assert_first_failure(capsys.readouterr().out, words, "style_loss(")


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


def deprocess_numpy(inputs, mean_bgr):  # flip first, then add the means flipped too
    rgb = np.asarray(inputs)[..., ::-1] + np.asarray(mean_bgr)[::-1]
    return np.clip(rgb / 255.0, 0.0, 1.0)


def deprocess_slicing(inputs, mean_bgr):
    return tf.clip_by_value((inputs + mean_bgr)[..., ::-1] / 255.0, 0.0, 1.0)


def deprocess_backbone(inputs, mean_bgr):
    from nst_helpers.models import Backbone

    backbone = Backbone("vgg", "a stand-in", None, tuple(mean_bgr), 1.0, 1.0, 1.0, True)
    return backbone.deprocess(inputs)


@pytest.mark.parametrize("fn", [deprocess_right, deprocess_numpy, deprocess_slicing])
def test_deprocess_accepts_right_answers(fn, capsys):
    assert gatys.check_deprocess(fn) is True
    assert capsys.readouterr().out.strip() == (
        "✓ deprocess undoes preprocess for two sets of means and clips to [0, 1]."
    )


@pytest.mark.parametrize(
    "fn, words",
    [
        (deprocess_bgr, "BGR"),
        (deprocess_no_clip, "clip to [0, 1]"),
        (deprocess_fixed_mean, "mean_bgr argument"),
        (deprocess_mean_after_flip, "add it before turning BGR into RGB"),
        (deprocess_subtracts, "add the means back"),
        (deprocess_no_255, "divide by 255"),
        (deprocess_backbone, "the backbone's deprocess is the built-in this exercise rebuilds"),
    ],
)
def test_deprocess_rejects_typical_mistakes(fn, words, capsys):
    assert gatys.check_deprocess(fn) is False
    assert_first_failure(capsys.readouterr().out, words, "deprocess(")


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


def crop_wrong_axes(image):  # reads H and W from shape[0] and shape[1], the batch axis first
    height, width = image.shape[0], image.shape[1]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return image[:, top : top + side, left : left + side, :]


def crop_bounding_box(image):
    height, width = image.shape[1:3]
    side = min(height, width)
    return tf.image.crop_to_bounding_box(
        image, (height - side) // 2, (width - side) // 2, side, side
    )


def crop_rounding_up(image):  # the other middle when the difference is odd
    height, width = image.shape[1:3]
    side = min(height, width)
    top, left = -(-(height - side) // 2), -(-(width - side) // 2)
    return np.asarray(image)[:, top : top + side, left : left + side]


@pytest.mark.parametrize("fn", [crop_right, crop_library, crop_bounding_box, crop_rounding_up])
def test_center_crop_accepts_right_answers(fn, capsys):
    assert magenta.check_center_crop_square(fn) is True
    assert capsys.readouterr().out == (
        "✓ center_crop_square cuts the centred square, pixels unchanged, from 3 images.\n"
    )


@pytest.mark.parametrize(
    "fn, words",
    [
        (crop_corner, "start at (H - S) // 2"),
        (crop_squash, "instead of resizing"),
        (crop_longer_side, "shorter side"),
        (crop_no_batch, "batch axis"),
        (crop_wrong_axes, "the height is image.shape[1]"),
    ],
)
def test_center_crop_rejects_typical_mistakes(fn, words, capsys):
    assert magenta.check_center_crop_square(fn) is False
    assert_first_failure(capsys.readouterr().out, words, "center_crop_square(")


def blend_right(own, style, strength):
    return (1.0 - strength) * own + strength * style


def blend_swapped(own, style, strength):
    return strength * own + (1.0 - strength) * style


def blend_additive(own, style, strength):
    return own + strength * style


def blend_squared(own, style, strength):
    return (1.0 - strength**2) * own + strength**2 * style


def blend_mean(own, style, strength):  # strength forgotten
    return (own + style) / 2


def blend_style_only(own, style, strength):
    return style


def blend_towards(own, style, strength):
    return own + strength * (style - own)


def blend_tensors(own, style, strength):
    return tf.add((1.0 - strength) * tf.constant(own), strength * tf.constant(style))


@pytest.mark.parametrize("fn", [blend_right, blend_towards, blend_tensors])
def test_blend_accepts_right_answers(fn, capsys):
    assert magenta.check_blend_style_vectors(fn) is True
    assert capsys.readouterr().out.strip() == (
        "✓ blend_style_vectors gives own at 0, style at 1 and the straight line between."
    )


@pytest.mark.parametrize(
    "fn, words",
    [
        (blend_swapped, "weights are swapped"),
        (blend_additive, "without taking away"),
        (blend_squared, "straight line"),
        (blend_mean, "ignores strength"),
        (blend_style_only, "ignores strength"),
    ],
)
def test_blend_rejects_typical_mistakes(fn, words, capsys):
    assert magenta.check_blend_style_vectors(fn) is False
    assert_first_failure(capsys.readouterr().out, words, "blend_style_vectors(")


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


def resize_notebook(image, max_dim):  # the notebook's answer: bilinear, antialiased
    height, width = image.shape[1], image.shape[2]
    scale = max_dim / max(height, width)
    return tf.image.resize(image, (round(height * scale), round(width * scale)), antialias=True)


def resize_preserve_aspect(image, max_dim):
    return tf.image.resize(image, (max_dim, max_dim), preserve_aspect_ratio=True)


def resize_truncates(image, max_dim):
    height, width = image.shape[1], image.shape[2]
    scale = max_dim / max(height, width)
    return tf.image.resize(image, (int(height * scale), int(width * scale)))


def resize_rounds_up(image, max_dim):
    height, width = image.shape[1], image.shape[2]
    scale = max_dim / max(height, width)
    return tf.image.resize(image, (math.ceil(height * scale), math.ceil(width * scale)))


def resize_flipped(image, max_dim):
    return tf.reverse(resize_right(image, max_dim), [1])


def resize_mirrored(image, max_dim):
    return tf.reverse(resize_right(image, max_dim), [2])


def resize_rotated(image, max_dim):
    return tf.reverse(resize_right(image, max_dim), [1, 2])


def resize_transposed(image, max_dim):
    size = resize_right(image, max_dim).shape[1:3]
    return tf.image.resize(tf.transpose(image, [0, 2, 1, 3]), size)


def resize_shrink_only(image, max_dim):  # like PIL's thumbnail: never enlarges
    if max(image.shape[1], image.shape[2]) <= max_dim:
        return image
    return resize_right(image, max_dim)


def resize_package(image, max_dim):
    from nst_helpers.images import scale_to_max_dim

    return scale_to_max_dim(image, max_dim)


def resize_flat(image, max_dim):
    mean = tf.reduce_mean(image, axis=[1, 2], keepdims=True)
    return tf.ones_like(resize_right(image, max_dim)) * mean


def resize_branches(image, max_dim):  # each case on its own, the square one included
    height, width = image.shape[1], image.shape[2]
    if height > width:
        size = (max_dim, round(width * max_dim / height))
    elif width > height:
        size = (round(height * max_dim / width), max_dim)
    else:
        size = (max_dim, max_dim)
    return tf.image.resize(image, size, method="bicubic")


def resize_no_square_branch(image, max_dim):  # returns nothing for a square picture
    height, width = image.shape[1], image.shape[2]
    if height > width:
        return tf.image.resize(image, (max_dim, round(width * max_dim / height)))
    if width > height:
        return tf.image.resize(image, (round(height * max_dim / width), max_dim))


def resize_load_image(image, max_dim):
    from nst_helpers.images import load_image

    return load_image(image, max_dim=max_dim)


@pytest.mark.parametrize(
    "fn", [resize_right, resize_notebook, resize_preserve_aspect, resize_branches]
)
def test_resize_accepts_right_answers(fn, capsys):
    assert magenta.check_resize_to_max_dim(fn) is True
    assert capsys.readouterr().out == (
        "✓ resize_to_max_dim gives the right size and picture on 3 images (wide, tall, enlarged).\n"
    )


@pytest.mark.parametrize(
    "fn, words",
    [
        (resize_shorter_side, "longer side"),
        (resize_swapped, "height and width are swapped"),
        (resize_square, "squashed"),
        (resize_uint8, "do not multiply by 255"),
        (resize_truncates, "int() cuts"),
        (resize_rounds_up, "not up"),
        (resize_flipped, "flipped upside down"),
        (resize_mirrored, "flipped left to right"),
        (resize_rotated, "flipped by 180°"),
        (resize_transposed, "transposed"),
        (resize_flat, "one flat colour"),
        (resize_shrink_only, "enlarge it too"),
        (resize_package, "scale_to_max_dim (which load_image calls) is the built-in"),
        (resize_load_image, "scale_to_max_dim (which load_image calls) is the built-in"),
        (resize_no_square_branch, "add the `return` line"),
    ],
)
def test_resize_rejects_typical_mistakes(fn, words, capsys):
    assert magenta.check_resize_to_max_dim(fn) is False
    assert_first_failure(capsys.readouterr().out, words, "resize_to_max_dim(")


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


# --- a student copy's stub -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "check",
    [
        gatys.check_total_variation,
        gatys.check_style_loss,
        gatys.check_deprocess,
        magenta.check_center_crop_square,
        magenta.check_blend_style_vectors,
        magenta.check_resize_to_max_dim,
    ],
)
def test_a_stub_is_not_implemented_yet_in_one_line(check, capsys):
    assert check(stub("style_loss", "Exercise 2: The style loss from feature maps")) is False
    assert capsys.readouterr().out == (
        "✗ style_loss is not implemented yet: Exercise 2 (The style loss from feature maps). "
        "Write it in place of its raise NotImplementedError line and run the cell again.\n"
    )


# --- notebook 04's solution cells ----------------------------------------------------------------


def test_notebook_04s_solutions_open_collapsed_in_colab_and_jupyter():
    from pathlib import Path

    import nbformat

    from nst_helpers.cli.markers import BEGIN

    path = Path(__file__).resolve().parent.parent / "notebooks/04_magenta_fast_style_transfer.ipynb"
    solutions = [c for c in nbformat.read(path, as_version=4).cells if BEGIN in c.source]
    assert len(solutions) == 3
    for cell in solutions:
        first = cell.source.splitlines()[0].replace(" ", "")
        assert first == "#@titleSolution", "Colab folds a form cell under its #@title line"
        assert cell.metadata["cellView"] == "form"
        assert cell.metadata["jupyter"]["source_hidden"] is True
