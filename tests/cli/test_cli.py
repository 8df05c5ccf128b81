import errno
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args, cwd):
    env = {**os.environ, "NST_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "nst_helpers", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_fast_method_end_to_end_on_bundled_images(tmp_path):
    done = run_cli("tuebingen", "starry_night", "-o", "out.png", "--max-dim", "128", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "onnx" in done.stdout and "Saved out.png" in done.stdout
    image = np.asarray(Image.open(tmp_path / "out.png"))
    assert image.shape == (96, 128, 3) and image.std() > 10


def test_gatys_method_with_the_seed_spelling(tmp_path):
    done = run_cli(
        "-c",
        "cat",
        "-s",
        "great_wave",
        "-o",
        "g.jpg",
        "--method",
        "gatys",
        "--max-dim",
        "64",
        "--steps",
        "5",
        "--optimizer",
        "adam",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "vgg16-hed" in done.stdout and "not VGG19" in done.stdout
    assert Image.open(tmp_path / "g.jpg").size == (64, 43)


def test_no_arguments_stylises_tuebingen_by_both_methods(tmp_path):
    from nst_helpers.speed.precision import mixed_precision_default

    done = run_cli("--max-dim", "64", "--steps", "4", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (tmp_path / "outputs").iterdir())
    assert names == ["tuebingen_starry_night_fast.png", "tuebingen_starry_night_gatys.png"]
    mixed = "Final loss after 4 lbfgs steps (the first 2 in bfloat16): total"
    assert (mixed in done.stdout) == mixed_precision_default()


def test_float32_flag_runs_every_gatys_step_in_float32(tmp_path):
    args = ("cat", "great_wave", "-o", "g.png", "--method", "gatys", "--max-dim", "64")
    done = run_cli(*args, "--steps", "4", "--float32", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Final loss after 4 lbfgs steps: total" in done.stdout
    assert "bfloat16" not in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jpg", "starry_night", "-o", "o.png"], "not found"),
        (["tuebingen", "nope", "-o", "o.png"], "no bundled image named 'nope'"),
        (["tuebingen", "starry_night", "-o", "o.txt"], "ending in"),
        (["tuebingen", "starry_night"], "-o OUT"),
        (["tuebingen", "starry_night", "-o", "o.png", "--strength", "nan"], "strength"),
        (["tuebingen", "starry_night", "-o", "o.png", "--max-dim", "abc"], "max-dim"),
        (["tuebingen", "starry_night", "-o", "o.png", "--method", "slow"], "method"),
        (["tuebingen", "starry_night", "-o", "o.png", "--style-weight", "-3"], "style-weight"),
    ],
)
def test_bad_input_is_one_error_line_with_status_2(tmp_path, args, message):
    done = run_cli(*args, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_refuses_to_overwrite_inputs_or_existing_outputs(tmp_path):
    photo = tmp_path / "photo.png"
    Image.fromarray(np.full((64, 64, 3), 120, np.uint8)).save(photo)
    before = photo.read_bytes()
    done = run_cli(str(photo), "starry_night", "-o", str(photo), "--force", cwd=tmp_path)
    assert done.returncode == 2 and "input image" in done.stderr
    done = run_cli("cat", "starry_night", "-o", "photo.png", cwd=tmp_path)
    assert done.returncode == 2 and "--force" in done.stderr
    assert photo.read_bytes() == before


# --- in-process: method flags, help, and the machine's failures ----------------------------------


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--method", "fast", "--steps", "5"], "--steps"),
        (["--method", "fast", "--optimizer", "adam"], "--optimizer"),
        (["--method", "fast", "--content-weight", "1"], "--content-weight"),
        (["--method", "fast", "--style-weight", "1"], "--style-weight"),
        (["--method", "fast", "--tv-weight", "1"], "--tv-weight"),
        (["--method", "fast", "--backbone", "vgg19"], "--backbone"),
        (["--method", "fast", "--float32"], "--float32"),
        (["--method", "gatys", "--strength", "0.5"], "--strength"),
        (["--steps", "5"], "--steps"),  # one picture without --method: fast
    ],
)
def test_flags_the_method_does_not_use_are_refused(tmp_path, capsys, args, flag):
    from nst_helpers.cli import main as cli

    status = cli.main(["cat", "starry_night", "-o", str(tmp_path / "o.png"), *args])
    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(lines) == 1
    assert lines[0].startswith(f"error: {flag} applies to the ") and "--method" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_the_default_run_refuses_flags_only_for_an_explicit_method():
    from nst_helpers.cli import main as cli

    parser = cli.build_parser()
    jobs = cli._plan(parser.parse_args(["--steps", "4", "--strength", "0.5"]))
    assert [job.method for job in jobs] == list(cli.METHODS)  # each flag is used by one method
    jobs = cli._plan(parser.parse_args(["--method", "gatys", "--steps", "4"]))
    assert [job.method for job in jobs] == ["gatys"]
    with pytest.raises(cli.NSTError, match="--strength applies to the fast method"):
        cli._plan(parser.parse_args(["--method", "gatys", "--strength", "0.5"]))


def test_help_lists_choices_from_the_constants_and_the_exit_statuses(capsys):
    from nst_helpers.cli import main as cli
    from nst_helpers.options import BACKBONES, OPTIMIZERS

    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"{BACKBONES[0]}, {BACKBONES[1]} or {BACKBONES[2]}" in text
    assert " or ".join(OPTIMIZERS) in text and " or ".join(cli.METHODS) in text
    for status in ("0 every picture", "1 the machine failed", "2 bad input", "130 interrupted"):
        assert status in text
    for status in ("* 1 —", "* 2 —", "* 130 —"):
        assert status in cli.__doc__


class FakeStylizer:
    name = "fake"

    def __init__(self, error=None):
        self.error = error

    def __call__(self, content, style, strength=1.0):
        if self.error is not None:
            raise self.error
        return content


@pytest.fixture
def fake_fast(monkeypatch):
    """Replace the fast stylizer; returns a setter for the error it raises."""
    from nst_helpers import magenta

    stylizer = FakeStylizer()
    monkeypatch.setattr(magenta, "load_stylizer", lambda *a, **k: stylizer)
    return stylizer


def run_main(tmp_path, capsys, *extra, output="out.png"):
    from nst_helpers.cli import main as cli

    status = cli.main(
        ["cat", "starry_night", "-o", str(tmp_path / output), "--max-dim", "64", *extra]
    )
    captured = capsys.readouterr()
    return status, captured.err.strip().splitlines()


def test_fake_fast_run_saves_with_status_0(tmp_path, capsys, fake_fast):
    status, err = run_main(tmp_path, capsys)
    assert status == 0 and err == []
    assert Image.open(tmp_path / "out.png").size == (64, 43)


def existing_output(tmp_path):
    out = tmp_path / "out.png"
    Image.fromarray(np.full((40, 40, 3), 7, np.uint8)).save(out)
    return out, out.read_bytes()


def half_written_save(error):
    def save(self, handle, *args, **kwargs):
        handle.write(b"\x89PNG half")
        raise error

    return save


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "is full; free some space"),
        (PermissionError(errno.EACCES, "Permission denied"), "no permission to write in"),
        (OSError(errno.EROFS, "Read-only file system"), "no permission to write in"),
    ],
)
def test_a_failed_save_is_status_1_and_keeps_the_old_file(
    tmp_path, capsys, monkeypatch, fake_fast, error, words
):
    out, before = existing_output(tmp_path)
    monkeypatch.setattr(Image.Image, "save", half_written_save(error))
    status, err = run_main(tmp_path, capsys, "--force")
    assert status == 1 and len(err) == 1
    assert err[0].startswith(f"error: could not write {out}: ") and words in err[0]
    assert "nothing was written" not in err[0]
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]  # no half-written temporary


