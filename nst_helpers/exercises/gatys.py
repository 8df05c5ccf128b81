"""Checkers for the exercises of notebook 03, ``03_gatys_style_transfer.ipynb``.

Each checker calls the student's function on images and feature maps it makes itself, tests
invariants with tolerances, prints what is wrong and why in plain words (or one line saying that
every check passed), and returns ``True`` or ``False``.

* :func:`check_total_variation` — ``total_variation(image)`` written by hand;
* :func:`check_style_loss` — ``style_loss(style_outputs, style_targets)`` written by hand;
* :func:`check_deprocess` — ``deprocess(inputs, mean_bgr)``, the inverse of VGG preprocessing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import tensorflow as tf

#: Caffe-style channel means (BGR) of Keras' VGG19; the checkers also try other means.
VGG_MEAN_BGR = (103.939, 116.779, 123.68)


def _report(name: str, problems: list[str]) -> bool:
    """Print the verdict of a checker and return whether it passed."""
    if problems:
        print(f"{name}: {len(problems)} problem(s) found:")
        for problem in problems:
            print(f"  - {problem}")
        return False
    print(f"{name}: all checks passed.")
    return True


def _scalar(value: object, what: str) -> float:
    """Turn a returned tensor, array or number into a float; raise ValueError if it is not one."""
    array = np.asarray(value, dtype=np.float64)
    if array.size != 1:
        raise ValueError(
            f"{what} should be a single number, but it has shape {array.shape}; "
            "sum (or average) over every axis, the batch included"
        )
    return float(array.reshape(()))


def _random_images(rng: np.random.Generator) -> list[tf.Tensor]:
    """Random images ``[1, H, W, 3]`` in ``[0, 1]``, some tall, some wide, sizes drawn at random."""
    images = []
    for tall in (True, False, True):
        short, long = sorted(rng.integers(5, 24, size=2))
        long = long + 3  # never square, so swapped axes show
        height, width = (long, short) if tall else (short, long)
        images.append(tf.constant(rng.uniform(0, 1, (1, height, width, 3)), tf.float32))
    return images


def _reference_tv(image: tf.Tensor) -> float:
    return float(tf.reduce_sum(tf.image.total_variation(image)))


def check_total_variation(total_variation: Callable[[tf.Tensor], tf.Tensor]) -> bool:
    """Check a hand-written total variation against ``tf.image.total_variation``.

    The function should return the sum of absolute differences between vertical and horizontal
    neighbours, over all pixels and channels, as one number.

    Args:
        total_variation: The student's function, ``total_variation(image) -> scalar`` for an
            image ``[1, H, W, 3]``.

    Returns:
        True if every check passes.
    """
    name = "total_variation"
    rng = np.random.default_rng()
    images = _random_images(rng)
    problems: list[str] = []
    try:
        for image in images:
            got = _scalar(total_variation(image), "total_variation(image)")
            want = _reference_tv(image)
            if not np.isclose(got, want, rtol=1e-4, atol=1e-3):
                hint = ""
                vertical = float(tf.reduce_sum(tf.abs(image[:, 1:] - image[:, :-1])))
                horizontal = float(tf.reduce_sum(tf.abs(image[:, :, 1:] - image[:, :, :-1])))
                squared = float(
                    tf.reduce_sum(tf.square(image[:, 1:] - image[:, :-1]))
                    + tf.reduce_sum(tf.square(image[:, :, 1:] - image[:, :, :-1]))
                )
                if np.isclose(got, vertical, rtol=1e-4) or np.isclose(got, horizontal, rtol=1e-4):
                    hint = " It matches one direction only: add the vertical and the horizontal differences."
                elif np.isclose(got, squared, rtol=1e-4):
                    hint = " It matches squared differences: total variation uses absolute values."
                elif got < want:
                    hint = " It is too small: sum the differences, do not average them."
                problems.append(
                    f"for a random {image.shape[1]}×{image.shape[2]} image it gave {got:.6g}, "
                    f"but tf.image.total_variation gives {want:.6g}.{hint}"
                )
                break
        flat = tf.fill([1, 9, 13, 3], float(rng.uniform(0.1, 0.9)))
        got = _scalar(total_variation(flat), "total_variation(image)")
        if abs(got) > 1e-4:
            problems.append(
                f"a constant image should have total variation 0 (no neighbour differs), got {got:.6g}"
            )
        image = images[0] * 0.5
        base = _scalar(total_variation(image), "total_variation(image)")
        shifted = _scalar(total_variation(image + 0.3), "total_variation(image)")
        if not np.isclose(base, shifted, rtol=1e-4, atol=1e-3):
            problems.append(
                f"adding 0.3 to every pixel changed the result from {base:.6g} to {shifted:.6g}; "
                "only differences between neighbours should count, not the brightness"
            )
        doubled = _scalar(total_variation(image * 2.0), "total_variation(image)")
        if not np.isclose(doubled, 2.0 * base, rtol=1e-4, atol=1e-3):
            problems.append(
                f"doubling the image should double the total variation ({2 * base:.6g}), got "
                f"{doubled:.6g}; use absolute differences, not squares"
            )
        for axis, label in ((1, "upside down"), (2, "left to right")):
            flipped = _scalar(total_variation(tf.reverse(image, [axis])), "total_variation(image)")
            if not np.isclose(flipped, base, rtol=1e-4, atol=1e-3):
                problems.append(
                    f"flipping the image {label} changed the result from {base:.6g} to "
                    f"{flipped:.6g}; a flip keeps every pair of neighbours, so it must not change"
                )
    except Exception as exc:  # the student's code may fail in any way
        problems.append(f"calling it raised {type(exc).__name__}: {exc}")
    return _report(name, problems)


def _random_grams(rng: np.random.Generator) -> dict[str, tf.Tensor]:
    """Symmetric random 'Gram matrices' of several sizes, by layer name."""
    grams = {}
    for index, channels in enumerate(rng.choice([3, 4, 6, 8, 12], size=4, replace=False)):
        features = rng.normal(size=(1, 5, int(channels))).astype(np.float32)
        gram = np.einsum("bpc,bpd->bcd", features, features) / 5.0
        grams[f"block{index + 1}_conv1"] = tf.constant(gram)
    return grams


def _reference_style_loss(outputs: Mapping, targets: Mapping) -> float:
    errors = [float(tf.reduce_mean(tf.square(outputs[k] - targets[k]))) for k in targets]
    return float(np.mean(errors))


def check_style_loss(
    style_loss: Callable[[Mapping[str, tf.Tensor], Mapping[str, tf.Tensor]], tf.Tensor],
) -> bool:
    """Check a hand-written style loss: the mean over layers of the mean squared Gram error.

    Args:
        style_loss: The student's function, ``style_loss(style_outputs, style_targets) -> scalar``
            where both arguments map layer names to Gram matrices ``[1, C, C]``.

    Returns:
        True if every check passes.
    """
    name = "style_loss"
    rng = np.random.default_rng()
    outputs = _random_grams(rng)
    targets = {k: v + tf.constant(rng.normal(size=v.shape), tf.float32) for k, v in outputs.items()}
    problems: list[str] = []
    try:
        got = _scalar(style_loss(outputs, targets), "style_loss(...)")
        want = _reference_style_loss(outputs, targets)
        if not np.isclose(got, want, rtol=1e-4, atol=1e-6):
            layers = len(targets)
            summed = sum(float(tf.reduce_sum(tf.square(outputs[k] - targets[k]))) for k in targets)
            hint = ""
            if np.isclose(got, want * layers, rtol=1e-4):
                hint = f" It is {layers}× too large: divide by the number of layers ({layers})."
            elif np.isclose(got, summed, rtol=1e-4) or np.isclose(got, summed / layers, rtol=1e-4):
                hint = " Use tf.reduce_mean of the squared errors in each layer, not tf.reduce_sum."
            problems.append(
                f"for {layers} random layers it gave {got:.6g}; the mean over layers of each "
                f"layer's mean squared error is {want:.6g}.{hint}"
            )
        same = _scalar(style_loss(outputs, outputs), "style_loss(...)")
        if abs(same) > 1e-6:
            problems.append(f"equal Gram matrices should give a loss of 0, got {same:.6g}")
        swapped = _scalar(style_loss(targets, outputs), "style_loss(...)")
        if not np.isclose(swapped, got, rtol=1e-4, atol=1e-6):
            problems.append(
                f"swapping outputs and targets changed the loss from {got:.6g} to {swapped:.6g}; "
                "a squared error is symmetric, so check that you square the difference"
            )
        far = {k: outputs[k] + 2.0 * (targets[k] - outputs[k]) for k in targets}
        doubled = _scalar(style_loss(outputs, far), "style_loss(...)")
        if not np.isclose(doubled, 4.0 * got, rtol=1e-4, atol=1e-6):
            problems.append(
                f"doubling every difference should multiply the loss by 4 ({4 * got:.6g}), got "
                f"{doubled:.6g}; square the differences (not their absolute values)"
            )
        reordered = {k: targets[k] for k in reversed(list(targets))}
        again = _scalar(style_loss(outputs, reordered), "style_loss(...)")
        if not np.isclose(again, got, rtol=1e-4, atol=1e-6):
            problems.append(
                "the result changed when the layers came in another order; pair the output and "
                "the target of each layer by its name, e.g. for name in style_targets"
            )
    except Exception as exc:  # the student's code may fail in any way
        problems.append(f"calling it raised {type(exc).__name__}: {exc}")
    return _report(name, problems)


def _preprocess(image: tf.Tensor, mean_bgr: tuple[float, float, float]) -> tf.Tensor:
    """VGG preprocessing as the notebook writes it: RGB [0, 1] → BGR [0, 255] minus the means."""
    return tf.reverse(image * 255.0, axis=[-1]) - tf.constant(mean_bgr, tf.float32)


def check_deprocess(
    deprocess: Callable[[tf.Tensor, tuple[float, float, float]], tf.Tensor],
) -> bool:
    """Check a hand-written inverse of VGG preprocessing.

    ``deprocess(preprocess(image, mean_bgr), mean_bgr)`` must give ``image`` back, in RGB order,
    clipped to ``[0, 1]``, for any channel means.

    Args:
        deprocess: The student's function, ``deprocess(inputs, mean_bgr) -> image`` where
            ``inputs`` is ``[1, H, W, 3]`` BGR minus ``mean_bgr`` and the result is RGB in
            ``[0, 1]``.

    Returns:
        True if every check passes.
    """
    name = "deprocess"
    rng = np.random.default_rng()
    means = [VGG_MEAN_BGR, tuple(float(m) for m in rng.uniform(60, 160, size=3))]
    problems: list[str] = []
    try:
        for mean in means:
            height, width = (int(n) for n in rng.integers(4, 17, size=2))
            image = tf.constant(rng.uniform(0, 1, (1, height, width, 3)), tf.float32)
            back = np.asarray(deprocess(_preprocess(image, mean), mean), dtype=np.float64)
            if back.shape != tuple(image.shape):
                problems.append(
                    f"the result has shape {back.shape}, but the input image had {tuple(image.shape)}"
                )
                break
            error = float(np.max(np.abs(back - image.numpy())))
            if error > 1e-4:
                mirrored = float(np.max(np.abs(back[..., ::-1] - image.numpy())))
                hint = ""
                if mirrored < 1e-4:
                    hint = " The colours come back in BGR order: reverse the channel axis too."
                elif mean != VGG_MEAN_BGR:
                    hint = " Use the mean_bgr argument, not fixed numbers."
                problems.append(
                    f"with means {tuple(round(m, 2) for m in mean)} the round trip is off by up "
                    f"to {error:.3g} (allowed 1e-4).{hint}"
                )
                break
        red = tf.constant([[[[1.0, 0.0, 0.0]]]]) * tf.ones([1, 4, 4, 3])
        back = np.asarray(deprocess(_preprocess(red, VGG_MEAN_BGR), VGG_MEAN_BGR))
        if back.shape == (1, 4, 4, 3) and not np.allclose(back[0, 0, 0], [1, 0, 0], atol=1e-3):
            problems.append(
                f"a pure red image came back as RGB {np.round(back[0, 0, 0], 3).tolist()}; "
                "the network works in BGR, so deprocessing must turn BGR back into RGB"
            )
        wild = tf.constant(rng.uniform(-400, 400, (1, 6, 6, 3)), tf.float32)
        out = np.asarray(deprocess(wild, VGG_MEAN_BGR))
        if out.min() < 0.0 or out.max() > 1.0:
            problems.append(
                f"for inputs far outside the valid range it returned values from {out.min():.3g} "
                f"to {out.max():.3g}; clip to [0, 1] (tf.clip_by_value) so it is a valid picture"
            )
    except Exception as exc:  # the student's code may fail in any way
        problems.append(f"calling it raised {type(exc).__name__}: {exc}")
    return _report(name, problems)


__all__ = ["check_deprocess", "check_style_loss", "check_total_variation"]
