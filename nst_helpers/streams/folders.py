"""Stylise a folder of photos: ``stylize_folder`` and ``python -m nst_helpers PHOTOS_DIR STYLE -o OUT_DIR``.

Every image in the folder (and its subfolders with ``recursive=True``) is stylised into the
output folder under the same relative name. The run is safe to repeat and to interrupt:

* an output that exists is skipped (unless ``force``), so a second run resumes the first;
* each output is written to a temporary file in its folder and renamed when complete
  (:func:`~nst_helpers.images.save_image`), so a killed run leaves no half-written picture;
* a file that cannot be read is reported in one line and counted as failed; the run goes on;
* nothing in the photos folder is ever written: an output folder inside it is refused.

The fast method streams the pictures through :mod:`nst_helpers.streams.pipeline` (decoding, the network
and saving overlap; the painting is prepared once). The Gatys method runs the optimisation of
notebook 03 on one picture after the other.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import tensorflow as tf

from ..errors import NSTError, check_choice
from ..images import ImageSource, load_image, save_image, scale_to_max_dim
from ..options import FAST_MAX_DIM, StylizeOptions
from .paths import IMAGE_SUFFIXES, check_folders, find_pictures, output_name
from .pipeline import Progress, StreamStylizer, run_pipeline


@dataclass
class FolderReport:
    """What a folder run did.

    Attributes:
        done: Outputs written.
        skipped: Pictures whose output already existed (kept; ``force`` replaces them).
        failed: ``(picture, reason)`` for each picture that could not be read or written.
        seconds: Wall time of the run.
    """

    done: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """The last line of a run: the counts."""
        rate = len(self.done) / self.seconds if self.seconds > 0 else 0.0
        return (
            f"Done: {len(self.done)} stylised, {len(self.skipped)} skipped (output exists), "
            f"{len(self.failed)} failed, in {self.seconds:.1f} s ({rate:.1f} pictures/s)"
        )


def stylize_folder(
    photos_dir: str | os.PathLike,
    style: ImageSource,
    out_dir: str | os.PathLike,
    *,
    method: str = "fast",
    recursive: bool = False,
    force: bool = False,
    max_dim: int | None = None,
    strength: float = 1.0,
    stylizer=None,
    gatys_options: dict | None = None,
    progress: bool = True,
) -> FolderReport:
    """Stylise every picture of a folder into another folder, under the same relative names.

    Args:
        photos_dir: The folder of photos (never written).
        style: The painting (anything :func:`~nst_helpers.images.load_image` takes).
        out_dir: The output folder (made if missing; subfolders follow the photos').
        method: ``"fast"`` (Magenta, notebook 04) or ``"gatys"`` (the optimisation, notebook 03).
        recursive: Include subfolders.
        force: Replace outputs that exist (otherwise they are skipped, so a run resumes).
        max_dim: Longest side of the outputs (fast: :data:`~nst_helpers.options.FAST_MAX_DIM` unless given; gatys: its default).
        strength: Fast method: style strength in ``[0, 1]``.
        stylizer: Fast method: the stylizer (default :func:`~nst_helpers.magenta.load_stylizer`).
        gatys_options: Gatys method: ``backbone`` and any option of
            :class:`~nst_helpers.options.StylizeOptions` but ``max_dim``.
        progress: Show a progress bar (plain lines when not on a terminal); failures are
            printed in any case, one line each.

    Returns:
        A :class:`FolderReport`; its ``failed`` list is empty when every picture was stylised.

    Raises:
        NSTError: If a folder or the style is bad, or the folder holds no pictures (nothing is
            written then).
        KeyboardInterrupt: On Ctrl-C; the pictures saved so far are complete, and a new run
            resumes after them.
    """
    check_choice("method", method, ("fast", "gatys"))
    photos, out = check_folders(photos_dir, out_dir)
    start = time.perf_counter()
    report = FolderReport()
    todo = []
    pictures = find_pictures(photos, recursive)
    if not pictures:
        more = "" if recursive else " (add --recursive to look in its subfolders)"
        raise NSTError(
            f"no pictures in {photos}{more}; pictures end in {', '.join(IMAGE_SUFFIXES)}"
        )
    for relative in pictures:
        target = out / output_name(relative)
        if target.exists() and not force:
            report.skipped.append(relative)
        else:
            todo.append((relative, target))
    if method == "fast":
        stylize_one = _fast_function(stylizer, style, strength, max_dim)
        size = max_dim or FAST_MAX_DIM
    else:
        stylize_one = _gatys_function(style, max_dim, gatys_options or {})
        size = None
    bar = Progress(len(todo), "pictures", enabled=progress)
    try:
        run_pipeline(
            _read_pictures(photos, todo, size),
            lambda item: _work(item, stylize_one),
            lambda item: _write(item, report, bar),
        )
    finally:
        bar.close()
        report.seconds = time.perf_counter() - start
    return report


def _fast_function(stylizer, style, strength, max_dim) -> Callable[[tf.Tensor], tf.Tensor]:
    """The fast method on one loaded picture; the style vector is made here, once."""
    if stylizer is None:
        from ..magenta import load_stylizer

        stylizer = load_stylizer()
    return StreamStylizer(stylizer, style, strength=strength, max_dim=max_dim).stylize


def _gatys_function(style, max_dim, options) -> Callable[[tf.Tensor], tf.Tensor]:
    """The Gatys method on one loaded picture (options checked and the style loaded once)."""
    from ..gatys import get_stylizer

    options = dict(options)
    stylizer = get_stylizer(options.pop("backbone", "auto"))
    checked = StylizeOptions.from_keywords(**{**options, "max_dim": max_dim})
    style_image = load_image(style)
    return lambda image: stylizer.stylize(image, style_image, checked).image


def _read_pictures(photos: Path, todo, max_dim: int | None) -> Iterator[tuple]:
    """Decode each picture (the reader stage); a bad one carries its error instead."""
    for relative, target in todo:
        try:
            image = load_image(photos / relative)
            if max_dim is not None and max(image.shape[1:3]) != max_dim:  # else no resampling
                image = scale_to_max_dim(image, max_dim)
            yield relative, target, image
        except NSTError as exc:
            yield relative, target, exc


def _work(item: tuple, stylize_one) -> tuple:
    relative, target, image = item
    if isinstance(image, NSTError):
        return item
    try:
        return relative, target, stylize_one(image)
    except NSTError as exc:
        return relative, target, exc


def _write(item: tuple, report: FolderReport, bar: Progress) -> None:
    relative, target, image = item
    if not isinstance(image, NSTError):
        try:
            save_image(image, target)
            report.done.append(relative)
        except (NSTError, OSError) as exc:
            image = exc
    if isinstance(image, BaseException):
        reason = str(image) if isinstance(image, NSTError) else f"could not write {target}: {image}"
        report.failed.append((relative, reason))
        bar.note(f"failed: {relative}: {reason}")
    bar.update()
