"""The command line's flags, their checks and its exit codes (``python -m nst_helpers --help``).

One parser for one-picture runs (:mod:`~nst_helpers.cli.main`) and for folder and video runs
(:mod:`~nst_helpers.cli.streams`); ``docs/cli.md`` is its reference. The defaults it names come
from :mod:`nst_helpers.options`.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap

from ..errors import NSTError, check_choice, check_float
from ..options import (
    BACKBONES,
    FAST_MAX_DIM,
    GATYS_DEFAULTS,
    OPTIMIZERS,
    PRESERVE_COLOR,
    STYLE_SCALE_RANGE,
    StylizeOptions,
    check_style_mix,
)

#: The methods, the default one first.
METHODS = ("fast", "gatys")
DEFAULT_CONTENT = "tuebingen"
DEFAULT_STYLE = "starry_night"
#: The Gatys loop's defaults the help names.
_DEFAULT = StylizeOptions()
_CPU, _GPU = GATYS_DEFAULTS["cpu"], GATYS_DEFAULTS["gpu"]
#: Flags that only one method uses: flag → (attribute, the method).
METHOD_FLAGS = {
    "--steps": ("steps", "gatys"),
    "--optimizer": ("optimizer", "gatys"),
    "--content-weight": ("content_weight", "gatys"),
    "--style-weight": ("style_weight", "gatys"),
    "--tv-weight": ("tv_weight", "gatys"),
    "--backbone": ("backbone", "gatys"),
    "--float32": ("float32", "gatys"),
    "--strength": ("strength", "fast"),
    "--style-scale": ("style_scale", "gatys"),
}
#: Exit statuses.
EXIT_MACHINE, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 1, 2, 130

EPILOG = f"""\
exit status:
  0    every picture was saved
  {EXIT_MACHINE}    the machine failed: out of memory (use a smaller --max-dim) or the output
       could not be written (no permission, disk full); an existing output file is kept
  {EXIT_BAD_INPUT}    bad input (an image, a value, a flag the method does not use); its
       output is not written
  {EXIT_INTERRUPTED}  interrupted with Ctrl-C
