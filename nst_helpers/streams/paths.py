"""Which files a folder or video run reads and writes, checked without TensorFlow.

The command line checks folders with these before it imports TensorFlow; :mod:`~nst_helpers.streams.folders`
and :mod:`~nst_helpers.streams.video` use the same lists.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import NSTError

#: Files with these suffixes are pictures to stylise (case does not matter).
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")
#: Pictures in these formats keep their names; others get ``.png`` added.
SAVED_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
#: Suffixes read as videos.
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi")


def find_pictures(folder: str | os.PathLike, recursive: bool = False) -> list[Path]:
    """The pictures in ``folder``, as paths relative to it, sorted; hidden files are left out.

    Args:
        folder: The photos folder.
        recursive: Also look in subfolders (not hidden ones).

    Returns:
        Relative paths such as ``trip/beach.jpg``.
    """
    root = Path(folder)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")) if recursive else []
        for name in filenames:
            if not name.startswith(".") and Path(name).suffix.lower() in IMAGE_SUFFIXES:
                found.append((Path(dirpath) / name).relative_to(root))
    return sorted(found)


def output_name(relative: Path) -> Path:
    """The output's relative name: the picture's own, plus ``.png`` for a format not written.

    JPEG, PNG, WEBP and BMP pictures keep their names; ``photo.gif`` becomes ``photo.gif.png``
    (and ``scan.tif`` ``scan.tif.png``), so no two pictures share an output.

    Args:
        relative: The picture's path relative to the photos folder.

    Returns:
        The output's path relative to the output folder.
    """
    if relative.suffix.lower() in SAVED_SUFFIXES:
        return relative
    return relative.with_name(relative.name + ".png")


def check_folders(photos_dir: str | os.PathLike, out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Check the photos folder and the output folder before any work.

    Args:
        photos_dir: The photos folder (must exist).
        out_dir: The output folder (made if missing).

    Returns:
        Both as paths.

    Raises:
        NSTError: If the photos folder is missing, or the output folder is a file, is the photos
            folder, or lies inside it.
    """
    photos, out = Path(photos_dir), Path(out_dir)
    if not photos.is_dir():
        raise NSTError(f"no folder at {photos}; give the folder that holds the photos")
    if out.exists() and not out.is_dir():
        raise NSTError(f"-o {out} is a file; for a folder of photos, -o names an output folder")
    photos_real, out_real = photos.resolve(), out.resolve()
    if out_real == photos_real:
        raise NSTError(
            f"-o {out} is the photos folder itself; choose another output folder, e.g. -o "
            f"{photos.name}_stylised"
        )
    if photos_real in out_real.parents:
        raise NSTError(
            f"-o {out} lies inside the photos folder {photos}, which is never written; choose an "
            "output folder outside it"
        )
    return photos, out
