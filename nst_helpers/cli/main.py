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

A folder or a video as CONTENT runs :mod:`nst_helpers.cli.streams` instead (a folder's exit
status is also 1 when a picture in it could not be read).
"""

from __future__ import annotations

import argparse
import errno
import sys
import time
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import NamedTuple

from ..errors import NSTError, check_choice
from ..options import FAST_MAX_DIM, MIN_SIDE
from .parser import (
    DEFAULT_CONTENT,
    DEFAULT_STYLE,
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_MACHINE,
    METHODS,
    MachineError,
    build_parser,
    check_values,
    given,
    import_tensorflow_quietly,
    one_of,
    parse_style_mix,
    refuse_unused_flags,
    style_names,
)
from .streams import run_stream, stream_kind


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
        content = one_of(args.content, args.content_opt, "content")
        kind = stream_kind(content)
        if kind is not None:
            return run_stream(args, kind, content, style_names(args))
        if args.recursive:
            raise NSTError("--recursive applies to a folder of photos only; leave it out")
    except NSTError as exc:
        return _fail(str(exc), [], {}, EXIT_BAD_INPUT)
    jobs: list[Job] = []
    before: dict[Path, tuple | None] = {}
    try:
        jobs = _plan(args)
        before = {job.output: _fingerprint(job.output) for job in jobs}
        import_tensorflow_quietly()
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
    """Print one ``error: …`` line naming the outputs written (as the files show), return ``status``."""
    written = [str(j.output) for j in jobs if _fingerprint(j.output) != before.get(j.output)]
    if written:
        message += f"; already saved: {', '.join(written)}"
    elif status == EXIT_INTERRUPTED:
        message += "; nothing was written"
    print(f"error: {message}", file=sys.stderr)
    return status


def _plan(args: argparse.Namespace) -> list[Job]:
    """Check every argument before any work; return the jobs."""
    content = one_of(args.content, args.content_opt, "content")
    styles = style_names(args)
    style = styles[0] if styles else None
    args.style_mix_weights = parse_style_mix(args.style_mix, len(styles) or 1)
    check_values(args)
    default_run = content is None and style is None and args.output is None
    if args.method is not None:
        methods: tuple[str, ...] = (check_choice("--method", args.method, METHODS),)
    else:
        methods = METHODS if default_run else METHODS[:1]
    refuse_unused_flags(args, methods)
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


def _check_output(job: Job) -> None:
    from ..images import check_output_path, image_path

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
    from ..images import load_image
    from ..magenta import load_stylizer

    content_image = load_image(job.content, max_dim=args.max_dim or FAST_MAX_DIM)
    stylizer = load_stylizer()
    flags = given(
        strength=args.strength,
        preserve_color=args.preserve_color,
        style_mix=args.style_mix_weights,
    )
    return stylizer(content_image, _style_images(job), **flags), stylizer.name


def _style_images(job: Job) -> object:
    """The job's painting, or the list of its paintings to mix, loaded."""
    from ..images import load_image

    styles = [load_image(style) for style in job.styles or (job.style,)]
    return styles if len(styles) > 1 else styles[0]


def _run_gatys(args: argparse.Namespace, job: Job) -> tuple[object, str]:
    from ..gatys import stylize
    from ..images import load_image

    options = args.gatys_options
    result = stylize(
        load_image(job.content),
        _style_images(job),
        **given(backbone=args.backbone),
        **{f.name: getattr(options, f.name) for f in fields(options)},
    )
    show_progress = options.progress
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
    from ..images import save_image

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
    from ..images import list_images

    return name in list_images()
