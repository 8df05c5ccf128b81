"""The command line for a folder of photos or a video (``python -m nst_helpers``, see :mod:`.cli`).

What CONTENT is decides the run: an existing folder stylises every picture in it into the
folder ``-o`` names (:mod:`nst_helpers.streams.folders`); a path ending in a video suffix stylises the video
into the video ``-o`` names (:mod:`nst_helpers.streams.video`); anything else is one picture, as before.
This module imports no TensorFlow until a run starts, so ``--help`` and bad arguments stay fast.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from ..errors import NSTError, check_choice
from ..streams.paths import VIDEO_SUFFIXES, check_folders
from .parser import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_MACHINE,
    METHODS,
    check_values,
    given,
    import_tensorflow_quietly,
    refuse_unused_flags,
)


def stream_kind(content: str | None) -> str | None:
    """Which kind of run CONTENT asks for.

    Args:
        content: The CONTENT argument.

    Returns:
        ``"folder"`` for an existing folder, ``"video"`` for a video suffix, else None (one
        picture).
    """
    if content is None or "://" in content:
        return None
    if Path(content).is_dir():
        return "folder"
    if Path(content).suffix.lower() in VIDEO_SUFFIXES:
        return "video"
    return None


def run_stream(args: argparse.Namespace, kind: str, content: str, styles: tuple[str, ...]) -> int:
    """Run a folder or a video from the command line.

    Args:
        args: The parsed arguments.
        kind: ``"folder"`` or ``"video"`` (:func:`stream_kind`).
        content: The folder or video.
        styles: The paintings given (one is allowed here).

    Returns:
        The exit status: 0 done; 1 a picture failed (folder) or the machine failed; 2 bad
        input, nothing written; 130 Ctrl-C.
    """
    try:
        style = _one_style(styles, args)
        method = _check_args(args, kind, style)
        if kind == "folder":
            return _run_folder(args, content, style, method)
        return _run_video(args, content, style)
    except NSTError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"error: could not write {args.output}: {exc}", file=sys.stderr)
        return EXIT_MACHINE
    except KeyboardInterrupt:
        saved = "; the pictures saved so far are complete: run again to resume" * (kind == "folder")
        nothing = "; nothing was written" * (kind == "video")
        print(f"error: interrupted (Ctrl-C){saved}{nothing}", file=sys.stderr)
        return EXIT_INTERRUPTED


def _one_style(styles: tuple[str, ...], args: argparse.Namespace) -> str | None:
    """The one painting of a folder or video run; the colour and mixing controls are refused."""
    if len(styles) > 1 or args.style_mix is not None:
        raise NSTError(
            "mixing paintings (-s, --style-mix) applies to one picture only; give one STYLE for "
            "a folder or a video"
        )
    if args.preserve_color is not None:
        raise NSTError(
            "--preserve-color applies to one picture only (it matches the painting to each "
            "photo, so the style vector could not be made once); leave it out for a folder or "
            "a video"
        )
    return styles[0] if styles else None


def _check_args(args: argparse.Namespace, kind: str, style: str | None) -> str:
    """Check the arguments of a folder or video run; return the method."""
    if style is None:
        raise NSTError("give both CONTENT and STYLE (paths, URLs or bundled names)")
    if args.output is None:
        example = "-o stylised/" if kind == "folder" else "-o out.mp4"
        raise NSTError(f"give the output {kind} with -o, e.g. {example}")
    check_values(args)
    method = check_choice("--method", args.method or "fast", METHODS)
    if kind == "video" and method == "gatys":
        raise NSTError(
            "--method gatys is refused for a video: about a minute and a half per frame on a "
            "CPU, and the frames would flicker; use --method fast"
        )
    if kind == "video" and args.recursive:
        raise NSTError("--recursive applies to a folder of photos only; leave it out")
    refuse_unused_flags(args, (method,))
    return method


def _run_folder(args: argparse.Namespace, content: str, style: str, method: str) -> int:

    check_folders(content, args.output)
    import_tensorflow_quietly()
    from ..streams.folders import stylize_folder

    options = {}
    if method == "gatys":  # the checked options, less what the folder run sets itself
        checked = dataclasses.asdict(args.gatys_options)
        options = {k: v for k, v in checked.items() if k not in ("max_dim", "progress")}
        options.update(given(backbone=args.backbone))
    report = stylize_folder(
        content,
        style,
        args.output,
        method=method,
        recursive=args.recursive,
        force=args.force,
        max_dim=args.max_dim,
        gatys_options=options,
        **given(strength=args.strength),
    )
    print(report.summary())
    return 1 if report.failed else 0


def _run_video(args: argparse.Namespace, content: str, style: str) -> int:
    from ..streams.video import check_output, probe_video

    check_output(Path(content), Path(args.output), args.force)
    probe_video(content)  # a bad video is refused before TensorFlow loads
    import_tensorflow_quietly()
    from ..streams.video import stylize_video

    report = stylize_video(
        content,
        style,
        args.output,
        force=args.force,
        **given(strength=args.strength, max_dim=args.max_dim),
    )
    print(report.summary())
    return 0
