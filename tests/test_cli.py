import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


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
    from nst_helpers.config import mixed_precision_default

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
