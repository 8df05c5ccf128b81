"""The command line for a folder of photos or a video (``python -m nst_helpers``, see :mod:`.cli`).

What CONTENT is decides the run: an existing folder stylises every picture in it into the
folder ``-o`` names (:mod:`nst_helpers.batch`); a path ending in a video suffix stylises the video
into the video ``-o`` names (:mod:`nst_helpers.video`); anything else is one picture, as before.
This module imports no TensorFlow until a run starts, so ``--help`` and bad arguments stay fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import NSTError

#: Suffixes read as videos (the same list as :data:`nst_helpers.video.VIDEO_SUFFIXES`).
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi")

EPILOG = """

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
    from . import cli

    try:
        style = _one_style(styles, args)
        method = _check_args(args, kind, style)
        if kind == "folder":
            return _run_folder(args, content, style, method)
        return _run_video(args, content, style)
    except NSTError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return cli.EXIT_BAD_INPUT
    except OSError as exc:
        print(f"error: could not write {args.output}: {exc}", file=sys.stderr)
        return cli.EXIT_MACHINE
    except KeyboardInterrupt:
        saved = "; the pictures saved so far are complete: run again to resume" * (kind == "folder")
        nothing = "; nothing was written" * (kind == "video")
        print(f"error: interrupted (Ctrl-C){saved}{nothing}", file=sys.stderr)
        return cli.EXIT_INTERRUPTED


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
    from . import cli

    if style is None:
        raise NSTError("give both CONTENT and STYLE (paths, URLs or bundled names)")
    if args.output is None:
        example = "-o stylised/" if kind == "folder" else "-o out.mp4"
        raise NSTError(f"give the output {kind} with -o, e.g. {example}")
    cli._check_values(args)
    method = cli.check_choice("--method", args.method or "fast", cli.METHODS)
    if kind == "video" and method == "gatys":
        raise NSTError(
            "--method gatys is refused for a video: about a minute and a half per frame on a "
            "CPU, and the frames would flicker; use --method fast"
        )
    if kind == "video" and args.recursive:
        raise NSTError("--recursive applies to a folder of photos only; leave it out")
    cli._refuse_unused_flags(args, (method,))
    return method


def _run_folder(args: argparse.Namespace, content: str, style: str, method: str) -> int:
    from . import cli

    _check_folders_before_tensorflow(content, args.output)
    cli._import_tensorflow_quietly()
    from .batch import stylize_folder

    options = {}
    if method == "gatys":
        options = {
            "backbone": args.backbone or "auto",
            "steps": args.steps,
            "content_weight": args.content_weight,
            "style_weight": args.style_weight,
            "total_variation_weight": args.tv_weight,
            "optimizer": args.optimizer or "lbfgs",
            "mixed_precision": False if args.float32 else None,
        }
    report = stylize_folder(
        content,
        style,
        args.output,
        method=method,
        recursive=args.recursive,
        force=args.force,
        max_dim=args.max_dim,
        strength=1.0 if args.strength is None else args.strength,
        gatys_options=options,
    )
    print(report.summary())
    return 1 if report.failed else 0


def _run_video(args: argparse.Namespace, content: str, style: str) -> int:
    from . import cli
    from .video import check_output, probe_video

    check_output(Path(content), Path(args.output), args.force)
    probe_video(content)  # a bad video is refused before TensorFlow loads
    cli._import_tensorflow_quietly()
    from .video import stylize_video

    report = stylize_video(
        content,
        style,
        args.output,
        strength=1.0 if args.strength is None else args.strength,
        max_dim=args.max_dim or 384,
        force=args.force,
    )
    print(report.summary())
    return 0


def _check_folders_before_tensorflow(content: str, output: str) -> None:
    """:func:`nst_helpers.batch.check_folders` without importing TensorFlow (it is not needed)."""
    photos, out = Path(content).resolve(), Path(output).resolve()
    if out == photos or photos in out.parents:
        raise NSTError(
            f"-o {output} is the photos folder {content} or lies inside it, and the photos "
            "folder is never written; choose an output folder outside it"
        )
    if Path(output).exists() and not Path(output).is_dir():
        raise NSTError(f"-o {output} is a file; for a folder of photos, -o names an output folder")
