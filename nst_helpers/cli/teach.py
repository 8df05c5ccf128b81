"""Student copies of the notebooks, for instructors: each solution becomes a stub, outputs go.

Usage::

    python -m nst_helpers.cli.teach student-copies notebooks/ -o student/

The solution cells carry nbgrader's markers: the answer stands between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` inside the exercise's function, and the cell's metadata says so the way
nbgrader reads it (:func:`mark_solution_cells`, which ``scripts/refresh_notebooks.py`` applies). An
instructor who uses nbgrader can take the notebooks as they are; the command above needs nothing
but nbconvert. In a student copy the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION``
become one line, indented like them::

    raise NotImplementedError("Exercise 2: The style loss from feature maps")

and every output and execution count is cleared; everything else stays as it is. The checker that
follows then prints one line saying that the exercise is not implemented yet.

Which exercise a solution answers: the first item of the notebook's numbered ``## Exercises`` list
that names, in backticks, the function the marked lines belong to (``style_loss(`` in "Write
`style_loss(style_features, style_targets)`"). ``N`` is that item's number, so it is the number
the student reads, and the title is its bold lead without the final full stop. A solution cell
holds one marked region, inside a function: a stub outside one would stop the notebook.

Why not nbgrader's own ``ClearSolutions``: nbgrader 0.9 requires ``notebook>=7.2`` and
``jupyterlab>=4.2``, which would replace Colab's notebook server, and its stub is one text per
language where each exercise here names itself. The preprocessor below is an nbconvert
``Preprocessor`` that finds nbgrader's markers as nbgrader does.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, Preprocessor

from ..errors import NSTError

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
#: nbgrader's metadata of a solution cell that is not graded by itself (schema 3).
NBGRADER_SOLUTION = {
    "grade": False,
    "locked": False,
    "schema_version": 3,
    "solution": True,
    "task": False,
}

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


def _region(source: str, where: str) -> tuple[int, int] | None:
    """The line numbers of the BEGIN and END markers of ``source``, or None without markers."""
    lines = source.splitlines()
    begins = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if not begins and not ends:
        return None
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise NSTError(
            f"{where}: a solution cell needs exactly one '{BEGIN}' line followed by one "
            f"'{END}' line (found {len(begins)} and {len(ends)}); fix the markers"
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


def mark_solution_cells(notebook: nbformat.NotebookNode, name: str) -> None:
    """Give every cell with solution markers nbgrader's solution metadata, and no other cell.

    Other nbgrader metadata (an instructor's graded test cells, say) stays as it is.

    The ``grade_id`` is ``exercise_N_FUNCTION``, unique within the notebook.

    Args:
        notebook: The notebook, changed in place.
        name: Its name, for error messages.

    Raises:
        NSTError: As :func:`solution_exercises`, or if two solution cells write one function.
    """
    exercises = solution_exercises(notebook, name)
    functions = [e.function for e in exercises.values()]
    if len(set(functions)) != len(functions):
        raise NSTError(f"{name}: two solution cells write the same function; merge them")
    for index, cell in enumerate(notebook.cells):
        if cell.metadata.get("nbgrader", {}).get("solution"):  # markers gone: no solution now
            del cell.metadata["nbgrader"]
        if index in exercises:
            exercise = exercises[index]
            grade_id = f"exercise_{exercise.number}_{exercise.function}"
            cell.metadata["nbgrader"] = {**NBGRADER_SOLUTION, "grade_id": grade_id}


class ClearSolutions(Preprocessor):
    """Replace each marked solution with ``raise NotImplementedError("Exercise N: <title>")``.

    It works like nbgrader's preprocessor of the same name, with a stub that names the exercise.

    The lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` become that one line, with the
    markers' indentation; the rest of the cell stays. ``resources["name"]`` names the notebook in
    error messages.
    """

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple:
        """Replace the solutions of ``nb`` in place.

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
            kept = [*lines[:begin], indent + exercise.stub, *lines[end + 1 :]]
            cell.source = "\n".join(_unfolded(kept, cell))
        return nb, resources


def _unfolded(lines: list[str], cell: nbformat.NotebookNode) -> list[str]:
    """The stub cell opens unfolded, titled for the student's answer, not "Solution"."""
    cell.metadata.pop("cellView", None)
    cell.metadata.get("jupyter", {}).pop("source_hidden", None)
    if not cell.metadata.get("jupyter", True):
        cell.metadata.pop("jupyter")
    return [
        "# Your answer" if line.replace(" ", "").startswith("#@title") else line for line in lines
    ]


def student_copy(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """A student copy of ``notebook``: solutions replaced by stubs, outputs cleared.

    Args:
        notebook: The instructor's notebook (not changed).
        name: Its name, for error messages.

    Returns:
        The student copy.

    Raises:
        NSTError: If the solution markers break a rule of :func:`solution_exercises`.
    """
    copy = deepcopy(notebook)
    resources = {"name": name}
    copy, resources = ClearSolutions().preprocess(copy, resources)
    copy, _ = ClearOutputPreprocessor(remove_metadata_fields=set()).preprocess(copy, resources)
    return copy


def _check_paths(source: Path, out: Path, force: bool) -> list[Path]:
    """The notebooks to copy; NSTError for a bad SRC or OUT, before anything is written."""
    if not source.exists():
        raise NSTError(f"SRC {source} does not exist; give the folder of the notebooks")
    notebooks = sorted(source.glob("*.ipynb")) if source.is_dir() else [source]
    if not notebooks or notebooks[0].suffix != ".ipynb":
        raise NSTError(f"SRC {source} holds no .ipynb notebook; give the folder of the notebooks")
    folder = (source if source.is_dir() else source.parent).resolve()
    target = out.resolve()
    if target == folder or folder in target.parents:
        raise NSTError(f"OUT {out} is inside SRC {source}; choose a folder outside it")
    if out.exists() and not out.is_dir():
        raise NSTError(f"OUT {out} is a file; give a folder")
    taken = [out / p.name for p in notebooks if (out / p.name).exists()]
    if taken and not force:
        raise NSTError(f"{taken[0]} exists; add --force to replace the student copies in {out}")
    return notebooks


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
    notebooks = _check_paths(source, out, force)
    copies = {}
    for path in notebooks:
        try:
            notebook = nbformat.read(path, as_version=4)
        except (OSError, ValueError) as exc:  # nbformat's reader raises ValueError subclasses
            raise NSTError(f"{path} is not a readable notebook ({exc}); check the file") from None
        copies[out / path.name] = student_copy(notebook, path.name)
    out.mkdir(parents=True, exist_ok=True)
    for path, copy in copies.items():
        nbformat.write(copy, path)
    return list(copies)


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
        'becomes raise NotImplementedError("Exercise N: <title>"), outputs are cleared, '
        "everything else stays. SRC is never written to.",
    )
    copies.add_argument("source", metavar="SRC", type=Path, help="folder of notebooks (or one)")
    copies.add_argument("-o", "--out", metavar="OUT", type=Path, required=True, help="folder")
    copies.add_argument("--force", action="store_true", help="replace copies already in OUT")
    args = parser.parse_args(argv)
    try:
        written = student_copies(args.source, args.out, force=args.force)
    except NSTError as exc:
        parser.exit(2, f"error: {exc}\n")
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
