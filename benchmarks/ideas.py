"""Ideas for reaching the reference's loss sooner, each measured on the benchmark's pairs.

One run of the package's Gatys loop (L-BFGS, float32, the benchmark's objective) at ``--max-dim``
on a pair's prepared PNGs (``benchmarks/inputs.py``), changed in one way:

* ``photo`` — nothing changed: the defaults, from the content photo;
* ``coarse`` — first ``--coarse-steps`` steps at half the size, their picture enlarged (bicubic)
  as the start (coarse-to-fine);
* ``coarse-detail`` — the same, but only the half-size run's *change* is enlarged and added to
  the full-size photo, which keeps the photo's fine detail;
* ``fast-path`` — the offline fast path's stylised picture as the start;
* ``memory-100`` — 100 curvature pairs instead of 30;
* ``textbook`` — neither the per-region step scale nor the smoothed initial step;
* ``colour`` — the initial step also multiplied by ``(C Cᵀ)^½`` (trace 3), ``C`` the square root
  of natural images' colour correlation (decorrelated colour, Mordvintsev et al., 2018);
* ``pyramid`` — the initial step of a Laplacian-pyramid parameterisation instead of the smoothing:
  the picture as the sum of levels at 1, 2, 4, … 32 pixels, each level's values the solver's
  variables, amounts (but for the bounds) to L-BFGS on the picture with the initial step
  ``Σ_k P_k P_kᵀ``, ``P_k`` spreading a level-``k`` value over its ``2^k × 2^k`` block
  (Mordvintsev et al., 2018); here with the per-region scale, as the smoothing has it;
  ``pyramid-flat`` the same with every level weighted ``LBFGS_SMOOTHING_GAIN``, not ``4^k`` (an
  optimiser that normalises each variable's step, as Adam does, flattens the weights so);
* ``gain-4`` / ``range-30`` — ``LBFGS_SMOOTHING_GAIN`` 4 (not 2) / ``LBFGS_SCALE_RANGE`` 30 (not
  10);
* ``xla-loss`` — the loss and gradient compiled by XLA (for the time of a step).

Appends one entry, the loss history and the seconds since the start of each step, to
``--output`` (a JSON object keyed ``idea/pair/steps``). The table of ideas in ``benchmarks/README.md`` comes from such runs:

    python benchmarks/ideas.py --idea coarse --pair tuebingen+starry_night --steps 200
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

STARTED = time.perf_counter()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from inputs import prepare_pair  # noqa: E402

from nst_helpers.gatys import GatysStylizer, get_stylizer  # noqa: E402
from nst_helpers.images import load_image  # noqa: E402
from nst_helpers.options import StylizeOptions  # noqa: E402
from nst_helpers.speed import curvature_tf as lbfgs_tf  # noqa: E402
from nst_helpers.speed import lbfgs  # noqa: E402
from nst_helpers.speed.runlog import RunLog  # noqa: E402

HERE = Path(__file__).resolve().parent
WEIGHTS = {"content_weight": 1e4, "style_weight": 1.0, "total_variation_weight": 0.05}
IDEAS = ("photo", "coarse", "coarse-detail", "fast-path", "memory-100", "textbook", "colour",
         "gain-4", "range-30", "pyramid", "pyramid-flat", "xla-loss")  # fmt: skip
#: The square root of natural images' RGB correlation (Olah et al., "Feature Visualization").
COLOUR_CORRELATION = np.array([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])


#: The pyramid's coarsest level holds blocks of 2**5 = 32 pixels.
PYRAMID_LEVELS = 5


def pyramid_level(values: tf.Tensor, block: int) -> tf.Tensor:
    """The mean of each ``block × block`` square (zeros beyond the edges), spread back over it."""
    height, width = values.shape[1], values.shape[2]
    padding = [[0, 0], [0, -height % block], [0, -width % block], [0, 0]]
    means = tf.nn.avg_pool2d(tf.pad(values, padding), block, block, "VALID")
    spread = tf.repeat(tf.repeat(means, block, axis=1), block, axis=2)
    return spread[:, :height, :width]


def run_lbfgs(stylizer: GatysStylizer, content, style, start, steps: int, pairs=None):
    """``steps`` L-BFGS steps from ``start`` (float32, no early stop); the run's books."""
    targets = stylizer.targets(content, style)
    options = StylizeOptions(
        steps=steps, tolerance=0.0, num_snapshots=0, progress=False, mixed_precision=False
    )
    run = RunLog.start(options, shape=start.shape)

    def loss_and_gradient(x, precision):
        losses, gradient = stylizer.loss(x, targets, WEIGHTS, precision == "bfloat16")
        return (losses["total"], gradient) if run.log(losses, x, precision) else None

    lbfgs.minimize(loss_and_gradient, start, run.pairs if pairs is None else pairs, run.schedule)
    return run


