import errno
import http.server
import os
import stat
import threading
import time

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from sample_images import encode, gradient_rgb

from nst_helpers import images
from nst_helpers.errors import NSTError
from nst_helpers.sources import downloads


def assert_image(tensor, height, width):
    assert tensor.shape == (1, height, width, 3)
    assert tensor.dtype == tf.float32
    values = tensor.numpy()
    assert values.min() >= 0.0 and values.max() <= 1.0


def test_every_bundled_image_loads_by_short_name():
    names = images.list_images()
    assert {"tuebingen", "starry_night"} <= set(names)
    for name in names:
        image = images.load_image(name, max_dim=64)
        assert max(image.shape[1:3]) == 64


def test_bundled_kinds_are_separate():
    assert "tuebingen" in images.list_images("content")
    assert "tuebingen" not in images.list_images("style")
    with pytest.raises(NSTError, match="kind"):
        images.list_images("paintings")


def test_path_bytes_pil_array_and_tensor_give_the_same_image(png_file, rgb_array):
    expected = rgb_array.astype(np.float32) / 255.0
    sources = [
        png_file,
        str(png_file),
        png_file.read_bytes(),
        Image.fromarray(rgb_array),
        rgb_array,
        rgb_array[np.newaxis],
        tf.constant(expected),
    ]
    for source in sources:
        image = images.load_image(source)
        assert_image(image, 48, 64)
        np.testing.assert_allclose(image.numpy()[0], expected, atol=1 / 255)


def test_max_dim_keeps_aspect_ratio(png_file):
    image = images.load_image(png_file, max_dim=128)
    assert_image(image, 96, 128)
    tall = images.scale_to_max_dim(tf.zeros((1, 400, 100, 3)), 200)
    assert tall.shape == (1, 200, 50, 3)


def test_grayscale_becomes_three_equal_channels():
    gray = Image.fromarray(gradient_rgb()[..., 0], mode="L")
    image = images.load_image(encode(gray)).numpy()[0]
    assert np.allclose(image[..., 0], image[..., 1]) and np.allclose(image[..., 1], image[..., 2])


def test_rgba_is_composited_on_white():
    rgba = np.zeros((40, 40, 4), dtype=np.uint8)
    rgba[..., 0] = 255  # red, fully transparent on the left half
    rgba[:, 20:, 3] = 255
    image = images.load_image(encode(Image.fromarray(rgba, mode="RGBA"))).numpy()[0]
    assert np.allclose(image[:, :20], 1.0)  # white where transparent
    assert np.allclose(image[:, 20:], [1.0, 0.0, 0.0])  # red where opaque


def test_palette_with_transparency_and_cmyk_and_16_bit():
    palette = Image.fromarray(gradient_rgb()).convert("P")
    palette.info["transparency"] = 0
    assert_image(images.load_image(encode(palette)), 48, 64)

    cmyk = Image.fromarray(gradient_rgb()).convert("CMYK")
    assert_image(images.load_image(encode(cmyk, "JPEG")), 48, 64)

    deep = (np.linspace(0, 65535, 64 * 48).reshape(48, 64)).astype(np.uint16)
    image = images.load_image(encode(Image.fromarray(deep))).numpy()[0]
    assert image[0, 0, 0] == pytest.approx(0.0, abs=1e-3)
    assert image[-1, -1, 0] == pytest.approx(1.0, abs=1e-3)  # not clipped at 255/65535


def test_animated_gif_gives_the_first_frame():
    red = Image.new("RGB", (40, 40), (255, 0, 0))
    blue = Image.new("RGB", (40, 40), (0, 0, 255))
    data = encode(red, "GIF", save_all=True, append_images=[blue])
    image = images.load_image(data).numpy()[0]
    assert image[..., 0].mean() > 0.9 and image[..., 2].mean() < 0.1


def test_exif_orientation_is_applied():
    wide = Image.fromarray(gradient_rgb(80, 40))  # 80 wide, 40 high
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    image = images.load_image(encode(wide, "JPEG", exif=exif.tobytes()))
    assert image.shape == (1, 80, 40, 3)  # shown upright: taller than wide


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.png", "not found"),
        (lambda p: p, "folder"),
        (lambda p: _write(p / "empty.png", b""), "empty"),
        (lambda p: _write(p / "notes.png", b"hello, not an image"), "not an image"),
    ],
)
def test_bad_files_raise_one_clear_error(tmp_path, make, message):
    with pytest.raises(NSTError, match=message):
        images.load_image(make(tmp_path))


