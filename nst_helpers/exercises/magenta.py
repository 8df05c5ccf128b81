"""Checkers for the exercises of notebook 04, ``04_magenta_fast_style_transfer.ipynb``.

* :func:`check_center_crop_square` — ``center_crop_square(image)``, the style image's crop;
* :func:`check_blend_style_vectors` — ``blend_style_vectors(own, style, strength)``;
* :func:`check_resize_to_max_dim` — ``resize_to_max_dim(image, max_dim)``, keeping the aspect ratio.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

from . import guard, report


def _coordinate_image(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Notebook 04's crop input: red = row, green = column, blue random (every pixel unique)."""
    rows = np.repeat(np.arange(height)[:, None], width, axis=1) / max(height - 1, 1)
    cols = np.repeat(np.arange(width)[None, :], height, axis=0) / max(width - 1, 1)
    blue = rng.uniform(0, 1, (height, width))
    return np.stack([rows, cols, blue], axis=-1)[None].astype(np.float32)


#: Nothing is out of reach in notebook 04's crop: tf.image.resize_with_crop_or_pad is fine.
_ANY = guard.Exercise()


def check_center_crop_square(
    center_crop_square: Callable[[tf.Tensor], tf.Tensor], *, seed: int | None = None
) -> bool:
    """Check a centre crop to the largest square, as Magenta's style input needs.

    For an image ``[1, H, W, 3]`` the result must be ``[1, S, S, 3]`` with ``S = min(H, W)``, cut
    from the middle of the longer side (offset ``(long - S) // 2``; rounding up is accepted), with
    the pixels unchanged (a crop, not a resize). Rejected, each with its explanation: a corner or
    off-centre square, a resize or squash, the longer side as the square's side, height and width
    read from the wrong axes (``shape[0]``, ``shape[1]``), a lost batch axis.

    Args:
        center_crop_square: The student's function, ``center_crop_square(image) -> square``.
        seed: Seed of the random images (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    generator = report.rng(seed)
    short = int(generator.integers(20, 40))
    shapes = [
        (short, short + int(generator.integers(10, 30)) * 2 + 1),  # wide, odd difference
        (short + int(generator.integers(10, 30)) * 2, short),  # tall, even difference
        (short, short),  # already square
    ]
    images = [_coordinate_image(height, width, generator) for height, width in shapes]

    def checks() -> str:
        for image in images:
            height, width = image.shape[1:3]
            side = min(height, width)
            given = f"center_crop_square(a {width}×{height} image, W×H)"
            top, left = (height - side) // 2, (width - side) // 2
            expected = (
                f"the {side}×{side} square from row {top}, column {left}, shape (1, {side}, "
                f"{side}, 3)"
            )
            got = _ANY.call(center_crop_square, (tf.constant(image),), given, expected)
            got = report.array(got, given, expected)
            if got.shape != (1, side, side, 3):
                mistake = "the result should be [1, S, S, 3] with S = min(H, W)"
                if got.shape == (1, max(height, width), max(height, width), 3):
                    mistake = "the square's side is the shorter side, min(H, W), not the longer one"
                elif got.ndim == 4 and got.shape[1] == got.shape[2] in (1, 3):
                    mistake = (
                        "image.shape is [1, H, W, 3]: the height is image.shape[1] and the "
                        "width image.shape[2] (shape[0] is the batch axis)"
                    )
                elif got.ndim == 3:
                    mistake = "keep the batch axis: [1, S, S, 3]"
                raise report.CheckFailed(given, expected, f"shape {got.shape}", mistake)
            if not any(
                np.array_equal(got, image[:, t : t + side, x : x + side, :])
                for t in _offsets(height, side)
                for x in _offsets(width, side)
            ):
                raise report.CheckFailed(
                    given, expected, _where(got, image, side), _crop_mistake(got, image, side)
                )
        return (
            "center_crop_square cuts the centred square, pixels unchanged, from "
            f"{len(images)} images."
        )

    return report.run_checks(checks)


def _found_at(got: np.ndarray, image: np.ndarray, side: int) -> tuple[int, int] | None:
    """Where in ``image`` notebook 04's square ``got`` was cut from, if it was."""
    for top in range(image.shape[1] - side + 1):
        for left in range(image.shape[2] - side + 1):
            if np.array_equal(got, image[:, top : top + side, left : left + side, :]):
                return top, left
    return None


