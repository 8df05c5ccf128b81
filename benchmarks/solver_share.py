"""How a Gatys L-BFGS step's time splits between the network and the solver, at a few sizes.

The network's part is one measurement (forward and backward pass) of the package's compiled loss.
The solver's part is everything else a step does with a full memory of curvature pairs: the
direction (two-loop recursion, per-region scale, smoothed initial step), the trial point and the
pair update. Two solvers are timed:

* ``tensorflow`` — :mod:`nst_helpers.speed.curvature_tf`, what the Gatys loop runs: tensors stay on the
  network's device, a few scalars come back;
* ``numpy`` — :mod:`nst_helpers.speed.lbfgs` with the copies a loop around it makes: gradient to the
  host, trial point back to the device.

    python benchmarks/solver_share.py --sizes 256 512 1024 --repeats 3

Prints one line per size and solver, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import tensorflow as tf

from nst_helpers.gatys import get_stylizer
from nst_helpers.images import load_image
from nst_helpers.speed import curvature, lbfgs
from nst_helpers.speed import curvature_tf as lbfgs_tf


def median_seconds(call, repeats: int) -> float:
    """The median wall time of ``call()`` over ``repeats`` calls, after one untimed call."""
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def filled_pairs(shape, rng) -> tuple[curvature.CurvaturePairs, lbfgs_tf.TensorCurvaturePairs]:
    """Both solvers' memories, full (as after the first steps of a run), with the same pairs."""
    size = int(np.prod(shape))
    memory = lbfgs.lbfgs_memory(size)
    numpy_pairs = curvature.CurvaturePairs(memory, shape)
    tensor_pairs = lbfgs_tf.shared_pairs(shape)
    stiffness = np.exp(rng.uniform(-3, 3, shape)).astype(np.float32)
    for _ in range(memory):
        step = 1e-3 * rng.standard_normal(shape).astype(np.float32)
        numpy_pairs.add(step.ravel(), (stiffness * step).ravel())
        tensor_pairs.add(tf.constant(step), tf.constant(stiffness * step))
    return numpy_pairs, tensor_pairs


def step_split(max_dim: int, repeats: int, backbone: str = "vgg16-hed") -> dict:
    """Seconds of one step's network pass and of each solver's work, at ``max_dim``."""
    stylizer = get_stylizer(backbone)
    content = load_image("tuebingen", max_dim=max_dim)
    targets = stylizer.targets(content, load_image("starry_night", max_dim=max_dim))
    weights = stylizer.backbone.default_weights
    _, gradient = stylizer.loss(content, targets, weights)
    numpy_pairs, tensor_pairs = filled_pairs(content.shape, np.random.default_rng(0))

    def network():
        stylizer.loss(content, targets, weights)

    def tensorflow_solver():
        direction, moves = tensor_pairs.direction(content, gradient)
        bool(moves)
        candidate, moved, predicted = tensor_pairs.trial(content, direction, 1.0, gradient)
        float(predicted)
        tensor_pairs.add(moved, 1e-3 * gradient)
        float(tensor_pairs.count)  # wait for the update

    def numpy_solver():
        x, g = content.numpy().ravel(), gradient.numpy().ravel()  # the copies to the host
        direction = curvature.quasi_newton_direction(x, g, numpy_pairs)
        if direction is None:
            direction = curvature.gradient_direction(x, g)
        candidate = np.clip(x + direction, 0.0, 1.0)
        float(np.dot(g, candidate - x))
        numpy_pairs.add(candidate - x, np.float32(1e-3) * g)
        tf.constant(candidate.reshape(content.shape))  # and back

    seconds = {"network": median_seconds(network, repeats)}
    for name, call in (("tensorflow", tensorflow_solver), ("numpy", numpy_solver)):
        seconds[name] = median_seconds(call, repeats)
    height, width = content.shape[1:3]
    return {"pixels": f"{width}x{height}", **seconds}


def shares(split: dict) -> dict:
    """The solver's share of a step, per solver: ``solver / (solver + network)``."""
    return {
        name: split[name] / (split[name] + split["network"]) for name in ("tensorflow", "numpy")
    }


def main() -> None:
    """Time the split at each size and print it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    results = {}
    for size in args.sizes:
        split = step_split(size, args.repeats)
        results[size] = {**split, "share": shares(split)}
        for name, share in results[size]["share"].items():
            print(
                f"{size} px ({split['pixels']}): network {split['network'] * 1000:.0f} ms, "
                f"{name} solver {split[name] * 1000:.1f} ms = {share:.1%} of a step"
            )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