def test_truncated_image_is_reported(tmp_path):
    data = encode(Image.fromarray(gradient_rgb(200, 200)), "JPEG")
    path = _write(tmp_path / "cut.jpg", data[: len(data) // 2])
    with pytest.raises(NSTError, match="damaged or truncated"):
        images.load_image(path)


def test_too_small_image_is_refused():
    with pytest.raises(NSTError, match="at least 32 px"):
        images.load_image(np.zeros((20, 100, 3), dtype=np.uint8))


def test_decompression_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # a 64×48 image is then "far too big"
    with pytest.raises(NSTError, match="far more pixels"):
        images.load_image(encode(Image.fromarray(gradient_rgb())))


@pytest.mark.parametrize("max_dim", [0, 31, 5000, 2.5, float("nan"), "256"])
def test_bad_max_dim_is_refused(png_file, max_dim):
    with pytest.raises(NSTError, match="max_dim"):
        images.load_image(png_file, max_dim=max_dim)


def test_float_arrays_outside_0_1_are_refused():
    with pytest.raises(NSTError, match=r"\[0, 1\]"):
        images.load_image(np.full((40, 40, 3), 200.0))


def test_save_is_atomic_and_failed_save_keeps_the_old_file(tmp_path, rgb_array):
    out = tmp_path / "out.png"
    images.save_image(images.load_image(rgb_array), out)
    before = out.read_bytes()
    bad = np.full((1, 40, 40, 3), np.nan, dtype=np.float32)
    with pytest.raises(NSTError, match="NaN"):
        images.save_image(bad, out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]  # no temporary file left
    with pytest.raises(NSTError, match="ending in"):
        images.save_image(images.load_image(rgb_array), tmp_path / "out.txt")


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_saved_files_respect_the_umask_like_open(tmp_path, rgb_array, umask):
    old = os.umask(umask)
    try:
        out = images.save_image(images.load_image(rgb_array), tmp_path / "new.png")
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask == stat.S_IMODE(plain.stat().st_mode)


def test_replacing_a_file_keeps_its_permissions(tmp_path, rgb_array):
    out = tmp_path / "out.png"
    images.save_image(images.load_image(rgb_array), out)
    out.chmod(0o640)
    images.save_image(images.load_image(rgb_array), out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_a_disk_full_mid_write_leaves_the_old_file_and_no_temporary(
    tmp_path, rgb_array, monkeypatch
):
    out = tmp_path / "out.png"
    images.save_image(images.load_image(rgb_array), out)
    before = out.read_bytes()

    def half_write(self, handle, *args, **kwargs):
        handle.write(b"\x89PNG half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", half_write)
    with pytest.raises(OSError, match="No space"):
        images.save_image(images.load_image(rgb_array), out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_round_trip_through_png(tmp_path, rgb_array):
    out = images.save_image(images.load_image(rgb_array), tmp_path / "sub" / "x.png")
    assert np.array_equal(np.asarray(Image.open(out)), rgb_array)


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802
        if self.path == "/slow.png":
            time.sleep(2)
        status, kind, body = self.routes.get(self.path, (404, "text/plain", b"missing"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("NST_CACHE_DIR", str(tmp_path / "cache"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_urls_load_cache_and_fail_clearly(server, rgb_array, monkeypatch):
    _Handler.routes = {
        "/photo.png": (200, "image/png", encode(Image.fromarray(rgb_array))),
        "/page": (200, "text/html", b"<html></html>"),
        "/huge.png": (200, "image/png", b"x" * 2048),
    }
    assert_image(images.load_image(f"{server}/photo.png"), 48, 64)
    _Handler.routes.pop("/photo.png")
    assert_image(images.load_image(f"{server}/photo.png"), 48, 64)  # from the disk cache
    with pytest.raises(NSTError, match="HTTP 404"):
        images.load_image(f"{server}/nothing.png")
    with pytest.raises(NSTError, match="not an image"):
        images.load_image(f"{server}/page")
    monkeypatch.setattr(downloads, "MAX_DOWNLOAD_BYTES", 1024)
    with pytest.raises(NSTError, match="larger than"):
        images.load_image(f"{server}/huge.png")
    with pytest.raises(NSTError, match="only http"):
        images.load_image("ftp://example.org/a.png")


def test_junk_download_is_not_cached_and_slow_server_times_out(server, rgb_array, monkeypatch):
    _Handler.routes = {"/junk.png": (200, "image/png", b"not really a png")}
    with pytest.raises(NSTError, match="not an image"):
        images.load_image(f"{server}/junk.png")
    _Handler.routes["/junk.png"] = (200, "image/png", encode(Image.fromarray(rgb_array)))
    assert_image(images.load_image(f"{server}/junk.png"), 48, 64)  # fixed file is fetched anew
    monkeypatch.setattr(downloads, "DOWNLOAD_TIMEOUT", 0.3)
    with pytest.raises(NSTError, match="timed out|check the network"):
        images.load_image(f"{server}/slow.png")


def _write(path, data):
    path.write_bytes(data)
    return path
