"""A video through the fast path: tiny generated clips (64×48, 10 frames), the offline networks."""

import os
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from sample_videos import make_clip

from nst_helpers import magenta
from nst_helpers.errors import NSTError
from nst_helpers.streams.video import probe_video, read_frames, stylize_video


@pytest.fixture(scope="module")
def onnx():
    return magenta.OnnxStylizer()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clip") / "clip.mp4")


def run_cli(*args, cwd):
    env = {**os.environ, "NST_OFFLINE": "1"}
    command = [sys.executable, "-m", "nst_helpers", *map(str, args)]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_output_keeps_frame_count_rate_size_and_sound(onnx, clip, tmp_path):
    out = tmp_path / "out.mp4"
    report = stylize_video(clip, "starry_night", out, stylizer=onnx, progress=False)
    info = probe_video(out)
    assert (info.width, info.height, info.fps, info.frames) == (64, 48, Fraction(10), 10)
    assert info.has_audio and report.audio and report.frames == 10
    source, styled = np.stack(list(read_frames(clip))), np.stack(list(read_frames(out)))
    assert np.abs(source.astype(int) - styled).mean() > 20  # the frames were stylised
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]  # no temporary file left


def test_a_clip_without_sound_gives_one_without_sound_and_webm_works(onnx, tmp_path):
    silent = make_clip(tmp_path / "silent.mp4", frames=4, audio=False)
    stylize_video(silent, "great_wave", tmp_path / "out.webm", stylizer=onnx, progress=False)
    info = probe_video(tmp_path / "out.webm")
    assert not info.has_audio and len(list(read_frames(tmp_path / "out.webm"))) == 4


def test_a_clip_cut_short_is_refused_and_nothing_is_written(onnx, clip, tmp_path):
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # the header stays, half the frames go
    with pytest.raises(NSTError, match="truncated or damaged: it ended after"):
        stylize_video(cut, "starry_night", tmp_path / "out.mp4", stylizer=onnx, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.mp4"]


def test_an_interrupted_run_leaves_no_file_and_keeps_the_old_one(onnx, clip, tmp_path):
    class StopsAtFrameFive(magenta.OnnxStylizer):
        calls = 0

        def transform(self, content_image, bottleneck):
            self.calls += 1
            if self.calls == 5:
                raise KeyboardInterrupt
            return super().transform(content_image, bottleneck)

    out = tmp_path / "out.mp4"
    out.write_bytes(b"the old video")
    with pytest.raises(KeyboardInterrupt):
        stylize_video(clip, "starry_night", out, stylizer=StopsAtFrameFive(), force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]
    assert out.read_bytes() == b"the old video"


@pytest.mark.parametrize(
    ("make_input", "args", "message"),
    [
        (lambda p: p.write_bytes(b"\x00\x00\x00\x18ftypmp42 not a video"), [], "FFmpeg can read"),
        (lambda p: None, [], "video file not found"),
        (lambda p: make_clip(p, frames=3), ["--method", "gatys"], "refused for a video"),
        (lambda p: make_clip(p, frames=3), ["--recursive"], "--recursive applies"),
        (lambda p: make_clip(p, frames=3), ["--steps", "3"], "--steps applies"),
    ],
)
def test_bad_video_runs_are_one_error_line_with_status_2(tmp_path, make_input, args, message):
    make_input(tmp_path / "in.mp4")
    before = sorted(p.name for p in tmp_path.iterdir())
    done = run_cli("in.mp4", "starry_night", "-o", "out.mp4", *args, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_cli_refuses_an_existing_output_or_an_unknown_suffix(clip, tmp_path):
    (tmp_path / "out.mp4").write_bytes(b"keep")
    done = run_cli(clip, "starry_night", "-o", "out.mp4", cwd=tmp_path)
    assert done.returncode == 2 and "--force" in done.stderr
    done = run_cli(clip, "starry_night", "-o", "out.gif", cwd=tmp_path)
    assert done.returncode == 2 and ".mp4" in done.stderr
    assert (tmp_path / "out.mp4").read_bytes() == b"keep"


def test_cli_stylises_a_clip(clip, tmp_path):
    done = run_cli(clip, "starry_night", "-o", "styled.mov", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Saved styled.mov (10 frames" in done.stdout and "audio kept" in done.stdout
    assert "10/10 frames (100%)" in done.stderr  # plain progress lines when not on a terminal
    assert probe_video(tmp_path / "styled.mov").frames == 10