def change_the_solver(idea: str, stylizer: GatysStylizer, shape) -> lbfgs_tf.TensorCurvaturePairs:
    """Set the solver up for ``idea``; the curvature pairs to run with."""
    size = int(np.prod(shape))
    if idea == "gain-4":
        lbfgs_tf.LBFGS_SMOOTHING_GAIN = 4.0  # read when the initial step is first compiled
    if idea == "range-30":
        lbfgs_tf.LBFGS_SCALE_RANGE = 30.0
    if idea == "colour":
        values, vectors = np.linalg.eigh(COLOUR_CORRELATION @ COLOUR_CORRELATION.T)
        root = vectors @ np.diag(np.sqrt(values)) @ vectors.T
        mixing = tf.constant(3 * root / np.trace(root), tf.float32)
        plain_initial_step = lbfgs_tf.TensorCurvaturePairs.initial_step

        def initial_step(self, gradient):
            return plain_initial_step(self, tf.einsum("bhwc,dc->bhwd", gradient, mixing))

        lbfgs_tf.TensorCurvaturePairs.initial_step = initial_step
    if idea in ("pyramid", "pyramid-flat"):

        def initial_step(self, gradient):
            scale = self.scale()
            root = tf.sqrt(scale)
            spread = root * gradient
            step = scale * gradient
            for k in range(1, PYRAMID_LEVELS + 1):  # P_k P_kᵀ: a block's sum, spread over it
                gain = 4.0**k if idea == "pyramid" else lbfgs_tf.LBFGS_SMOOTHING_GAIN
                step += root * pyramid_level(spread, 2**k) * gain
            return step

        lbfgs_tf.TensorCurvaturePairs.initial_step = initial_step
    if idea == "xla-loss":
        compiled = stylizer.compiled_loss
        compiled._compiled = tf.function(compiled._traced, jit_compile=True)
    memory = 100 if idea == "memory-100" else lbfgs_tf.lbfgs_memory(size)
    textbook = idea == "textbook"
    return lbfgs_tf.TensorCurvaturePairs(memory, shape, per_region=not textbook, smoothing=not textbook)  # fmt: skip


def start_picture(idea, stylizer, paths, content, style, coarse_steps):
    """The picture the full-size run starts from, and the half-size run's loss history."""
    if idea == "fast-path":
        from nst_helpers.magenta import OnnxStylizer

        return tf.image.resize(OnnxStylizer()(content, style), content.shape[1:3]), []
    if idea not in ("coarse", "coarse-detail"):
        return tf.identity(content), []
    half = max(content.shape[1:3]) // 2
    small_content, small_style = (load_image(path, max_dim=half) for path in paths)
    small = run_lbfgs(stylizer, small_content, small_style, small_content, coarse_steps)
    if idea == "coarse":
        picture = tf.image.resize(small.best_image, content.shape[1:3], method="bicubic")
    else:
        change = small.best_image - small_content
        picture = content + tf.image.resize(change, content.shape[1:3], method="bicubic")
    return tf.clip_by_value(picture, 0.0, 1.0), small.history["total"]


def main() -> None:
    """Run one idea on one pair and append its entry to ``--output``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idea", choices=IDEAS, required=True)
    parser.add_argument("--pair", default="tuebingen+starry_night", help="content+style")
    parser.add_argument("--max-dim", type=int, default=256)
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--coarse-steps", type=int, default=100)
    parser.add_argument("--output", type=Path, default=HERE / "ideas_256.json")
    args = parser.parse_args()

    paths = prepare_pair(*args.pair.split("+"), args.max_dim, HERE / "inputs")
    content, style = (load_image(path, max_dim=args.max_dim) for path in paths)
    stylizer = get_stylizer("vgg16-hed")
    pairs = change_the_solver(args.idea, stylizer, content.shape)
    loaded = time.perf_counter()
    start, half_size = start_picture(args.idea, stylizer, paths, content, style, args.coarse_steps)
    head_start = time.perf_counter() - loaded
    run = run_lbfgs(stylizer, content, style, start, args.steps, pairs)

    entry = {
        "steps": args.steps,
        "start_up_seconds": loaded - STARTED,
        "head_start_seconds": head_start,
        "half_size_history": half_size,
        "history": run.history["total"],
        "seconds": [head_start + t for t in run.times],
        "best": {name: values[run.best_step] for name, values in run.history.items()},
    }
    found = json.loads(args.output.read_text()) if args.output.exists() else {}
    found[f"{args.idea}/{args.pair}/{args.steps}"] = entry
    args.output.write_text(json.dumps(found, indent=1))
    print(args.idea, args.pair, {k: round(v) for k, v in entry["best"].items()})


if __name__ == "__main__":
    main()
