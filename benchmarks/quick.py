"""``run_benchmarks.py --quick``: checks of the speed claims that take minutes, on any machine.

Run it where you want to know (a Colab T4, a laptop): it prints

1. how one L-BFGS step's time splits between the network (forward and backward pass) and the
   solver (``benchmarks/solver_share.py``), at 256 and 512 px;
2. Adam's and L-BFGS's time to the same loss on one small pair: the TF tutorial's Adam
   (``reference_tutorial.tutorial_loop``) for a fixed number of steps sets the loss, then the
   package's default L-BFGS runs until it reaches that loss. Both get the same tensors
   (``inputs.prepare_pair``); both times include compiling the step.

It writes nothing. The figures are this machine's, with whatever else it was running.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from inputs import load_pair, prepare_pair
from reference_tutorial import tutorial_loop
from solver_share import shares, step_split

from nst_helpers.config import device_summary
from nst_helpers.gatys import stylize

#: The objective of the benchmark (vgg16-hed): content, style and total-variation weights.
WEIGHTS = (1e4, 1.0, 0.05)
SPLIT_SIZES = (256, 512)
RACE_SIZE, ADAM_STEPS, LBFGS_MOST_STEPS = 128, 200, 400


def print_split(size: int) -> None:
    """One line per solver: its time and share of a step at ``size``, beside the network's."""
    split = step_split(size, repeats=3)
    for name, share in shares(split).items():
        print(
            f"{size} px ({split['pixels']}): network {split['network'] * 1000:.0f} ms a step; "
            f"{name} solver {split[name] * 1000:.1f} ms, {share:.1%} of a step"
        )


def race(content: str = "tuebingen", style: str = "starry_night") -> None:
    """Adam's loss after :data:`ADAM_STEPS` steps, and L-BFGS's time to reach it."""
    with tempfile.TemporaryDirectory() as folder:
        paths = prepare_pair(content, style, RACE_SIZE, Path(folder))
        content_image, style_image = load_pair(*paths, RACE_SIZE)
    _, adam_losses, adam_seconds = tutorial_loop(content_image, style_image, ADAM_STEPS, WEIGHTS)
    target = adam_losses["total"]
    result = stylize(
        content_image,
        style_image,
        backbone="vgg16-hed",
        max_dim=RACE_SIZE,
        steps=LBFGS_MOST_STEPS,
        content_weight=WEIGHTS[0],
        style_weight=WEIGHTS[1],
        total_variation_weight=WEIGHTS[2],
        tolerance=0.0,
        progress=False,
        mixed_precision=False,
        callback=lambda step, losses, image: losses["total"] > target,
    )
    reached = result.final_losses["total"] <= target
    print(
        f"{RACE_SIZE} px {content} + {style}: Adam (the tutorial's) {ADAM_STEPS} steps to loss "
        f"{target:.0f} in {adam_seconds:.1f} s"
    )
    print(
        f"L-BFGS (the package's) {'reached it' if reached else 'did not reach it'} in "
        f"{result.steps} steps, {result.elapsed:.1f} s: {result.elapsed / adam_seconds:.2f}× "
        "Adam's time"
    )


def main() -> None:
    """Print the step split and the race."""
    print(device_summary())
    for size in SPLIT_SIZES:
        print_split(size)
    race()
