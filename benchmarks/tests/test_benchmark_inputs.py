"""The benchmark's fair comparison: both programs start from the very same pixels."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCHMARKS))

import inputs  # noqa: E402
import package_until  # noqa: E402
import reference_tutorial  # noqa: E402

from nst_helpers.gatys import stylize  # noqa: E402
from nst_helpers.images import load_image  # noqa: E402

SIZE = 64
OBJECTIVE = {"content_weight": 1e4, "style_weight": 1.0, "total_variation_weight": 0.05}


def test_the_pairs_are_at_least_three_and_one_is_square():
    shapes = [load_image(content).shape for content, _ in inputs.PAIRS]
    assert len(inputs.PAIRS) >= 3 and any(shape[1] == shape[2] for shape in shapes)


@pytest.mark.parametrize("pair", inputs.PAIRS)
def test_prepared_pictures_load_without_a_second_resampling(pair, tmp_path):
    paths = inputs.prepare_pair(*pair, SIZE, tmp_path)
    content, style = inputs.load_pair(*paths, SIZE)
    assert max(content.shape[1:3]) == max(style.shape[1:3]) == SIZE
    assert np.array_equal(content.numpy(), load_image(paths[0]).numpy())  # the file's own pixels
    resized_here = load_image(pair[0], max_dim=SIZE).numpy()
    assert np.abs(content.numpy() - resized_here).max() <= 0.5 / 255 + 1e-6  # 8 bits, no more


def test_both_sides_start_from_the_same_tensors_and_measure_the_same_loss(
    tmp_path, monkeypatch, capsys
):
    assert reference_tutorial.load_pair is package_until.load_pair is inputs.load_pair
    paths = inputs.prepare_pair("astronaut", "the_scream", SIZE, tmp_path)
    start = tmp_path / "reference_start.png"
    arguments = ["--steps", "0", "--max-dim", str(SIZE), "-o", str(start)]
    arguments += ["--content", str(paths[0]), "--style", str(paths[1])]
    monkeypatch.setattr(sys, "argv", ["reference_tutorial.py", *arguments])
    reference_tutorial.main()
    reference = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    seen = []
    result = stylize(
        *paths,
        backbone="vgg16-hed",
        max_dim=SIZE,
        steps=1,
        progress=False,
        mixed_precision=False,
        callback=lambda step, losses, image: seen.append(image.numpy()),
        **OBJECTIVE,
    )
    assert np.array_equal(load_image(start).numpy(), seen[0])  # the package's first picture
    assert result.history["total"][0] == pytest.approx(reference["losses"]["total"], rel=1e-4)


def test_a_reference_run_is_reused_only_on_the_same_pixels_and_steps(tmp_path):
    import run_benchmarks

    paths = inputs.prepare_pair("cat", "great_wave", SIZE, tmp_path)
    fingerprint = run_benchmarks.inputs_fingerprint(paths)
    saved = {"steps": 1000, "seconds": 800.0, "inputs_sha256": fingerprint}
    earlier = {str(SIZE): {"pairs": {"cat+great_wave": {"reference": saved}}}}

    reused = run_benchmarks.earlier_reference(earlier, SIZE, "cat+great_wave", 1000, fingerprint)
    assert reused["seconds"] == 800.0 and reused["reused"] is True
    assert not run_benchmarks.earlier_reference(earlier, SIZE, "cat+great_wave", 500, fingerprint)
    assert not run_benchmarks.earlier_reference(earlier, 128, "cat+great_wave", 1000, fingerprint)
    other = inputs.prepare_pair("cat", "the_scream", SIZE, tmp_path)  # another painting
    changed = run_benchmarks.inputs_fingerprint(other)
    assert not run_benchmarks.earlier_reference(earlier, SIZE, "cat+great_wave", 1000, changed)
