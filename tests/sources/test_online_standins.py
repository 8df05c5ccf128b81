"""The online code paths (Keras VGG19 weights, TF Hub's Magenta module) run on local stand-ins.

``scripts/make_standins.py`` writes a VGG19 weights file with random weights and a tiny SavedModel
with Magenta's call signature; ``NST_VGG19_WEIGHTS`` and ``NST_MAGENTA_DIR`` point the package at
them, so no network is needed. The tests set ``NST_OFFLINE=1``: the local files win over it.
"""

import numpy as np
import pytest
import tensorflow as tf
from repo_scripts import load_script

from nst_helpers import magenta, models
from nst_helpers.errors import NSTError
from nst_helpers.images import load_image


@pytest.fixture(scope="module")
def standins_module():
    return load_script("make_standins")


@pytest.fixture(scope="module")
def vgg19_file(standins_module, tmp_path_factory):
    return standins_module.make_vgg19_weights(
        tmp_path_factory.mktemp("vgg19") / "vgg19_standin.weights.h5"
    )


@pytest.fixture(scope="module")
def magenta_dir(standins_module, tmp_path_factory):
    return standins_module.make_magenta_savedmodel(tmp_path_factory.mktemp("hub") / "magenta")


@pytest.fixture
def fresh_backbones(monkeypatch):
    monkeypatch.setenv("NST_OFFLINE", "1")
    monkeypatch.setattr(models, "_LOADED", {})


@pytest.fixture
def fresh_stylizers(monkeypatch):
    monkeypatch.setenv("NST_OFFLINE", "1")
    monkeypatch.setattr(magenta, "_LOADED", {})


# --- VGG19 ---------------------------------------------------------------------------------------


def _check_vgg19(backbone, path, printed):
    assert backbone.name == "vgg19" and not backbone.offline
    assert len(backbone.layer_names()) == 16
    assert backbone.model.count_params() == 20_024_384
    assert str(path) in backbone.notice and "NST_VGG19_WEIGHTS" in backbone.notice
    assert "\n" not in backbone.notice
    assert printed.count("Backbone: vgg19") == 1 and "not loaded" not in printed


def test_auto_backbone_loads_vgg19_from_the_local_file_despite_offline(
    vgg19_file, fresh_backbones, monkeypatch, capsys
):
    monkeypatch.setenv("NST_VGG19_WEIGHTS", str(vgg19_file))
    backbone = models.load_backbone("auto")
    assert models.load_backbone("auto") is backbone
    _check_vgg19(backbone, vgg19_file, capsys.readouterr().out)
    reference = tf.keras.applications.VGG19(include_top=False, weights=str(vgg19_file))
    for layer in ("block1_conv1", "block5_conv4"):
        got, want = (m.get_layer(layer).get_weights()[0] for m in (backbone.model, reference))
        np.testing.assert_array_equal(got, want)


def test_vgg19_by_name_uses_the_local_file(vgg19_file, fresh_backbones, monkeypatch, capsys):
    monkeypatch.setenv("NST_VGG19_WEIGHTS", str(vgg19_file))
    _check_vgg19(models.load_backbone("vgg19"), vgg19_file, capsys.readouterr().out)


def test_legacy_h5_like_the_download_loads_too(
    standins_module, tmp_path, fresh_backbones, monkeypatch, capsys
):
    legacy = standins_module.make_vgg19_weights(tmp_path / "vgg19_legacy.h5", seed=1, legacy=True)
    monkeypatch.setenv("NST_VGG19_WEIGHTS", str(legacy))
    backbone = models.load_backbone("auto")
    _check_vgg19(backbone, legacy, capsys.readouterr().out)
    tf.keras.utils.set_random_seed(1)
    seeded = tf.keras.applications.VGG19(include_top=False, weights=None)
    np.testing.assert_array_equal(
        backbone.model.get_layer("block3_conv2").get_weights()[0],
        seeded.get_layer("block3_conv2").get_weights()[0],
    )


def test_standin_writer_refuses_names_keras_would_misread(standins_module, tmp_path):
    with pytest.raises(NSTError, match=r"vgg19\.h5.*\.weights\.h5"):
        standins_module.make_vgg19_weights(tmp_path / "vgg19.h5")
    with pytest.raises(NSTError, match=r"x\.weights\.h5.*legacy"):
        standins_module.make_vgg19_weights(tmp_path / "x.weights.h5", legacy=True)


@pytest.mark.parametrize("name", ["auto", "vgg19"])
def test_missing_weights_file_raises_naming_it(tmp_path, fresh_backbones, monkeypatch, name):
    missing = tmp_path / "nowhere.weights.h5"
    monkeypatch.setenv("NST_VGG19_WEIGHTS", str(missing))
    with pytest.raises(NSTError, match=f"NST_VGG19_WEIGHTS={missing}: no such file; point it"):
        models.load_backbone(name)
    assert name not in models._LOADED  # no silent fallback was kept


