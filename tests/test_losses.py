import numpy as np
import pytest
import tensorflow as tf

from nst_helpers.errors import NSTError
from nst_helpers.losses import (
    content_loss,
    gram_matrix,
    style_content_loss,
    style_loss,
    total_variation_loss,
)


def test_gram_matrix_equals_a_hand_computed_one():
    # 1×2×2×2 features: positions p0..p3, channels (a, b)
    features = tf.constant([[[[1.0, 2.0], [3.0, 0.0]], [[0.0, 1.0], [2.0, 2.0]]]])
    # aa = 1+9+0+4 = 14, ab = 2+0+0+4 = 6, bb = 4+0+1+4 = 9; ÷ H·W = 4
    expected = np.array([[14.0, 6.0], [6.0, 9.0]]) / 4.0
    np.testing.assert_allclose(gram_matrix(features).numpy()[0], expected)
    np.testing.assert_allclose(gram_matrix(features, "gatys").numpy()[0], expected * 4.0)
    np.testing.assert_allclose(gram_matrix(features, "pytorch").numpy()[0], expected / 2.0)


def test_gram_matrix_is_symmetric_and_positive_semidefinite():
    features = tf.random.stateless_normal((1, 7, 5, 6), seed=(1, 2))
    gram = gram_matrix(features).numpy()[0]
    assert gram.shape == (6, 6)
    np.testing.assert_allclose(gram, gram.T, rtol=1e-5, atol=1e-6)
    assert np.linalg.eigvalsh(gram).min() > -1e-4


def test_gram_matrix_ignores_where_features_are():
    features = tf.random.stateless_normal((1, 4, 4, 3), seed=(3, 4))
    shuffled = tf.reshape(tf.reverse(tf.reshape(features, (1, 16, 3)), axis=[1]), (1, 4, 4, 3))
    np.testing.assert_allclose(gram_matrix(features), gram_matrix(shuffled), rtol=1e-5)


def test_unknown_normalization_is_refused():
    with pytest.raises(NSTError, match="normalization"):
        gram_matrix(tf.zeros((1, 2, 2, 2)), "l2")


def test_style_and_content_loss_of_an_image_with_itself_is_zero():
    features = {"a": tf.random.stateless_normal((1, 4, 4, 3), seed=(5, 6))}
    grams = {"a": gram_matrix(features["a"])}
    assert float(content_loss(features, features)) == 0.0
    assert float(style_loss(grams, grams)) == 0.0
    assert float(style_loss(grams, grams, "gatys", {"a": (3, 16)})) == 0.0


def test_style_loss_averages_over_layers():
    one = {"a": tf.ones((1, 2, 2)), "b": tf.ones((1, 2, 2))}
    other = {"a": tf.zeros((1, 2, 2)), "b": tf.ones((1, 2, 2))}
    assert float(style_loss(one, other)) == pytest.approx(0.5)


def test_total_variation_is_zero_for_a_constant_image_and_positive_otherwise():
    assert float(total_variation_loss(tf.fill((1, 8, 8, 3), 0.3))) == 0.0
    stripes = tf.tile(tf.constant([0.0, 1.0])[tf.newaxis, :, tf.newaxis], (8, 4, 3))[tf.newaxis]
    assert float(total_variation_loss(stripes)) == pytest.approx(8 * 7 * 3)


def test_weighted_total_is_the_sum_of_weighted_components():
    feats = {"c": tf.ones((1, 2, 2, 2))}
    outputs = {"content": feats, "style": {"s": tf.ones((1, 2, 2))}}
    targets = {"content": {"c": tf.zeros((1, 2, 2, 2))}, "style": {"s": tf.zeros((1, 2, 2))}}
    image = tf.constant(np.random.default_rng(0).random((1, 8, 8, 3)), tf.float32)
    losses = style_content_loss(outputs, targets, image, 2.0, 3.0, 0.5)
    assert float(losses["content"]) == pytest.approx(2.0)
    assert float(losses["style"]) == pytest.approx(3.0)
    assert float(losses["total_variation"]) == pytest.approx(
        0.5 * float(total_variation_loss(image))
    )
    parts = losses["content"] + losses["style"] + losses["total_variation"]
    assert float(losses["total"]) == pytest.approx(float(parts))
