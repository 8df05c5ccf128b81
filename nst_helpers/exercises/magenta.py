"""Checkers for the exercises of notebook 04, ``04_magenta_fast_style_transfer.ipynb``.

Each checker calls the student's function on images and vectors it makes itself, tests invariants
with tolerances, prints what is wrong and why in plain words (or one line saying that every check
passed), and returns ``True`` or ``False``.

* :func:`check_center_crop_square` — ``center_crop_square(image)``, the style image's crop;
* :func:`check_blend_style_vectors` — ``blend_style_vectors(own, style, strength)``;
* :func:`check_resize_to_max_dim` — ``resize_to_max_dim(image, max_dim)``, keeping the aspect ratio.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf

from .gatys import _report


def _coordinate_image(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """An image ``[1, H, W, 3]`` whose pixels say where they are: red = row, green = column.

    Blue is random, so a crop can be matched pixel for pixel.
    """
    rows = np.repeat(np.arange(height)[:, None], width, axis=1) / max(height - 1, 1)
    cols = np.repeat(np.arange(width)[None, :], height, axis=0) / max(width - 1, 1)
    blue = rng.uniform(0, 1, (height, width))
    return np.stack([rows, cols, blue], axis=-1)[None].astype(np.float32)


def check_center_crop_square(center_crop_square: Callable[[tf.Tensor], tf.Tensor]) -> bool:
    """Check a centre crop to the largest square, as Magenta's style input needs.

    For an image ``[1, H, W, 3]`` the result must be ``[1, S, S, 3]`` with ``S = min(H, W)``, cut
    from the middle of the longer side (offset ``(long - S) // 2``; rounding up is accepted), with
    the pixels unchanged (a crop, not a resize).

    Args:
        center_crop_square: The student's function, ``center_crop_square(image) -> square``.

    Returns:
        True if every check passes.
    """
    name = "center_crop_square"
    rng = np.random.default_rng()
    short = int(rng.integers(20, 40))
    shapes = [
        (short, short + int(rng.integers(10, 30)) * 2 + 1),  # wide, odd difference
        (short + int(rng.integers(10, 30)) * 2, short),  # tall, even difference
        (short, short),  # already square
    ]
    problems: list[str] = []
    try:
        for height, width in shapes:
            image = _coordinate_image(height, width, rng)
            got = np.asarray(center_crop_square(tf.constant(image)), dtype=np.float32)
            side = min(height, width)
            label = f"a {width}×{height} (width×height) image"
            if got.shape != (1, side, side, 3):
                hint = ""
                if got.shape == (1, max(height, width), max(height, width), 3):
                    hint = " The square's side is the shorter side, min(H, W), not the longer one."
                elif got.ndim == 3:
                    hint = " Keep the batch axis: [1, S, S, 3]."
                problems.append(
                    f"for {label} the result has shape {got.shape}, expected {(1, side, side, 3)}.{hint}"
                )
                continue
            offsets = {
                (top, left) for top in _offsets(height, side) for left in _offsets(width, side)
            }
            if any(
                np.array_equal(got, image[:, t : t + side, x : x + side, :]) for t, x in offsets
            ):
                continue
            found = [
                (t, x)
                for t in range(height - side + 1)
                for x in range(width - side + 1)
                if np.array_equal(got, image[:, t : t + side, x : x + side, :])
            ]
            if found:
                top, left = found[0]
                hint = (
                    f"it is the square that starts at row {top}, column {left}, but the centred "
                    f"one starts at row {(height - side) // 2}, column {(width - side) // 2}; "
                    "start at (H - S) // 2 and (W - S) // 2"
                )
            else:
                hint = (
                    "its pixels do not match any square cut from the input; crop by slicing "
                    "(image[:, top:top + S, left:left + S, :]) instead of resizing or squashing"
                )
            problems.append(f"for {label}, {hint}.")
    except Exception as exc:  # the student's code may fail in any way
        problems.append(f"calling it raised {type(exc).__name__}: {exc}")
    return _report(name, problems)


def _offsets(length: int, side: int) -> set[int]:
    """Accepted start positions of a centred crop: floor and ceil of the middle."""
    extra = length - side
    return {extra // 2, (extra + 1) // 2}


def check_blend_style_vectors(
    blend_style_vectors: Callable[[np.ndarray, np.ndarray, float], np.ndarray],
) -> bool:
    """Check the style-strength blend of two style bottleneck vectors.

    ``blend_style_vectors(own, style, strength)`` must give ``own`` at strength 0, ``style`` at 1,
    and move along the straight line between them in proportion to ``strength``.

    Args:
        blend_style_vectors: The student's function; ``own`` and ``style`` are float32 arrays
            ``[1, 1, 1, 100]`` and ``strength`` a float in ``[0, 1]``.

    Returns:
        True if every check passes.
    """
    name = "blend_style_vectors"
    rng = np.random.default_rng()
    own = rng.normal(size=(1, 1, 1, 100)).astype(np.float32)
    style = rng.normal(size=(1, 1, 1, 100)).astype(np.float32)
    problems: list[str] = []

    def blend(strength: float) -> np.ndarray:
        return np.asarray(blend_style_vectors(own.copy(), style.copy(), strength), np.float64)

    try:
        zero, one = blend(0.0), blend(1.0)
        if zero.shape != own.shape:
            problems.append(f"the result has shape {zero.shape}; keep the inputs' {own.shape}")
        elif np.allclose(zero, style, atol=1e-5) and np.allclose(one, own, atol=1e-5):
            problems.append(
                "strength 0 gave the painting's vector and 1 the photo's own: the roles are "
                "swapped; strength 1 should mean the full painting style"
            )
        else:
            if not np.allclose(zero, own, atol=1e-5):
                problems.append(
                    "strength 0 should give the photo's own style vector back unchanged"
                )
            if not np.allclose(one, style, atol=1e-5):
                problems.append("strength 1 should give the painting's style vector unchanged")
            for strength in (float(rng.uniform(0.05, 0.45)), float(rng.uniform(0.55, 0.95))):
                want = (1.0 - strength) * own + strength * style
                got = blend(strength)
                if not np.allclose(got, want, atol=1e-4):
                    hint = ""
                    if np.allclose(got, own + strength * style, atol=1e-4):
                        hint = " You add the style without taking away (1 - strength) of the photo's own."
                    elif np.allclose(got, (1 - strength) * style + strength * own, atol=1e-4):
                        hint = " The weights are swapped."
                    problems.append(
                        f"at strength {strength:.3f} the result is off the straight line from "
                        f"own to style by up to {np.abs(got - want).max():.3g}; expected "
                        f"(1 - strength) * own + strength * style.{hint}"
                    )
                    break
    except Exception as exc:  # the student's code may fail in any way
        problems.append(f"calling it raised {type(exc).__name__}: {exc}")
    return _report(name, problems)


def check_resize_to_max_dim(
    resize_to_max_dim: Callable[[tf.Tensor, int], tf.Tensor],
) -> bool:
    """Check a resize that makes the longest side ``max_dim`` pixels and keeps the aspect ratio.

    Each side must be within one pixel of ``side × max_dim / longest side``; the longest side must
    be exactly ``max_dim``; shrinking and enlarging both work; the colours stay (the mean colour
    moves by less than 0.05).

    Args:
        resize_to_max_dim: The student's function, ``resize_to_max_dim(image, max_dim) -> image``
            for images ``[1, H, W, 3]``.

    Returns:
        True if every check passes.
    """
    name = "resize_to_max_dim"
    rng = np.random.default_rng()
    cases = [
        (int(rng.integers(80, 110)), int(rng.integers(130, 200)), int(rng.integers(96, 128))),
        (int(rng.integers(130, 200)), int(rng.integers(80, 110)), int(rng.integers(96, 128))),
        (int(rng.integers(40, 60)), int(rng.integers(70, 90)), int(rng.integers(150, 250))),
    ]
    problems: list[str] = []
    try:
        for height, width, max_dim in cases:
            image = tf.constant(_coordinate_image(height, width, rng))
            got = np.asarray(resize_to_max_dim(image, max_dim), dtype=np.float32)
            scale = max_dim / max(height, width)
            want = (height * scale, width * scale)
            label = f"a {width}×{height} (width×height) image with max_dim={max_dim}"
            if got.ndim != 4 or got.shape[0] != 1 or got.shape[-1] != 3:
                problems.append(f"for {label} the result has shape {got.shape}; keep [1, H, W, 3]")
                continue
            new_h, new_w = got.shape[1], got.shape[2]
            if max(new_h, new_w) != max_dim or abs(new_h - want[0]) > 1 or abs(new_w - want[1]) > 1:
                hint = ""
                if new_h == new_w == max_dim:
                    hint = " The picture was squashed to a square; scale both sides by one factor."
                elif min(new_h, new_w) == max_dim:
                    hint = " The shorter side got max_dim; it is the longer side that should."
                elif (new_h, new_w) == (round(want[1]), round(want[0])):
                    hint = " Height and width are swapped: tf.image.resize takes (height, width)."
                problems.append(
                    f"for {label} the result is {new_w}×{new_h}; expected about "
                    f"{want[1]:.1f}×{want[0]:.1f} (longest side exactly {max_dim}).{hint}"
                )
                continue
            drift = np.abs(got.mean(axis=(0, 1, 2)) - image.numpy().mean(axis=(0, 1, 2))).max()
            if drift > 0.05:
                problems.append(
                    f"for {label} the mean colour moved by {drift:.3g}; the picture should look "
                    "the same, only smaller or larger (are values still in [0, 1]?)"
                )
    except Exception as exc:  # the student's code may fail in any way
        problems.append(f"calling it raised {type(exc).__name__}: {exc}")
    return _report(name, problems)


__all__ = ["check_blend_style_vectors", "check_center_crop_square", "check_resize_to_max_dim"]
