"""The TensorFlow tutorial's Gatys loop, as a plain process: the benchmark's reference.

A ``tf.Variable`` image, ``tf.keras.optimizers.Adam(learning_rate=0.02, beta_1=0.99,
epsilon=0.1)``, a ``@tf.function`` train step with ``tf.GradientTape``, pixels clipped to
``[0, 1]`` after each step, a fixed number of steps from the content image. The objective
(backbone, layers, loss convention, weights) is the package's, so both sides of the benchmark
minimise the same function, and :func:`tutorial_loop` takes the content and style as tensors: the
benchmark hands it the very tensors the package optimises with (``benchmarks/inputs.py``).

Prints one JSON line: steps, seconds of optimisation, and the final loss per component.

    python benchmarks/reference_tutorial.py --backbone vgg16-hed --max-dim 256 --steps 1000
"""

from __future__ import annotations

import argparse
import json
import time

import tensorflow as tf
from inputs import load_pair

from nst_helpers.images import save_image
from nst_helpers.losses import style_content_loss
from nst_helpers.models import StyleContentModel, load_backbone


def objective_parser() -> argparse.ArgumentParser:
    """Arguments naming the benchmark's objective (shared with ``package_until.py``)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--backbone", default="vgg16-hed")
    parser.add_argument("--content", default="tuebingen")
    parser.add_argument("--style", default="starry_night")
    parser.add_argument("--max-dim", type=int, default=256)
    parser.add_argument("--content-weight", type=float, default=1e4)
    parser.add_argument("--style-weight", type=float, default=1.0)
    parser.add_argument("--tv-weight", type=float, default=0.05)
    parser.add_argument("-o", "--output")
    return parser


def tutorial_loop(
    content: tf.Tensor,
    style: tf.Tensor,
    steps: int,
    weights: tuple[float, float, float],
    backbone: str = "vgg16-hed",
) -> tuple[tf.Tensor, dict[str, float], float]:
    """The tutorial's loop on given tensors: ``steps`` Adam steps from ``content``.

    Args:
        content: The content picture, ``[1, H, W, 3]`` in ``[0, 1]``, as the package loads it.
        style: The style picture, likewise.
        steps: Adam steps.
        weights: ``content_weight``, ``style_weight``, ``total_variation_weight``.
        backbone: The package's backbone name.

    Returns:
        The final picture, its loss per component, and the seconds the steps took.
    """
    extractor = StyleContentModel(load_backbone(backbone, verbose=False))
    targets = {"content": extractor(content)["content"], "style": extractor(style)["style"]}

    def losses_of(image):
        return style_content_loss(extractor(image), targets, image, *weights)

    image = tf.Variable(content)
    opt = tf.keras.optimizers.Adam(learning_rate=0.02, beta_1=0.99, epsilon=1e-1)

    @tf.function
    def train_step(image):
        with tf.GradientTape() as tape:
            loss = losses_of(image)["total"]
        grad = tape.gradient(loss, image)
        opt.apply_gradients([(grad, image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))

    start = time.perf_counter()
    for _ in range(steps):
        train_step(image)
    final = {name: float(value) for name, value in losses_of(image).items()}
    return tf.convert_to_tensor(image), final, time.perf_counter() - start


def main() -> None:
    """Run the tutorial's loop and print its result as JSON."""
    parser = objective_parser()
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args()

    content, style = load_pair(args.content, args.style, args.max_dim)
    weights = (args.content_weight, args.style_weight, args.tv_weight)
    image, final, seconds = tutorial_loop(content, style, args.steps, weights, args.backbone)
    if args.output:
        save_image(image, args.output)
    print(json.dumps({"steps": args.steps, "seconds": seconds, "losses": final}))


if __name__ == "__main__":
    main()
