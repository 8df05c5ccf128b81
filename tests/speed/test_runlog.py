"""The time estimate printed before a Gatys run."""

import json
from pathlib import Path

from nst_helpers.speed import runlog


def test_the_printed_cpu_estimate_agrees_with_the_benchmarks_runs(monkeypatch):
    """A student is told how long the defaults take: within 20 % of the measured 256 px runs."""
    from nst_helpers.images import load_image

    monkeypatch.setattr(runlog, "has_gpu", lambda: False)
    results = Path(__file__).resolve().parents[2] / "benchmarks" / "results.json"
    pairs = json.loads(results.read_text())["gatys"]["256"]["pairs"]
    for pair, runs in pairs.items():
        run = runs["package_float32"]  # this CPU has no native bfloat16: the defaults' own run
        _, height, width, _ = load_image(pair.split("+")[0], max_dim=256).shape
        estimate = runlog.estimate_seconds(height, width, run["steps"], run["bfloat16_steps"])
        assert 0.8 < estimate / run["seconds"] < 1.2, (pair, estimate, run["seconds"])
