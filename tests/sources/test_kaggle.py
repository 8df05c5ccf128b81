"""Kaggle, Magenta's second online source, on a local stand-in: kagglehub resolves the handle from
a cache that ``scripts/make_standins.py`` writes, and Kaggle's API points at an address where
nothing answers, so no test reaches the network. TF Hub is made unreachable as in test_magenta.
"""

import sys

import numpy as np
import pytest
import tensorflow as tf
from repo_scripts import load_script

from nst_helpers import magenta
from nst_helpers.errors import NSTError
from nst_helpers.images import load_image
from nst_helpers.sources.kaggle import KAGGLE_HANDLE

#: An address where nothing answers (port 9, "discard"): TF Hub's download fails on every machine.
DEAD_HANDLE = "http://127.0.0.1:9/magenta"


@pytest.fixture(scope="module")
def kaggle_cache(tmp_path_factory):
    """A kagglehub cache holding the Magenta stand-in under Kaggle's handle."""
    pytest.importorskip("kagglehub", reason="Kaggle's source needs kagglehub (requirements-test)")
    standins = load_script("make_standins")
    folder = tmp_path_factory.mktemp("kaggle")
    model = standins.make_magenta_savedmodel(folder / "magenta")
    return standins.make_kaggle_cache(folder / "cache", model)


@pytest.fixture
def online(monkeypatch, tmp_path):
    """TF Hub unreachable, Kaggle's API unreachable; ``online(cache)`` sets kagglehub's cache."""
    monkeypatch.setattr(magenta, "HUB_HANDLE", DEAD_HANDLE)
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "tfhub"))
    monkeypatch.setenv("KAGGLE_API_ENVIRONMENT", "LOCALHOST")  # kagglesdk: http://localhost
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "empty"))
    for name in ("NST_OFFLINE", "NST_REQUIRE_ONLINE", magenta.MAGENTA_DIR_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(magenta, "_LOADED", {})
    return lambda cache: monkeypatch.setenv("KAGGLEHUB_CACHE", str(cache))


@pytest.mark.parametrize("strict", [False, True], ids=["auto", "strict"])
def test_without_tf_hub_auto_loads_kaggles_copy_and_says_so(
    kaggle_cache, online, monkeypatch, capsys, strict
):
    online(kaggle_cache)
    if strict:  # Kaggle's copy is the real model: NST_REQUIRE_ONLINE accepts it
        monkeypatch.setenv("NST_REQUIRE_ONLINE", "1")
    stylizer = magenta.load_stylizer("auto")
    assert isinstance(stylizer, magenta.HubStylizer)
    printed = capsys.readouterr().out
    assert printed.count("Fast path:") == 1 and f"from Kaggle, {KAGGLE_HANDLE}" in printed
    assert "TF Hub module could not be downloaded" in printed and "not loaded" not in printed
    content = load_image("cat", max_dim=96)
    out = stylizer(content, "great_wave")
    assert out.shape == content.shape
    # The stand-in moves each colour channel to the painting's mean: the module ran, not ONNX.
    painting = magenta.prepare_style(load_image("great_wave"))
    np.testing.assert_allclose(
        tf.reduce_mean(out, axis=[1, 2]), tf.reduce_mean(painting, axis=[1, 2]), atol=0.03
    )


def test_with_tf_hub_and_kaggle_unreachable_auto_falls_back_and_strict_fails(
    kaggle_cache, online, monkeypatch, capsys
):
    stylizer = magenta.load_stylizer("auto")
    assert stylizer.name == "onnx"
    printed = capsys.readouterr().out
    assert "TF Hub was not loaded" in printed
    assert f"Kaggle's copy ({KAGGLE_HANDLE}) could not be downloaded" in printed
    monkeypatch.setenv("NST_REQUIRE_ONLINE", "1")
    monkeypatch.setattr(magenta, "_LOADED", {})
    with pytest.raises(NSTError, match="forbids the offline fallback.*TF Hub.*Kaggle's copy"):
        magenta.load_stylizer("auto")


def test_a_damaged_kaggle_copy_names_the_folder_to_delete(kaggle_cache, online, tmp_path):
    import shutil

    cache = tmp_path / "damaged"
    shutil.copytree(kaggle_cache, cache)
    (model,) = cache.glob("models/**/saved_model.pb")
    model.write_bytes(b"half a download")
    online(cache)
    with pytest.raises(
        NSTError, match=f"Kaggle's copy in {model.parent} could not be loaded.*delete"
    ):
        magenta.load_stylizer("hub")


def test_without_kagglehub_the_reason_names_the_package(online, monkeypatch):
    monkeypatch.setitem(sys.modules, "kagglehub", None)  # import kagglehub raises ImportError
    with pytest.raises(NSTError, match="Kaggle's copy needs kagglehub, not installed: pip install"):
        magenta.load_stylizer("hub")
