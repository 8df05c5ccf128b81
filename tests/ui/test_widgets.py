import os
import tracemalloc

import ipywidgets
import pytest
from test_widgets_versions import simulate_upload

from nst_helpers.errors import NSTError
from nst_helpers.ui.panels import fast_panel, gatys_panel
from nst_helpers.ui.pickers import ImagePicker, latest_upload, tooltip, upload_arrived_empty


@pytest.fixture(scope="module")
def panel():
    return gatys_panel(max_dim=64, steps=3, backbone="vgg16-hed")


def test_run_shows_a_picture_progress_and_losses(panel):
    result = panel.run()
    assert result is not None and result.steps == 3
    assert panel.picture.value[:4] == b"\x89PNG"
    assert panel.progress.value == panel.progress.max == 3
    assert "total" in panel.readout.value and "Done" in panel.status.value


def test_moved_sliders_are_used_on_the_next_run(panel):
    panel.style_weight.value = 1.0
    low = panel.run().history["style"][0]
    panel.style_weight.value = 100.0
    high = panel.run().history["style"][0]
    assert high == pytest.approx(100 * low, rel=1e-3)
    panel.max_dim.value = 96
    panel.steps.value = 2
    result = panel.run()
    assert result.image.shape[2] == 96 and result.steps == 2
    assert panel.values["max_dim"] == 96


def rss_bytes():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_reruns_do_not_retrace_or_grow_memory(panel):
    panel.max_dim.value, panel.steps.value = 64, 1
    for _ in range(3):
        panel.run()
    traces = panel.stylizer.trace_count
    tracemalloc.start()
    heap_before, rss_before = tracemalloc.get_traced_memory()[0], rss_bytes()
    for weight in range(20):
        panel.content_weight.value = 10.0 ** (weight % 5)
        assert panel.run() is not None
    heap_growth = tracemalloc.get_traced_memory()[0] - heap_before
    rss_growth = rss_bytes() - rss_before
    tracemalloc.stop()
    assert panel.stylizer.trace_count == traces
    assert heap_growth < 5_000_000
    assert rss_growth < 60_000_000, f"RSS grew by {rss_growth / 1e6:.0f} MB over 20 runs"


def test_bad_input_shows_one_error_line_and_the_panel_still_works(panel):
    panel.content_picker.dropdown.value = "upload…"
    assert panel.run() is None
    assert panel.status.value.count("error:") == 1 and "Upload" in panel.status.value
    assert not panel.run_button.disabled
    panel.content_picker.dropdown.value = "cat"
    assert panel.run() is not None


def test_uploaded_bytes_are_used(panel, png_file):
    simulate_upload(panel.content_picker.upload, "photo.png", png_file.read_bytes())
    assert panel.content_picker.dropdown.value == "upload…"
    assert panel.content_picker.uploaded == ("photo.png", png_file.read_bytes())
    result = panel.run()
    assert result is not None and result.image.shape[1:3] == (48, 64)


def test_latest_upload_reads_both_ipywidgets_shapes():
    version_8 = (
        {"name": "a.png", "type": "image/png", "size": 1, "content": memoryview(b"a")},
        {"name": "b.png", "type": "image/png", "size": 1, "content": memoryview(b"b")},
    )
    version_7 = {
        "a.png": {"metadata": {"name": "a.png", "type": "image/png", "size": 1}, "content": b"a"},
        "b.png": {"metadata": {"name": "b.png", "type": "image/png", "size": 1}, "content": b"b"},
    }
    assert latest_upload(version_8) == latest_upload(version_7) == ("b.png", b"b")
    assert latest_upload(()) is None and latest_upload({}) is None


def test_an_entry_without_its_bytes_is_no_upload():
    version_8 = ({"name": "big.jpg", "type": "image/jpeg", "size": 2_000_000, "content": b""},)
    version_7 = {"big.jpg": {"metadata": {"name": "big.jpg", "size": 2_000_000}, "content": b""}}
    assert latest_upload(version_8) is None and latest_upload(version_7) is None


def test_an_upload_that_arrives_empty_is_said_and_named_with_the_size_limit(png_file):
    picker = ImagePicker("content", "cat")
    assert picker.note.value == "" and not upload_arrived_empty(picker.upload)
    simulate_upload(picker.upload, "phone.jpg", b"", mime="image/jpeg")
    assert upload_arrived_empty(picker.upload)
    assert "arrived empty" in picker.note.value and "1 MB" in picker.note.value
    assert "Files pane" in picker.note.value
    assert picker.dropdown.value == "cat", "an empty upload does not replace the chosen image"
    picker.dropdown.value = "upload…"
    with pytest.raises(NSTError, match=r"arrived empty.*1 MB"):
        picker.load()
    simulate_upload(picker.upload, "photo.png", png_file.read_bytes())
    assert picker.note.value == "" and picker.dropdown.value == "upload…"
    assert tuple(picker.load().shape) == (1, 48, 64, 3)


def test_loading_before_any_upload_names_the_size_limit():
    fresh = ImagePicker("style", "starry_night")
    fresh.dropdown.value = "upload…"
    with pytest.raises(NSTError, match=r"none yet.*1 MB.*URL"):
        fresh.load()


def test_hover_text_uses_the_trait_the_installed_ipywidgets_has():
    hover = tooltip(ipywidgets.FloatLogSlider, "text")
    assert len(hover) == 1 and next(iter(hover)) in ipywidgets.FloatLogSlider.class_trait_names()
    assert tooltip(ipywidgets.Button, "text") == {"tooltip": "text"}  # buttons: both versions
    assert tooltip(ipywidgets.Image, "text") in ({}, {"tooltip": "text"})


def test_fast_panel_restylises_when_a_slider_moves():
    panel = fast_panel(max_dim=128)
    panel.run()
    first = panel.picture.value
    panel.strength.value = 0.3  # observers run the panel again
    assert panel.picture.value != first and "strength 0.30" in panel.status.value


def test_bad_starting_values_are_refused():
    with pytest.raises(NSTError, match="max_dim"):
        gatys_panel(max_dim=5000)
    with pytest.raises(NSTError, match="bundled content"):
        fast_panel(content="mona_lisa")


@pytest.mark.parametrize(
    ("make", "kwargs", "words"),
    [
        (gatys_panel, {"max_dim": 63}, "the panel's max_dim must be from 64 to 1024, got 63"),
        (gatys_panel, {"max_dim": 128.5}, "the panel's max_dim must be a whole number"),
        (gatys_panel, {"steps": 0}, "the panel's steps must be from 1 to 1000, got 0"),
        (gatys_panel, {"optimizer": "sgd"}, "optimizer must be one of adam, lbfgs; got 'sgd'"),
        (gatys_panel, {"backbone": "resnet"}, "backbone must be one of auto, vgg19, vgg16-hed"),
        (fast_panel, {"strength": float("nan")}, "strength must be a finite number"),
        (fast_panel, {"strength": 1.5}, "strength must be in [0, 1], got 1.5"),
    ],
)
def test_starting_values_are_checked_like_the_rest_of_the_package(make, kwargs, words):
    with pytest.raises(NSTError) as raised:
        make(**kwargs)
    assert words in str(raised.value)


def test_fast_panel_promises_no_size_the_offline_networks_cannot_paint():
    from nst_helpers.magenta import ONNX_CANVAS

    panel = fast_panel(max_dim=768)
    assert panel.stylizer.name == "onnx"  # tests run offline
    assert panel.max_dim.max == ONNX_CANVAS and panel.max_dim.value == ONNX_CANVAS
