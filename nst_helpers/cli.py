"""The command line: ``python -m nst_helpers CONTENT STYLE -o OUT`` (shown in notebook 04).

With no arguments it stylises the bundled Tübingen photo with The Starry Night by both methods
into ``outputs/``. Bad input prints one line ``error: …`` on stderr and exits with status 2,
writing nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .config import BACKBONES, MAX_DIM_LIMIT, MAX_STEPS, MAX_WEIGHT, MIN_SIDE, OPTIMIZERS
from .errors import NSTError, check_choice, check_float, check_int

METHODS = ("fast", "gatys")
DEFAULT_CONTENT = "tuebingen"
DEFAULT_STYLE = "starry_night"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, ``error: …``, and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Print one error line and exit with status 2."""
        self.exit(2, f"error: {message} (see python -m nst_helpers --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m nst_helpers``.

    Returns:
        The parser.
    """
    parser = _Parser(
        prog="python -m nst_helpers",
        description=(
            "Neural style transfer: paint CONTENT in the style of STYLE. CONTENT and STYLE are "
            "paths, http(s) URLs or bundled names (content: tuebingen, cat, astronaut, coffee; "
            "style: starry_night, great_wave, the_scream, shipwreck, woman_with_a_hat). With no "
            "arguments, stylises tuebingen with starry_night by both methods into outputs/."
        ),
    )
    parser.add_argument("content", nargs="?", help="content image")
    parser.add_argument("style", nargs="?", help="style image")
    parser.add_argument(
        "-c", "--content", dest="content_opt", metavar="CONTENT", help=argparse.SUPPRESS
    )
    parser.add_argument("-s", "--style", dest="style_opt", metavar="STYLE", help=argparse.SUPPRESS)
    parser.add_argument("-o", "--output", help="output image (.png, .jpg, .webp or .bmp)")
    parser.add_argument("--method", default="fast", help="fast (Magenta, default) or gatys")
    parser.add_argument(
        "--max-dim",
        type=int,
        help="longest side in pixels (fast: 384; gatys: 256 on a CPU, 512 on a GPU)",
    )
    parser.add_argument(
        "--steps", type=int, help="Gatys: most forward-and-backward passes (default 290 on a CPU)"
    )
    parser.add_argument("--content-weight", type=float, help="Gatys: content_weight")
    parser.add_argument("--style-weight", type=float, help="Gatys: style_weight")
    parser.add_argument("--tv-weight", type=float, help="Gatys: total_variation_weight")
    parser.add_argument("--optimizer", help="Gatys: adam or lbfgs")
    parser.add_argument("--backbone", default="auto", help="Gatys: auto, vgg19 or vgg16-hed")
    parser.add_argument(
        "--float32",
        action="store_true",
        help="Gatys: every step in float32 (by default, on a CPU that computes bfloat16 "
        "natively, the first half of the L-BFGS steps run in bfloat16, about twice as fast)",
    )
    parser.add_argument("--strength", type=float, default=1.0, help="fast: style strength 0..1")
    parser.add_argument("--force", action="store_true", help="replace an existing output file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 on success, 2 on bad input.
    """
    args = build_parser().parse_args(argv)
    try:
        jobs = _plan(args)
        _import_tensorflow_quietly()
        for job in jobs:
            _run(args, *job)
    except NSTError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        return 130
    return 0


def _plan(args: argparse.Namespace) -> list[tuple[str, str, str, Path]]:
    """Check every argument before any work; return ``(method, content, style, output)`` jobs."""
    content = _one_of(args.content, args.content_opt, "content")
    style = _one_of(args.style, args.style_opt, "style")
    check_choice("--method", args.method, METHODS)
    check_choice("--backbone", args.backbone, BACKBONES)
    if args.optimizer is not None:
        check_choice("--optimizer", args.optimizer, OPTIMIZERS)
    if args.max_dim is not None:
        check_int("--max-dim", args.max_dim, MIN_SIDE, MAX_DIM_LIMIT)
    if args.steps is not None:
        check_int("--steps", args.steps, 1, MAX_STEPS)
    for flag, value in (
        ("--content-weight", args.content_weight),
        ("--style-weight", args.style_weight),
        ("--tv-weight", args.tv_weight),
    ):
        if value is not None:
            check_float(flag, value, 0.0, MAX_WEIGHT)
    check_float("--strength", args.strength, 0.0, 1.0)

    if content is None and style is None and args.output is None:
        out = Path("outputs")
        return [
            (method, DEFAULT_CONTENT, DEFAULT_STYLE, out / f"tuebingen_starry_night_{method}.png")
            for method in METHODS
        ]
    if content is None or style is None:
        raise NSTError("give both CONTENT and STYLE (paths, URLs or bundled names)")
    if args.output is None:
        raise NSTError("give the output file with -o OUT, e.g. -o out.png")
    return [(args.method, content, style, Path(args.output))]


def _one_of(positional: str | None, option: str | None, name: str) -> str | None:
    if positional is not None and option is not None and positional != option:
        raise NSTError(
            f"{name} given twice ({positional!r} and -{name[0]} {option!r}); give it once"
        )
    return positional if positional is not None else option


def _check_output(output: Path, sources: Sequence[str], force: bool) -> None:
    from .images import check_output_path

    check_output_path(output)
    for source in sources:
        if (
            "://" not in source
            and Path(source).exists()
            and Path(source).resolve() == output.resolve()
        ):
            raise NSTError(f"-o {output} is an input image; choose another output file name")
    if output.exists() and not force:
        raise NSTError(f"{output} exists; choose another name or add --force to replace it")


def _run(args: argparse.Namespace, method: str, content: str, style: str, output: Path) -> None:
    from .images import image_path, load_image, save_image

    sources = [str(image_path(s)) if _is_bundled(s) else s for s in (content, style)]
    force = args.force or (args.content is None and args.output is None)  # default job refreshes
    _check_output(output, sources, force)
    start = time.perf_counter()
    if method == "fast":
        from .fast import load_stylizer

        content_image = load_image(content, max_dim=args.max_dim or 384)
        style_image = load_image(style)
        stylizer = load_stylizer()
        image = stylizer(content_image, style_image, strength=args.strength)
        engine = stylizer.name
    else:
        from .optimize import stylize

        show_progress = sys.stderr.isatty()

        content_image = load_image(content)
        style_image = load_image(style)
        result = stylize(
            content_image,
            style_image,
            backbone=args.backbone,
            max_dim=args.max_dim,
            steps=args.steps,
            content_weight=args.content_weight,
            style_weight=args.style_weight,
            total_variation_weight=args.tv_weight,
            optimizer=args.optimizer or "lbfgs",
            progress=show_progress,
            mixed_precision=False if args.float32 else None,
        )
        image, engine = result.image, result.backbone
        losses = ", ".join(f"{k} {v:.6g}" for k, v in result.final_losses.items())
        mixed = f" (the first {result.bfloat16_steps} in bfloat16)" if result.bfloat16_steps else ""
        print(f"Final loss after {result.steps} {result.optimizer} steps{mixed}: {losses}")
        if result.stop_reason and not show_progress:  # with a progress bar the loop says it
            print(f"Stopped early: {result.stop_reason}")
    save_image(image, output)
    seconds = time.perf_counter() - start
    print(
        f"Saved {output} ({image.shape[2]}×{image.shape[1]} px, {method} method on {engine}, "
        f"{seconds:.1f} s)"
    )


def _is_bundled(name: str) -> bool:
    from .images import list_images

    return name in list_images()


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with its C++ start-up log lines hidden (they are not for students)."""
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            import tensorflow as tf

            tf.config.list_physical_devices()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
