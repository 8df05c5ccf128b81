import numpy as np
import pytest
import tensorflow as tf

from nst_helpers import magenta
from nst_helpers.errors import NSTError
from nst_helpers.images import load_image
from nst_helpers.sources import hub
from nst_helpers.sources.onnx import onnx_providers

#: An address where nothing answers (port 9, "discard"): loading from it fails on every machine.
DEAD_HANDLE = "http://127.0.0.1:9/magenta"


@pytest.fixture(scope="module")
def onnx():
    return magenta.OnnxStylizer()


@pytest.fixture
def no_hub(monkeypatch, tmp_path):
    """TF Hub loads from :data:`DEAD_HANDLE` into an empty cache, and Kaggle's copy from an empty
    kagglehub cache with Kaggle's API at an address where nothing answers, whether or not there is
    a network."""
    monkeypatch.setattr(magenta, "HUB_HANDLE", DEAD_HANDLE)
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "tfhub"))
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "kagglehub"))
    monkeypatch.setenv("KAGGLE_API_ENVIRONMENT", "LOCALHOST")  # kagglesdk: http://localhost
    monkeypatch.delenv("NST_OFFLINE", raising=False)
    monkeypatch.delenv(magenta.MAGENTA_DIR_VARIABLE, raising=False)
    monkeypatch.setattr(magenta, "_LOADED", {})


def test_lazily_loaded_names_show_in_tab_completion():
    import nst_helpers

    names = dir(nst_helpers)
    assert {"load_stylizer", "load_backbone", "stylize", "NSTError", "__version__"} <= set(names)
    assert set(nst_helpers.__all__) <= set(names)


def test_offline_stylizer_returns_a_stylised_picture_of_the_content_shape(onnx):
    content = load_image("tuebingen", max_dim=200)
    out = onnx(content, "starry_night")
    assert out.shape == content.shape and out.dtype == tf.float32
    values = out.numpy()
    assert 0.0 <= values.min() and values.max() <= 1.0
    assert np.abs(values - content.numpy()).mean() > 0.05  # clearly not the photo


def test_large_content_is_scaled_back_to_its_size(onnx):
    content = load_image("tuebingen", max_dim=magenta.ONNX_CANVAS + 216)
    assert onnx(content, "great_wave").shape == content.shape


def test_strength_moves_from_the_photo_towards_the_painting(onnx):
    content = load_image("cat", max_dim=160)
    far = [
        float(tf.reduce_mean(tf.abs(onnx(content, "starry_night", s) - content)))
        for s in (0.0, 0.5, 1.0)
    ]
    assert far[0] < far[1] < far[2]


def test_style_is_cropped_square_at_256():
    square = magenta.prepare_style(load_image("starry_night"))
    side = magenta.STYLE_SIZE
    assert square.shape == (1, side, side, 3)


def test_bad_strength_is_refused(onnx):
    with pytest.raises(NSTError, match="strength"):
        onnx("cat", "starry_night", strength=1.5)


def test_hub_without_network_or_with_a_broken_folder_says_why(no_hub, tmp_path):
    with pytest.raises(NSTError, match="could not be downloaded.*connect to the internet"):
        magenta._load_hub(DEAD_HANDLE)
    broken = tmp_path / "magenta"
    broken.mkdir()
    (broken / "saved_model.pb").write_bytes(b"truncated")
    with pytest.raises(NSTError, match=str(broken)):
        magenta._load_hub(str(broken))


def test_damaged_hub_cache_names_the_folder_to_delete(no_hub):
    module = hub.hub_module_dir(DEAD_HANDLE)
    module.mkdir(parents=True)
    (module / "saved_model.pb").write_bytes(b"half a download")
    with pytest.raises(NSTError, match=f"cache folder {module} is damaged.*delete"):
        magenta._load_hub(DEAD_HANDLE)


def test_auto_falls_back_to_onnx_with_one_notice(no_hub, capsys):
    first = magenta.load_stylizer("auto")
    assert magenta.load_stylizer("auto") is first and first.name == "onnx"
    printed = capsys.readouterr().out
    assert printed.count("Fast path:") == 1
    assert "not the TF Hub module" in printed and "TF Hub was not loaded" in printed


def test_onnx_interpolates_style_vectors_itself(onnx):
    assert onnx.strength_stylizer is onnx


class _CountingModule:
    """Stands in for the TF Hub module: returns the content and counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, content, style):
        self.calls += 1
        return [content]


def test_hub_strength_below_1_runs_the_onnx_networks_not_the_module(onnx, capsys):
    module = _CountingModule()
    hub = magenta.HubStylizer(module, "a test module")
    hub._onnx = onnx  # what strength_stylizer would make
    content = load_image("cat", max_dim=80)
    out = hub(content, "starry_night", strength=0.3)
    assert module.calls == 0
    np.testing.assert_allclose(out, onnx(content, "starry_night", strength=0.3), atol=1e-6)
    np.testing.assert_allclose(hub(content, "starry_night"), content, atol=1e-6)
    assert module.calls == 1


@pytest.mark.parametrize(
    ("available", "chosen"),
    [
        (["CPUExecutionProvider"], ["CPUExecutionProvider"]),
        (
            ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"],
            ["CUDAExecutionProvider", "CPUExecutionProvider"],
        ),
        (["AzureExecutionProvider"], ["CPUExecutionProvider"]),
    ],
)
def test_onnx_runs_on_cuda_when_onnxruntime_has_it(available, chosen):
    assert onnx_providers(available) == chosen


def test_the_onnx_notice_says_which_provider_runs(onnx):
    assert onnx.provider in onnx.notice and onnx.provider.endswith("ExecutionProvider")


def test_transform_with_a_style_vector_made_once_equals_the_call(onnx):
    content, style = load_image("cat", max_dim=64), load_image("great_wave")
    once = onnx.transform(content, onnx.style_bottleneck(style))
    np.testing.assert_array_equal(once.numpy(), onnx(content, style).numpy())