def test_a_folder_that_cannot_be_written_is_status_1(tmp_path, capsys, monkeypatch, fake_fast):
    from nst_helpers import images

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    monkeypatch.setattr(images.tempfile, "mkstemp", refuse)
    status, err = run_main(tmp_path, capsys)
    assert status == 1 and len(err) == 1 and "no permission to write in" in err[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["MemoryError", "ResourceExhaustedError"])
def test_out_of_memory_is_status_1_with_a_smaller_max_dim(tmp_path, capsys, fake_fast, kind):
    import tensorflow as tf

    fake_fast.error = (
        MemoryError()
        if kind == "MemoryError"
        else tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")
    )
    out, before = existing_output(tmp_path)
    status, err = run_main(tmp_path, capsys, "--force")
    assert status == 1 and len(err) == 1
    assert err[0].startswith("error: out of memory making ") and "at max_dim 64" in err[0]
    assert "--max-dim" in err[0] and "Traceback" not in err[0]
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_ctrl_c_is_status_130_in_one_line(tmp_path, capsys, fake_fast):
    fake_fast.error = KeyboardInterrupt()
    out, before = existing_output(tmp_path)
    status, err = run_main(tmp_path, capsys, "--force")
    assert status == 130
    assert err == ["error: interrupted (Ctrl-C); nothing was written"]
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["out.png"]


@pytest.mark.parametrize("error", [KeyboardInterrupt(), MemoryError()])
def test_a_failure_after_a_save_names_the_saved_file(
    tmp_path, capsys, monkeypatch, fake_fast, error
):
    from nst_helpers import gatys
    from nst_helpers.cli import main as cli

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(gatys, "stylize", fail)
    monkeypatch.chdir(tmp_path)
    status = cli.main(["--max-dim", "64"])  # the default run: fast, then gatys
    err = capsys.readouterr().err.strip().splitlines()
    assert status == (130 if isinstance(error, KeyboardInterrupt) else 1) and len(err) == 1
    assert err[0].endswith("; already saved: outputs/tuebingen_starry_night_fast.png")
    assert "nothing was written" not in err[0]
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir()) == [
        "tuebingen_starry_night_fast.png"
    ]
