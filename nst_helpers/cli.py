"""The command line: ``python -m nst_helpers CONTENT STYLE -o OUT`` (shown in notebook 04).

With no arguments it stylises the bundled Tübingen photo with The Starry Night by both methods
into ``outputs/`` (with ``--method``, by that one only).

Flags that only one method uses (``--steps``, ``--optimizer``, the three weights, ``--backbone``
``--float32`` and ``--style-scale`` for Gatys; ``--strength`` for fast) are refused when no method that will run
uses them: with ``--method fast`` or ``--method gatys``, and in a one-picture run without
``--method``, which uses the fast method.

Every failure prints one line ``error: …`` on stderr that names what failed and the fix. Exit status:

* 0 — every picture was saved;
* 1 — the machine failed: out of memory, or the output could not be written (no permission, disk
  full). A file already at the output path is kept as it was;
* 2 — bad input (a missing or broken image, a value out of range, a flag the method does not
  use); its output is not written;
* 130 — interrupted with Ctrl-C.

The line says which pictures were already saved when a later one fails.

A folder or a video as CONTENT runs :mod:`nst_helpers.cli_streams` instead (a folder's exit
status is also 1 when a picture in it could not be read).
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from .cli_streams import EPILOG as STREAMS_EPILOG
from .cli_streams import run_stream, stream_kind
from .config import BACKBONES, MAX_DIM_LIMIT, MAX_STEPS, MAX_WEIGHT, MIN_SIDE, OPTIMIZERS
from .control_options import STYLE_SCALE_RANGE, add_control_flags, parse_style_mix
from .errors import NSTError, check_choice, check_float, check_int

#: The methods, the default one first.
METHODS = ("fast", "gatys")
DEFAULT_CONTENT = "tuebingen"
DEFAULT_STYLE = "starry_night"
DEFAULT_OPTIMIZER = "lbfgs"
FAST_MAX_DIM = 384
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
        help=f"longest side in pixels (fast: {FAST_MAX_DIM}; gatys: 256 on a CPU, 512 on a GPU)",
    )
    _add_gatys_flags(parser)
    parser.add_argument("--strength", type=float, help="fast: style strength 0..1 (default 1)")
    add_control_flags(parser)
    parser.add_argument("--force", action="store_true", help="replace an existing output file")
    parser.add_argument(
        "--recursive", action="store_true", help="folder: include the pictures in subfolders"
    )
    return parser


def _add_gatys_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--steps", type=int, help="Gatys: most forward-and-backward passes (default 290 on a CPU)"
    )
    parser.add_argument("--content-weight", type=float, help="Gatys: content_weight")
    parser.add_argument("--style-weight", type=float, help="Gatys: style_weight")
    parser.add_argument("--tv-weight", type=float, help="Gatys: total_variation_weight")
    parser.add_argument(
        "--optimizer", help=f"Gatys: {' or '.join(OPTIMIZERS)} (default {DEFAULT_OPTIMIZER})"
    )
    parser.add_argument(
        "--backbone", help=f"Gatys: {', '.join(BACKBONES[:-1])} or {BACKBONES[-1]} (default auto)"
    )
    parser.add_argument(
        "--float32",
        action="store_true",
        help="Gatys: every step in float32 (by default, on a CPU that computes bfloat16 "
        "natively, the first half of the L-BFGS steps run in bfloat16, about twice as fast)",
    )


class Job(NamedTuple):
    """One picture to make."""

    method: str
    content: str
    style: str
    output: Path
    replace: bool  # whether an existing output may be replaced (--force, or the default run)
    styles: tuple[str, ...] = ()  # every painting when several are mixed (style is the first)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 on success, 1 if the machine failed (out of memory, output not
        writable), 2 on bad input, 130 on Ctrl-C.
    """
    args = build_parser().parse_args(argv)
    try:
        content = _one_of(args.content, args.content_opt, "content")
        kind = stream_kind(content)
        if kind is not None:
            return run_stream(args, kind, content, _styles(args))
        if args.recursive:
            raise NSTError("--recursive applies to a folder of photos only; leave it out")
    except NSTError as exc:
        return _fail(str(exc), [], {}, EXIT_BAD_INPUT)
    jobs: list[Job] = []
    before: dict[Path, tuple | None] = {}
    try:
        jobs = _plan(args)
        before = {job.output: _fingerprint(job.output) for job in jobs}
        _import_tensorflow_quietly()
        for job in jobs:
            _check_output(job)
        for job in jobs:
            _run(args, job)
    except NSTError as exc:
        return _fail(str(exc), jobs, before, EXIT_BAD_INPUT)
    except MachineError as exc:
        return _fail(str(exc), jobs, before, EXIT_MACHINE)
    except KeyboardInterrupt:
        return _fail("interrupted (Ctrl-C)", jobs, before, EXIT_INTERRUPTED)
    return 0


