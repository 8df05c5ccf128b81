"""A stopping rule on the improvement per second, tried on recorded runs of the defaults.

The issue of when to stop a Gatys run: a fixed step count (the defaults' 290) or a rule that
stops once the loss improves too slowly for the time spent. This script replays the rule on the
loss histories of long runs of the defaults (``photo`` entries of ``ideas_256.json``, 256 px,
float32) without running anything: for each threshold, the step where the rule would stop, the
loss there against the reference's final loss and the time against the reference's time.

The rule: stop at the first step ``t`` where the best loss fell by less than ``threshold`` of
itself per second over the last :data:`WINDOW` steps. A step's seconds are the defaults' own
(their 290-step run in ``results.json`` ÷ 290, on the same quiet CPU as the reference), so the
time ratio is that of a run stopped there.

    python benchmarks/stopping_rule.py
"""

from __future__ import annotations

import json
from itertools import accumulate
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Steps over which the improvement is measured (the package's own rule uses 25 too).
WINDOW = 25
#: Fractions of the loss per second below which the rule stops.
THRESHOLDS = (4e-3, 2e-3, 1e-3, 5e-4)


def longest_runs(ideas: dict) -> dict[str, list[float]]:
    """The longest recorded history of the defaults (``photo``) per pair."""
    runs: dict[str, list[float]] = {}
    for key, entry in ideas.items():
        idea, pair, _ = key.split("/")
        if idea == "photo" and len(entry["history"]) > len(runs.get(pair, [])):
            runs[pair] = entry["history"]
    return runs


def stopping_step(history: list[float], step_seconds: float, threshold: float) -> int | None:
    """The step the rule stops at, or ``None`` if it does not within the history."""
    best = list(accumulate(history, min))  # the best loss so far, at each step
    for t in range(WINDOW, len(history)):
        rate = (best[t - WINDOW] - best[t]) / best[t] / (WINDOW * step_seconds)
        if rate < threshold:
            return t
    return None


def main() -> None:
    """Print, per threshold and pair, where the rule stops and how that compares."""
    ideas = json.loads((HERE / "ideas_256.json").read_text())
    pairs = json.loads((HERE / "results.json").read_text())["gatys"]["256"]["pairs"]
    runs = longest_runs(ideas)
    for threshold in THRESHOLDS:
        print(f"stop below {threshold:.0e} of the loss per second over {WINDOW} steps:")
        for pair, history in runs.items():
            reference = pairs[pair]["reference"]
            step_seconds = pairs[pair]["package"]["seconds"] / pairs[pair]["package"]["steps"]
            step = stopping_step(history, step_seconds, threshold)
            if step is None:
                print(f"  {pair}: not within its {len(history)} recorded steps")
                continue
            loss_ratio = min(history[: step + 1]) / reference["losses"]["total"]
            time_ratio = (step + 1) * step_seconds / reference["seconds"]
            print(f"  {pair}: step {step + 1}, time {time_ratio:.2f}, loss {loss_ratio:.2f}")


if __name__ == "__main__":
    main()