Each failure prints one line "error: ..." naming what failed and the fix.
"""


class MachineError(RuntimeError):
    """The machine failed (out of memory, output not writable): exit status 1."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, ``error: …``, and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Print one error line and exit with status 2."""
        self.exit(EXIT_BAD_INPUT, f"error: {message} (see python -m nst_helpers --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m nst_helpers``.

    Returns:
        The parser.
    """
    parser = _Parser(
        prog="python -m nst_helpers",
        description=textwrap.fill(
            "Neural style transfer: paint CONTENT in the style of STYLE. CONTENT and STYLE are "
            "paths, http(s) URLs or bundled names (content: tuebingen, cat, astronaut, coffee; "
            "style: starry_night, great_wave, the_scream, shipwreck, woman_with_a_hat). With no "
            f"arguments, stylises tuebingen with starry_night by {' and '.join(METHODS)} into "
            "outputs/ (with --method, by that one only). To mix paintings, add more with -s "
            "STYLE and weigh them with --style-mix. Flags marked Gatys: or fast: are refused "
            "when that method does not run.",
            width=79,
        ),
        epilog=EPILOG + STREAMS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("content", nargs="?", help="content image")
    parser.add_argument("style", nargs="?", help="style image")
    parser.add_argument(
        "-c", "--content", dest="content_opt", metavar="CONTENT", help=argparse.SUPPRESS
    )
    parser.add_argument(
        "-s",
        "--style",
        dest="style_opt",
        metavar="STYLE",
        action="append",
        help="a style image; repeat to mix paintings (STYLE first, then each -s, in order)",
    )
    parser.add_argument(
        "-o", "--output", help="output image (.png, .jpg, .webp or .bmp), folder or video"
    )
    parser.add_argument(
        "--method",
        help=f"{' or '.join(METHODS)} (default {METHODS[0]}: Magenta; gatys: the optimisation)",
    )
    parser.add_argument(
        "--max-dim",
        type=int,
        help=f"longest side in pixels (fast: {FAST_MAX_DIM}; gatys: {_CPU['max_dim']} on a CPU, "
        f"{_GPU['max_dim']} on a GPU)",
    )
    _add_gatys_flags(parser)
    parser.add_argument("--strength", type=float, help="fast: style strength 0..1 (default 1)")
    _add_control_flags(parser)
    parser.add_argument("--force", action="store_true", help="replace an existing output file")
    parser.add_argument(
        "--recursive", action="store_true", help="folder: include the pictures in subfolders"
    )
    return parser


def _add_gatys_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--steps",
        type=int,
        help=f"Gatys: most forward-and-backward passes (default {_CPU['steps']} on a CPU)",
    )
    parser.add_argument("--content-weight", type=float, help="Gatys: content_weight")
    parser.add_argument("--style-weight", type=float, help="Gatys: style_weight")
    parser.add_argument("--tv-weight", type=float, help="Gatys: total_variation_weight")
    parser.add_argument(
        "--optimizer", help=f"Gatys: {' or '.join(OPTIMIZERS)} (default {_DEFAULT.optimizer})"
    )
    parser.add_argument(
        "--backbone", help=f"Gatys: {', '.join(BACKBONES[:-1])} or {BACKBONES[-1]} (default auto)"
    )
    parser.add_argument(
        "--float32",
        action="store_true",
        help="Gatys: every step in float32 (by default, on a CPU that computes bfloat16 "
        "natively, at most the first half of the L-BFGS steps run in bfloat16, which is faster)",
    )


def _add_control_flags(parser: argparse.ArgumentParser) -> None:
    """``--preserve-color``, ``--style-mix`` and ``--style-scale`` (notebook 06's controls)."""
    parser.add_argument(
        "--preserve-color",
        choices=PRESERVE_COLOR,
        help="keep the photo's colours: luminance (stylise the luminance only) or histogram "
        "(recolour the painting to the photo's colours first)",
    )
    parser.add_argument(
        "--style-mix",
        metavar="W1,W2,...",
        help="weights of the paintings to mix, one per style image, e.g. 0.7,0.3 (not negative, "
        "not all 0; default equal)",
    )
    low, high = STYLE_SCALE_RANGE
    parser.add_argument(
        "--style-scale",
        type=float,
        metavar="S",
        help=f"Gatys: the painting's size relative to --max-dim, {low:g} to {high:g} (default "
        f"{_DEFAULT.style_scale:g}); above 1 gives larger brush strokes",
    )


def parse_style_mix(text: str | None, count: int) -> tuple[float, ...] | None:
    """The weights of ``--style-mix W1,W2,...`` for ``count`` style images, checked.

    Args:
        text: The flag's value, or ``None`` if it was not given.
        count: How many style images were given.

    Returns:
        The weights as given, or ``None``.

    Raises:
        NSTError: If the text is not numbers separated by commas, or the weights are bad.
    """
    if text is None:
        return None
    try:
        weights = [float(part) for part in text.split(",")]
    except ValueError:
        raise NSTError(
            f"--style-mix must be numbers separated by commas, e.g. 0.7,0.3; got {text!r}"
        ) from None
    try:
        check_style_mix(weights, count)
    except NSTError as exc:
        raise NSTError(
            f"--{str(exc).replace('_', '-')} (style images: STYLE, then each -s)"
        ) from None
    return tuple(weights)


def check_values(args: argparse.Namespace) -> None:
    """Check each given value's range (before it is known which method runs)."""
    if args.backbone is not None:
        check_choice("--backbone", args.backbone, BACKBONES)
    if args.strength is not None:
        check_float("--strength", args.strength, 0.0, 1.0)
    args.gatys_options = gatys_options(args)


#: The command line's flag for each option of :class:`~nst_helpers.options.StylizeOptions`.
OPTION_FLAGS = {
    "max_dim": "--max-dim",
    "steps": "--steps",
    "content_weight": "--content-weight",
    "style_weight": "--style-weight",
    "total_variation_weight": "--tv-weight",
    "optimizer": "--optimizer",
    "preserve_color": "--preserve-color",
    "style_mix": "--style-mix",
    "style_scale": "--style-scale",
}


def gatys_options(args: argparse.Namespace) -> StylizeOptions:
    """The Gatys run's options from the flags, checked once; errors name the flag.

    Raises:
        NSTError: For a value out of range, naming its flag.
    """
    flags = {
        "max_dim": args.max_dim,
        "steps": args.steps,
        "content_weight": args.content_weight,
        "style_weight": args.style_weight,
        "total_variation_weight": args.tv_weight,
        "optimizer": args.optimizer,
        "mixed_precision": False if args.float32 else None,
        "preserve_color": args.preserve_color,
        "style_mix": getattr(args, "style_mix_weights", None),
        "style_scale": args.style_scale,
    }
    try:
        return StylizeOptions(progress=sys.stderr.isatty(), **given(**flags))
    except NSTError as exc:
        message = str(exc)
        for option, flag in OPTION_FLAGS.items():
            if message.startswith(option):
                message = flag + message[len(option) :]
        raise NSTError(message) from None


def refuse_unused_flags(args: argparse.Namespace, methods: tuple[str, ...]) -> None:
    """Raise NSTError for a flag that none of ``methods`` uses (it would do nothing)."""
    for flag, (attribute, method) in METHOD_FLAGS.items():
        if method in methods or getattr(args, attribute) in (None, False):
            continue
        if args.method is not None:
            why = f"--method {args.method} does not use it"
        else:
            why = f"a one-picture run without --method uses the {methods[0]} method"
        raise NSTError(
            f"{flag} applies to the {method} method only, but {why}; "
            f"use --method {method} or leave {flag} out"
        )


def given(**values: object) -> dict[str, object]:
    """The flags that were given (not ``None``), so that the defaults stay the functions' own."""
    return {name: value for name, value in values.items() if value is not None}


def style_names(args: argparse.Namespace) -> tuple[str, ...]:
    """Every painting given: STYLE first, then each ``-s``, in order."""
    return tuple(([args.style] if args.style is not None else []) + (args.style_opt or []))


def one_of(positional: str | None, option: str | None, name: str) -> str | None:
    """The value given as ``name`` either positionally or by its option (not two different ones)."""
    if positional is not None and option is not None and positional != option:
        raise NSTError(
            f"{name} given twice ({positional!r} and -{name[0]} {option!r}); give it once"
        )
    return positional if positional is not None else option


def import_tensorflow_quietly() -> None:
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


STREAMS_EPILOG = """

folders and videos:
  CONTENT may be a folder: every picture in it (.jpg .jpeg .png .webp .bmp .gif .tif .tiff;
  with --recursive, in its subfolders too) is stylised into the folder -o OUT_DIR under the
  same relative name (.gif and .tif outputs get .png added). An existing output is skipped,
  so a second run resumes the first, unless --force. A picture that cannot be read is
  reported in one line and skipped; the last line counts what was done, skipped and failed;
  the exit status is 1 if any failed. Nothing in the photos folder is ever written.
  CONTENT may be a video (.mp4 .m4v .mov .mkv .webm .avi): every frame is stylised by the
  fast method into -o OUT (.mp4 .m4v .mov .mkv: H.264; .webm: VP9) with the same size,
  frame rate and sound. The Gatys method is refused for videos: it takes about a minute and a
  half per frame on a CPU (two hours for a 4-second clip), and its frames would flicker.
  Outputs are written to a temporary file and renamed when complete: an interrupted run
  leaves no half-written picture or video.
"""