def _fingerprint(path: Path) -> tuple | None:
    """What identifies the file at ``path`` (inode, size, time), or None if there is none."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def _fail(message: str, jobs: Sequence[Job], before: dict, status: int) -> int:
    """Print one ``error: …`` line, saying which outputs were written, and return ``status``.

    What was written is read from the files themselves, so the line is right whichever step
    failed (even a Ctrl-C between a save and its "Saved" line).
    """
    written = [str(j.output) for j in jobs if _fingerprint(j.output) != before.get(j.output)]
    if written:
        message += f"; already saved: {', '.join(written)}"
    elif status == EXIT_INTERRUPTED:
        message += "; nothing was written"
    print(f"error: {message}", file=sys.stderr)
    return status


def _plan(args: argparse.Namespace) -> list[Job]:
    """Check every argument before any work; return the jobs."""
    content = _one_of(args.content, args.content_opt, "content")
    styles = _styles(args)
    style = styles[0] if styles else None
    _check_values(args)
    args.style_mix = parse_style_mix(args.style_mix, len(styles) or 1)
    default_run = content is None and style is None and args.output is None
    if args.method is not None:
        methods: tuple[str, ...] = (check_choice("--method", args.method, METHODS),)
    else:
        methods = METHODS if default_run else METHODS[:1]
    _refuse_unused_flags(args, methods)
    if default_run:
        out = Path("outputs")
        return [
            Job(m, DEFAULT_CONTENT, DEFAULT_STYLE, out / f"tuebingen_starry_night_{m}.png", True)
            for m in methods
        ]
    if content is None or style is None:
        raise NSTError("give both CONTENT and STYLE (paths, URLs or bundled names)")
    if args.output is None:
        raise NSTError("give the output file with -o OUT, e.g. -o out.png")
    return [Job(methods[0], content, style, Path(args.output), args.force, styles)]


def _check_values(args: argparse.Namespace) -> None:
    """Check each given value's range (before it is known which method runs)."""
    if args.backbone is not None:
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
    if args.strength is not None:
        check_float("--strength", args.strength, 0.0, 1.0)
    if args.style_scale is not None:
        check_float("--style-scale", args.style_scale, *STYLE_SCALE_RANGE)


def _refuse_unused_flags(args: argparse.Namespace, methods: tuple[str, ...]) -> None:
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


def _styles(args: argparse.Namespace) -> tuple[str, ...]:
    """Every painting given: STYLE first, then each ``-s``, in order."""
    return tuple(([args.style] if args.style is not None else []) + (args.style_opt or []))


def _one_of(positional: str | None, option: str | None, name: str) -> str | None:
    if positional is not None and option is not None and positional != option:
        raise NSTError(
            f"{name} given twice ({positional!r} and -{name[0]} {option!r}); give it once"
        )
    return positional if positional is not None else option


def _check_output(job: Job) -> None:
    from .images import check_output_path, image_path

    output = check_output_path(job.output)
    for source in (job.content, *(job.styles or (job.style,))):
        source = str(image_path(source)) if _is_bundled(source) else source
        if (
            "://" not in source
            and Path(source).exists()
            and Path(source).resolve() == output.resolve()
        ):
            raise NSTError(f"-o {output} is an input image; choose another output file name")
    if output.exists() and not job.replace:
        raise NSTError(f"{output} exists; choose another name or add --force to replace it")


