"""The bfloat16 extractor: float32 features are the plain extractor's; bfloat16 ones are close."""

import numpy as np
import pytest
import tensorflow as tf

from nst_helpers import models
from nst_helpers.images import load_image
from nst_helpers.speed import precision


@pytest.fixture(scope="module")
def hed():
    return models.load_backbone("vgg16-hed", verbose=False)


def _loss_and_grad(extractor, image, targets, mixed_precision):
    with tf.GradientTape() as tape:
        tape.watch(image)
        out = extractor(image, mixed_precision)
        errors = [
            tf.reduce_mean(tf.square(out[kind][name] - targets[kind][name]))
            / tf.reduce_mean(tf.square(targets[kind][name]))
            for kind in ("style", "content")
            for name in targets[kind]
        ]
        loss = tf.add_n(errors)
    return out, loss, tape.gradient(loss, image)


def test_float32_features_are_the_plain_extractors(hed):
    image = load_image("tuebingen", max_dim=97)
    want = models.StyleContentModel(hed)(image)
    got = precision.Bfloat16Extractor(hed)(image)
    for kind in ("style", "content"):
        for name, value in want[kind].items():
            np.testing.assert_allclose(got[kind][name], value, rtol=1e-6)


def test_mixed_precision_features_and_gradient_are_close_to_float32_ones(hed):
    extractor = precision.Bfloat16Extractor(hed)
    image = load_image("tuebingen", max_dim=97)
    painting = extractor(load_image("starry_night", max_dim=97))
    targets = {
        "style": painting["style"],
        "content": extractor(load_image("cat", max_dim=97))["content"],
    }
    plain, plain_loss, plain_grad = _loss_and_grad(extractor, image, targets, False)
    mixed, mixed_loss, mixed_grad = _loss_and_grad(extractor, image, targets, True)
    for kind in ("style", "content"):
        for name, value in plain[kind].items():
            assert mixed[kind][name].dtype == tf.float32
            error = float(tf.norm(mixed[kind][name] - value) / tf.norm(value))
            assert error < 0.03, (kind, name)
            # the first convolution runs in float32, the others in bfloat16
            assert (error < 1e-5) == (name == hed.layer_names()[0]), (kind, name)
    assert float(mixed_loss) == pytest.approx(float(plain_loss), rel=0.03)
    cosine = tf.reduce_sum(mixed_grad * plain_grad) / tf.norm(mixed_grad) / tf.norm(plain_grad)
    assert float(cosine) > 0.97
