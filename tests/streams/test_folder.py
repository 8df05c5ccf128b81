"""A folder of photos: tiny generated pictures (64×48), a broken one, the offline networks."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from nst_helpers import magenta
from nst_helpers.errors import NSTError
from nst_helpers.streams.folders import find_pictures, output_name, stylize_folder


@pytest.fixture(scope="module")
def onnx():
    return magenta.OnnxStylizer()


def picture(path, shade):
    path.parent.mkdir(parents=True, exist_ok=True)
    y, x = np.mgrid[0:48, 0:64]
    image = np.stack([x * 4, y * 5, np.full_like(x, shade)], axis=-1).clip(0, 255)
    Image.fromarray(image.astype(np.uint8)).save(path)


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    picture(folder / "a.jpg", 30)
    picture(folder / "b.png", 90)
    picture(folder / "trip" / "c.jpg", 150)
    picture(folder / "old.gif", 200)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    (folder / "notes.txt").write_text("not a picture")
    (folder / ".hidden.png").write_bytes(b"")
    return folder


def snapshot(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_pictures_are_found_by_suffix_and_keep_their_names(photos):
    assert [str(p) for p in find_pictures(photos)] == ["a.jpg", "b.png", "broken.jpg", "old.gif"]
    assert "trip/c.jpg" in [p.as_posix() for p in find_pictures(photos, recursive=True)]
    assert output_name(find_pictures(photos)[3]).name == "old.gif.png"


def test_cli_reports_a_broken_file_goes_on_and_exits_1(photos, tmp_path):
    before = snapshot(photos)
    env = {**os.environ, "NST_OFFLINE": "1"}
    args = [photos, "starry_night", "-o", tmp_path / "out", "--recursive", "--max-dim", "64"]
    done = subprocess.run(
        [sys.executable, "-m", "nst_helpers", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    failed = [line for line in done.stderr.splitlines() if line.startswith("failed: ")]
    assert len(failed) == 1 and "broken.jpg" in failed[0] and "Traceback" not in done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("Done: 4 stylised, 0 skipped (output exists), 1 failed")
    made = sorted(
        p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.*")
    )
    assert made == ["a.jpg", "b.png", "old.gif.png", "trip/c.jpg"]
    assert Image.open(tmp_path / "out" / "trip" / "c.jpg").size == (64, 48)
    assert snapshot(photos) == before  # nothing in the photos folder was written


def test_a_second_run_resumes_and_force_replaces(onnx, photos, tmp_path):
    out = tmp_path / "out"
    first = stylize_folder(photos, "great_wave", out, stylizer=onnx, progress=False)
    assert len(first.done) == 3 and len(first.failed) == 1
    (out / "b.png").unlink()
    kept = (out / "a.jpg").stat().st_mtime_ns
    second = stylize_folder(photos, "great_wave", out, stylizer=onnx, progress=False)
    assert [p.name for p in second.done] == ["b.png"] and len(second.skipped) == 2
    assert (out / "a.jpg").stat().st_mtime_ns == kept
    third = stylize_folder(photos, "great_wave", out, stylizer=onnx, force=True, progress=False)
    assert len(third.done) == 3 and not third.skipped


def test_an_interrupted_run_leaves_only_whole_pictures(onnx, photos, tmp_path):
    class StopsAtTheThirdPicture(magenta.OnnxStylizer):
        calls = 0

        def transform(self, content_image, bottleneck):
            self.calls += 1
            if self.calls == 3:
                raise KeyboardInterrupt
            return super().transform(content_image, bottleneck)

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        stylize_folder(photos, "starry_night", out, stylizer=StopsAtTheThirdPicture())
    saved = sorted(p.name for p in out.iterdir())
    assert saved == ["a.jpg", "b.png"]  # broken.jpg failed, old.gif was being stylised
    for name in saved:
        Image.open(out / name).load()  # whole pictures, and no temporary file beside them
    resumed = stylize_folder(photos, "starry_night", out, stylizer=onnx, progress=False)
    assert [p.name for p in resumed.skipped] == saved
    assert [p.name for p in resumed.done] == ["old.gif"]


@pytest.mark.parametrize("inside", ["photos", "photos/out"])
def test_an_output_folder_in_the_photos_folder_is_refused(onnx, photos, tmp_path, inside):
    before = snapshot(photos)
    with pytest.raises(NSTError, match="photos folder"):
        stylize_folder(photos, "starry_night", tmp_path / inside, stylizer=onnx)
    assert snapshot(photos) == before


def test_gatys_method_stylises_a_folder(photos, tmp_path):
    for name in ("b.png", "broken.jpg", "old.gif"):
        (photos / name).unlink()
    report = stylize_folder(
        photos,
        "starry_night",
        tmp_path / "out",
        method="gatys",
        max_dim=64,
        gatys_options={"steps": 2, "optimizer": "adam"},
        progress=False,
    )
    assert [p.name for p in report.done] == ["a.jpg"]
    assert Image.open(tmp_path / "out" / "a.jpg").size == (64, 48)


def test_a_folder_without_pictures_is_refused(tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    picture(tmp_path / "empty" / "sub" / "deep.png", 10)
    with pytest.raises(NSTError, match="add --recursive"):
        stylize_folder(tmp_path / "empty", "starry_night", tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "flags, named",
    [
        (["--preserve-color", "luminance"], "--preserve-color"),
        (["-s", "great_wave"], "mixing paintings"),
        (["--style-mix", "1"], "mixing paintings"),
    ],
)
def test_cli_refuses_the_one_picture_controls_for_a_folder(photos, tmp_path, capsys, flags, named):
    from nst_helpers.cli.main import main

    status = main([str(photos), "starry_night", "-o", str(tmp_path / "out"), *flags])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and err[0].startswith("error: ") and named in err[0]
    assert not (tmp_path / "out").exists()