def _run(args: argparse.Namespace, job: Job) -> None:
    """Make and save one picture; turn the machine's failures into :class:`MachineError`."""
    start = time.perf_counter()
    try:
        if job.method == "fast":
            image, engine = _run_fast(args, job)
        else:
            image, engine = _run_gatys(args, job)
        _save(image, job.output)
    except MemoryError:
        raise MachineError(_out_of_memory(args, job)) from None
    except Exception as exc:
        if not _is_resource_exhausted(exc):
            raise
        raise MachineError(_out_of_memory(args, job)) from None
    seconds = time.perf_counter() - start
    print(
        f"Saved {job.output} ({image.shape[2]}×{image.shape[1]} px, {job.method} method on "
        f"{engine}, {seconds:.1f} s)"
    )


def _run_fast(args: argparse.Namespace, job: Job) -> tuple[object, str]:
    from .images import load_image
    from .magenta import load_stylizer

    content_image = load_image(job.content, max_dim=args.max_dim or FAST_MAX_DIM)
    stylizer = load_stylizer()
    strength = 1.0 if args.strength is None else args.strength
    given = {"preserve_color": args.preserve_color, "style_mix": args.style_mix}
    controls = {name: value for name, value in given.items() if value is not None}
    return stylizer(content_image, _style_images(job), strength=strength, **controls), stylizer.name


def _style_images(job: Job) -> object:
    """The job's painting, or the list of its paintings to mix, loaded."""
    from .images import load_image

    styles = [load_image(style) for style in job.styles or (job.style,)]
    return styles if len(styles) > 1 else styles[0]


def _run_gatys(args: argparse.Namespace, job: Job) -> tuple[object, str]:
    from .gatys import stylize
    from .images import load_image

    show_progress = sys.stderr.isatty()
    result = stylize(
        load_image(job.content),
        _style_images(job),
        backbone=args.backbone or "auto",
        max_dim=args.max_dim,
        steps=args.steps,
        content_weight=args.content_weight,
        style_weight=args.style_weight,
        total_variation_weight=args.tv_weight,
        optimizer=args.optimizer or DEFAULT_OPTIMIZER,
        progress=show_progress,
        mixed_precision=False if args.float32 else None,
        preserve_color=args.preserve_color,
        style_mix=args.style_mix,
        style_scale=1.0 if args.style_scale is None else args.style_scale,
    )
    losses = ", ".join(f"{k} {v:.6g}" for k, v in result.final_losses.items())
    in_bfloat16 = (
        f" (the first {result.bfloat16_steps} in bfloat16)" if result.bfloat16_steps else ""
    )
    print(f"Final loss after {result.steps} {result.optimizer} steps{in_bfloat16}: {losses}")
    if result.stop_reason and not show_progress:  # with a progress bar the loop says it
        print(f"Stopped early: {result.stop_reason}")
    return result.image, result.backbone


def _is_resource_exhausted(exc: BaseException) -> bool:
    """Whether ``exc`` is TensorFlow's out-of-memory error (``ResourceExhaustedError``)."""
    tf = sys.modules.get("tensorflow")
    return tf is not None and isinstance(exc, tf.errors.ResourceExhaustedError)


def _out_of_memory(args: argparse.Namespace, job: Job) -> str:
    size = args.max_dim or (FAST_MAX_DIM if job.method == "fast" else None)
    at = f"max_dim {size}" if size else "the default max_dim"
    smaller = max(MIN_SIDE * 2, (size or 256) // 2)
    return (
        f"out of memory making {job.output} ({job.method} method at {at}); "
        f"use a smaller --max-dim, e.g. --max-dim {smaller}, or close other programs"
    )


def _save(image: object, output: Path) -> None:
    """Save atomically; a failure to write becomes :class:`MachineError` (the old file stays)."""
    from .images import save_image

    try:
        save_image(image, output)
    except OSError as exc:
        folder = output.parent.resolve()
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            fix = f"the disk holding {folder} is full; free some space or choose -o on another disk"
        elif isinstance(exc, PermissionError) or exc.errno in (
            errno.EACCES,
            errno.EPERM,
            errno.EROFS,
        ):
            fix = f"no permission to write in {folder}; choose -o in a folder you can write to"
        else:
            fix = f"{exc.strerror or exc}; choose -o in another folder"
        raise MachineError(f"could not write {output}: {fix}") from None


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