def _where(got: np.ndarray, image: np.ndarray, side: int) -> str:
    """Where notebook 04's crop ``got`` was cut from, in words."""
    found = _found_at(got, image, side)
    if found is None:
        return "a square whose pixels match no square cut from the image"
    return f"the square from row {found[0]}, column {found[1]}"


def _crop_mistake(got: np.ndarray, image: np.ndarray, side: int) -> str:
    """Explain a square of notebook 04 that is not the centred one."""
    if _found_at(got, image, side) is not None:
        return "start at (H - S) // 2 and (W - S) // 2, so that equal parts are cut on both sides"
    return (
        "crop by slicing (image[:, top:top + S, left:left + S, :]) instead of resizing or "
        "squashing: the pixels must stay as they are"
    )


def _offsets(length: int, side: int) -> set[int]:
    """Accepted starts of notebook 04's centred crop: floor and ceil of the middle."""
    extra = length - side
    return {extra // 2, (extra + 1) // 2}


def check_blend_style_vectors(
    blend_style_vectors: Callable[[np.ndarray, np.ndarray, float], np.ndarray],
    *,
    seed: int | None = None,
) -> bool:
    """Check the style-strength blend of two style bottleneck vectors.

    ``blend_style_vectors(own, style, strength)`` must give ``own`` at strength 0, ``style`` at 1,
    and move along the straight line between them in proportion to ``strength``. Rejected, each
    with its explanation: the roles swapped, adding the style without taking away the photo's own,
    a curve (e.g. ``strength²``) instead of the straight line, a result that ignores ``strength``
    (the same vector at 0 and 1), a changed shape.

    Args:
        blend_style_vectors: The student's function; ``own`` and ``style`` are float32 arrays
            ``[1, 1, 1, 100]`` and ``strength`` a float in ``[0, 1]``.
        seed: Seed of the random vectors and strengths (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    generator = report.rng(seed)
    own = generator.normal(size=(1, 1, 1, 100)).astype(np.float32)
    style = generator.normal(size=(1, 1, 1, 100)).astype(np.float32)
    low, high = float(generator.uniform(0.05, 0.45)), float(generator.uniform(0.55, 0.95))

    def blend(strength: float, given: str, expected: str) -> np.ndarray:
        got = _BLEND.call(
            blend_style_vectors, (own.copy(), style.copy(), strength), given, expected
        )
        return report.array(got, given, expected)

    def checks() -> str:
        ends = [
            blend(strength, given, want)
            for strength, given, want in (
                (0.0, "blend_style_vectors(own, style, strength=0.000)", "own, unchanged"),
                (1.0, "blend_style_vectors(own, style, strength=1.000)", "style, unchanged"),
            )
        ]
        if ends[0].shape == ends[1].shape and np.allclose(ends[0], ends[1], atol=1e-4):
            raise report.CheckFailed(
                "blend_style_vectors(own, style, strength) at strength 0 and at strength 1",
                "own at 0 and style at 1",
                "the same vector at both strengths" + _which(ends[0], own, style),
                "the result ignores strength: weigh own by (1 - strength) and style by strength",
            )
        for strength in (0.0, 1.0, low, high):
            given = f"blend_style_vectors(own, style, strength={strength:.3f}) for random vectors"
            want = (1.0 - strength) * own.astype(np.float64) + strength * style
            expected = _blend_name(strength) + f", shape {own.shape}"
            args = (own.copy(), style.copy(), strength)
            mistakes = _blend_mistakes(own, style, strength)
            _BLEND.expect(blend_style_vectors, args, want, given, expected, mistakes)
        return "blend_style_vectors gives own at 0, style at 1 and the straight line between."

    return report.run_checks(checks)


#: Notebook 04's blend of two style vectors: its tolerance and explanations.
_BLEND = guard.Exercise(
    otherwise="stay on the straight line: (1 - strength) * own + strength * style",
    rtol=0.0,
    atol=1e-4,
    shape="keep the inputs' shape",
)


def _blend_mistakes(own: np.ndarray, style: np.ndarray, strength: float) -> list[tuple[str, Any]]:
    """What typical wrong blends of notebook 04 give, with their explanations."""
    return [
        (
            "the weights are swapped: strength 1 should mean the full painting style",
            (1 - strength) * style + strength * own,
        ),
        (
            "you add the style without taking away strength × the photo's own",
            own + strength * style,
        ),
    ]


def _blend_name(strength: float) -> str:
    """What notebook 04's blend gives at ``strength``, in words."""
    if strength == 0.0:
        return "own, unchanged"
    if strength == 1.0:
        return "style, unchanged"
    return f"(1 - {strength:.3f}) * own + {strength:.3f} * style"


def _which(got: np.ndarray, own: np.ndarray, style: np.ndarray) -> str:
    """Whether a blend of notebook 04 is one of its two vectors."""
    if np.allclose(got, own, atol=1e-4):
        return " (it is own)"
    if np.allclose(got, style, atol=1e-4):
        return " (it is style)"
    return ""


# --- Exercise 3: resizing to max_dim -------------------------------------------------------------


def _structured_image(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Notebook 04's resize input: red grows down, green right, blue smooth, a white corner."""
    # The gradients show flips and transposes; the near-white top-left block is a distinct corner.
    rows = np.repeat(np.linspace(0.0, 1.0, height)[:, None], width, axis=1)
    cols = np.repeat(np.linspace(0.0, 1.0, width)[None, :], height, axis=0)
    grid = rng.uniform(0.2, 0.8, (1, 3, 3, 1)).astype(np.float32)
    blue = tf.image.resize(grid, (height, width), method="bicubic").numpy()[0, ..., 0]
    image = np.stack([0.05 + 0.7 * rows, 0.05 + 0.7 * cols, np.clip(blue, 0.0, 1.0)], axis=-1)
    image[: height // 4, : width // 4] = 0.95
    return image[None].astype(np.float32)


def _resize_cases(rng: np.random.Generator) -> list[tuple[int, int, int]]:
    """``(height, width, max_dim)`` for notebook 04: wide and tall shrinks, a square enlarged."""
    # The shorter side's exact new length has a fraction of 0.6-0.9 in one case and 0.1-0.4 in
    # the other, so int() (cutting off) and rounding up each give a wrong size somewhere.

    def draw(heights: tuple[int, int], widths: tuple[int, int], dims: tuple[int, int], fractions):
        while True:
            height, width = int(rng.integers(*heights)), int(rng.integers(*widths))
            max_dim = int(rng.integers(*dims))
            exact = min(height, width) * max_dim / max(height, width)
            if fractions[0] < exact % 1 < fractions[1]:
                return height, width, max_dim

    return [
        draw((80, 110), (130, 200), (96, 128), (0.6, 0.9)),
        (lambda h, w, d: (w, h, d))(*draw((80, 110), (130, 200), (96, 128), (0.1, 0.4))),
        (side := int(rng.integers(40, 90)), side, int(rng.integers(150, 250))),
    ]


def _size_mistake(new: tuple[int, int], height: int, width: int, max_dim: int) -> str:
    """Explain a resize of notebook 04 to the wrong size."""
    scale = max_dim / max(height, width)
    exact = (height * scale, width * scale)
    if new == (max_dim, max_dim):
        return "the picture was squashed to a square; scale both sides by one factor"
    if new == (height, width):
        if max(height, width) < max_dim:
            return (
                "the picture kept its size: enlarge it too when its longest side is below max_dim"
            )
        return "the picture kept its size: resize it so that its longest side is max_dim"
    if min(new) == max_dim:
        return "the shorter side got max_dim; it is the longer side that should"
    if new == (round(exact[1]), round(exact[0])):
        return "height and width are swapped: tf.image.resize takes (height, width)"
    if new == (int(exact[0]), int(exact[1])):
        cut = max(exact[0] % 1, exact[1] % 1)
        return f"int() cuts {cut:.2f} of a pixel off; round to the nearest with round()"
    if new == (math.ceil(exact[0]), math.ceil(exact[1])):
        return "round to the nearest pixel with round(), not up"
    return "scale both sides by max_dim / the longer side, then round each to the nearest pixel"


def _content_mistake(got: np.ndarray, image: tf.Tensor, size: tuple[int, int]) -> str:
    """Explain a resize of notebook 04 with the right size and the wrong pixels."""

    def near(candidate: tf.Tensor) -> bool:
        return float(np.mean(np.abs(got - np.asarray(candidate)))) < _CONTENT_TOLERANCE

    if got.max() > 1.5:
        return "the values should stay in [0, 1] like the input's (do not multiply by 255)"
    if float(np.std(got, axis=(1, 2)).max()) < 0.01:
        return "the result is one flat colour: resize the image itself, not its mean colour"
    for flip, words in (([1], "upside down"), ([2], "left to right"), ([1, 2], "by 180°")):
        if near(tf.image.resize(tf.reverse(image, flip), size)):
            return f"the picture is flipped {words}: resize the image as it is"
    if near(tf.image.resize(tf.transpose(image, [0, 2, 1, 3]), size)):
        return "rows and columns were swapped (transposed) before resizing: keep [1, H, W, 3]"
    return "the content does not match the input resized; pass the image itself to tf.image.resize"


#: Mean absolute difference allowed from ``tf.image.resize`` (bilinear); other interpolation
#: methods, with or without antialiasing, stay under 0.005 on the checker's images.
_CONTENT_TOLERANCE = 0.02


#: Resizing to ``max_dim``, which notebook 04's third exercise writes with ``tf.image.resize``.
_RESIZE = guard.Exercise(
    rebuilds="the package's scale_to_max_dim (which load_image calls)",
    hint="write it with tf.image.resize: scale both sides by max_dim / the longer side and round",
    functions=("nst_helpers.images.scale_to_max_dim",),
)


def check_resize_to_max_dim(
    resize_to_max_dim: Callable[[tf.Tensor, int], tf.Tensor], *, seed: int | None = None
) -> bool:
    """Check a resize that makes the longest side ``max_dim`` pixels and keeps the aspect ratio.

    Each side must be ``round(side × max_dim / longest side)`` (so the longest is exactly
    ``max_dim``), shrinking and enlarging both work, and the content must match
    ``tf.image.resize`` of the input within a mean difference of 0.02 (any interpolation method,
    with or without antialiasing). The inputs are structured images (gradients, a smooth random
    field, a bright top-left corner): a wide and a tall one shrunk, a square one enlarged.
    Rejected, each with its explanation: the package's ``scale_to_max_dim`` (however reached), a
    square squash, the shorter side as max_dim, height and width swapped, ``int()`` or rounding
    up instead of ``round()``, a picture left at its size (shrinking only), flips, a transpose, a
    flat colour, values ×255, a lost batch axis.

    Args:
        resize_to_max_dim: The student's function, ``resize_to_max_dim(image, max_dim) -> image``
            for images ``[1, H, W, 3]``.
        seed: Seed of the random sizes and images (the default repeats them on every run).

    Returns:
        True if every check passes.
    """
    generator = report.rng(seed)
    cases = [(h, w, d, _structured_image(h, w, generator)) for h, w, d in _resize_cases(generator)]

    def checks() -> str:
        for height, width, max_dim, pixels in cases:
            image = tf.constant(pixels)
            scale = max_dim / max(height, width)
            size = (round(height * scale), round(width * scale))
            given = f"resize_to_max_dim(a {width}×{height} image (W×H), max_dim={max_dim})"
            expected = (
                f"a {size[1]}×{size[0]} image (from {width * scale:.2f}×{height * scale:.2f})"
            )
            got = _RESIZE.call(resize_to_max_dim, (image, max_dim), given, expected)
            got = report.array(got, given, expected)
            if got.ndim != 4 or got.shape[0] != 1 or got.shape[-1] != 3:
                raise report.CheckFailed(given, expected, f"shape {got.shape}", "keep [1, H, W, 3]")
            new = (got.shape[1], got.shape[2])
            if new != size:
                shown = f"a {new[1]}×{new[0]} image"
                raise report.CheckFailed(
                    given, expected, shown, _size_mistake(new, height, width, max_dim)
                )
            difference = float(np.mean(np.abs(got - tf.image.resize(image, size).numpy())))
            if difference > _CONTENT_TOLERANCE:
                shown = (
                    f"the right size, but pixels off by {difference:.3g} on average from "
                    "tf.image.resize"
                )
                raise report.CheckFailed(
                    given,
                    expected + " like tf.image.resize",
                    shown,
                    _content_mistake(got, image, size),
                )
        return (
            f"resize_to_max_dim gives the right size and picture on {len(cases)} images "
            "(wide, tall, enlarged)."
        )

    return report.run_checks(checks)


__all__ = ["check_blend_style_vectors", "check_center_crop_square", "check_resize_to_max_dim"]
