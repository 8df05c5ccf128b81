"""The package's Gatys loop, run until it reaches a given total loss: time to the reference's loss.

Everything is the package's default (L-BFGS, start from the content image, the default step
count and with it the same mixed-precision schedule) except the stopping rule: the run stops at
the first float32 step whose total loss is at or below ``--target``. Steps that may run in
bfloat16 never stop it (their losses are bfloat16 ones).

Prints one JSON line: steps, seconds of optimisation, and the loss per component at that step.

    python benchmarks/package_until.py --target 2587 --max-dim 256
"""

from __future__ import annotations

import json

from inputs import load_pair
from reference_tutorial import objective_parser

from nst_helpers.gatys import stylize
from nst_helpers.images import save_image
from nst_helpers.options import gatys_defaults
from nst_helpers.speed.lbfgs import MIXED_FRACTION
from nst_helpers.speed.precision import mixed_precision_default


def main() -> None:
    """Run the package's loop until the target loss and print the result as JSON."""
    parser = objective_parser()
    parser.add_argument("--target", type=float, required=True)
    parser.add_argument("--steps", type=int, default=gatys_defaults()["steps"])
    args = parser.parse_args()
    # at most this many steps run in bfloat16; from here on every step is a float32 one
    float32_from = int(args.steps * MIXED_FRACTION) if mixed_precision_default() else 0

    content, style = load_pair(args.content, args.style, args.max_dim)  # the reference's tensors
    result = stylize(
        content,
        style,
        backbone=args.backbone,
        max_dim=args.max_dim,
        steps=args.steps,
        content_weight=args.content_weight,
        style_weight=args.style_weight,
        total_variation_weight=args.tv_weight,
        tolerance=0.0,
        progress=False,
        callback=lambda step, losses, image: step < float32_from or losses["total"] > args.target,
    )
    if args.output:
        save_image(result.image, args.output)
    print(
        json.dumps(
            {
                "steps": result.steps,
                "bfloat16_steps": result.bfloat16_steps,
                "seconds": result.elapsed,
                "reached": result.final_losses["total"] <= args.target,
                "losses": result.final_losses,
            }
        )
    )


if __name__ == "__main__":
    main()