@pytest.mark.parametrize("suffix", [".weights.h5", ".h5", ".bin"])
def test_corrupt_weights_file_raises_naming_it(tmp_path, fresh_backbones, monkeypatch, suffix):
    corrupt = tmp_path / f"vgg19{suffix}"
    corrupt.write_bytes(b"\x89HDF\r\n half a download")
    monkeypatch.setenv("NST_VGG19_WEIGHTS", str(corrupt))
    with pytest.raises(NSTError, match=f"{corrupt}: the file could not be read.*point it at"):
        models.load_backbone("auto")


@pytest.mark.filterwarnings("ignore::UserWarning")  # Keras lists the mismatches
def test_weights_of_another_network_are_refused(
    standins_module, tmp_path, fresh_backbones, monkeypatch
):
    vgg16 = tmp_path / "vgg16.weights.h5"
    tf.keras.applications.VGG16(include_top=False, weights=None).save_weights(vgg16)
    monkeypatch.setenv("NST_VGG19_WEIGHTS", str(vgg16))
    with pytest.raises(NSTError, match=f"{vgg16}: the file could not be read as VGG19 weights"):
        models.load_backbone("vgg19")


def test_offline_backbone_ignores_the_vgg19_file(tmp_path, fresh_backbones, monkeypatch):
    monkeypatch.setenv("NST_VGG19_WEIGHTS", str(tmp_path / "missing.h5"))
    assert models.load_backbone("vgg16-hed", verbose=False).name == "vgg16-hed"


# --- Magenta -------------------------------------------------------------------------------------


@pytest.fixture
def hub_standin(magenta_dir, fresh_stylizers, monkeypatch):
    monkeypatch.setenv("NST_MAGENTA_DIR", str(magenta_dir))
    return magenta.load_stylizer("auto", verbose=False)


@pytest.fixture(scope="module")
def onnx():
    return magenta.OnnxStylizer()


def test_auto_stylizer_loads_the_local_savedmodel_despite_offline(
    magenta_dir, fresh_stylizers, monkeypatch, capsys
):
    monkeypatch.setenv("NST_MAGENTA_DIR", str(magenta_dir))
    stylizer = magenta.load_stylizer("auto")
    assert isinstance(stylizer, magenta.HubStylizer) and stylizer.name == "hub"
    assert magenta.load_stylizer("auto") is stylizer
    printed = capsys.readouterr().out
    assert printed.count("Fast path: TF Hub") == 1 and str(magenta_dir) in printed
    assert "not loaded" not in printed


def test_hub_standin_stylises_with_the_content_shape_and_depends_on_the_style(hub_standin):
    content = load_image("tuebingen", max_dim=120)
    starry = hub_standin(content, "starry_night")
    wave = hub_standin(content, "great_wave")
    for out in (starry, wave):
        assert out.shape == content.shape and out.dtype == tf.float32
        assert 0.0 <= float(tf.reduce_min(out)) and float(tf.reduce_max(out)) <= 1.0
    assert float(tf.reduce_mean(tf.abs(starry - wave))) > 0.01
    assert float(tf.reduce_mean(tf.abs(starry - content))) > 0.01


def test_strength_1_uses_the_savedmodel(hub_standin, onnx):
    content = load_image("cat", max_dim=96)
    style = magenta.prepare_style(load_image("starry_night"))
    direct = hub_standin.module(tf.constant(content), tf.constant(style))[0]
    out = hub_standin(content, "starry_night", strength=1.0)
    np.testing.assert_allclose(out, direct, atol=1e-6)
    assert float(tf.reduce_mean(tf.abs(out - onnx(content, "starry_night")))) > 0.01


def test_strength_below_1_comes_from_the_onnx_networks_not_a_cross_fade(hub_standin, onnx, capsys):
    content = load_image("cat", max_dim=96)
    half = hub_standin(content, "starry_night", strength=0.5)
    np.testing.assert_allclose(half, onnx(content, "starry_night", strength=0.5), atol=1e-5)
    full = hub_standin(content, "starry_night")
    cross_fade = 0.5 * full + 0.5 * content
    assert float(tf.reduce_mean(tf.abs(half - cross_fade))) > 0.01
    hub_standin(content, "starry_night", strength=0.0)
    assert capsys.readouterr().out.count(magenta.STRENGTH_NOTICE) == 1


def test_strength_stylizer_is_the_one_that_interpolates_style_vectors(hub_standin, onnx):
    assert onnx.strength_stylizer is onnx
    from_hub = hub_standin.strength_stylizer
    assert isinstance(from_hub, magenta.OnnxStylizer) and hub_standin.strength_stylizer is from_hub
    with pytest.raises(NSTError, match="strength"):
        hub_standin("cat", "starry_night", strength=-0.1)


@pytest.mark.parametrize("source", ["auto", "hub"])
def test_missing_or_broken_magenta_dir_raises_naming_it(
    tmp_path, fresh_stylizers, monkeypatch, source
):
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("NST_MAGENTA_DIR", str(missing))
    with pytest.raises(NSTError, match=f"NST_MAGENTA_DIR={missing}: no SavedModel folder"):
        magenta.load_stylizer(source)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "saved_model.pb").write_bytes(b"truncated")
    monkeypatch.setenv("NST_MAGENTA_DIR", str(broken))
    with pytest.raises(NSTError, match=f"NST_MAGENTA_DIR={broken}: .*could not be loaded"):
        magenta.load_stylizer(source)
    assert source not in magenta._LOADED
