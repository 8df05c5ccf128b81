"""The exercises' cells as nbgrader reads them: solution cells and graded cells (notebooks 01–06).

Every exercise with a checker is two cells. The **solution cell** defines the exercise's function;
its answer stands between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` inside that function.
The **graded cell** after it calls the checker; its second line reads
``# Grades exercise N (P points).``, and an optional ``### BEGIN HIDDEN TESTS`` …
``### END HIDDEN TESTS`` block calls it again on other inputs. :func:`mark_solution_cells` (which
``scripts/refresh_notebooks.py`` applies) gives both cells the metadata nbgrader reads, so a course
that uses nbgrader takes the notebooks as they are.

Which exercise a solution answers: the first item of the notebook's numbered ``## Exercises`` list
that names, in backticks, the function the marked lines belong to (``style_loss(`` in "Write
`style_loss(style_features, style_targets)`"). ``N`` is that item's number, so it is the number
the student reads, and the title is its bold lead without the final full stop. A solution cell
holds one marked region, inside a function: a stub outside one would stop the notebook.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import nbformat

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


def marked_region(
    source: str, where: str, begin: str = BEGIN, end: str = END
) -> tuple[int, int] | None:
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


def replace_marked(source: str, where: str, lines: Sequence[str]) -> str:
    """``source`` with its marked solution, markers included, replaced by ``lines`` at their indent.

    Args:
        source: A solution cell's source.
        where: The cell, as an error names it.
        lines: What stands in the solution's place: a stub, or another answer.

    Returns:
        The new source.
    """
    cell = source.splitlines()
    begin, end = marked_region(source, where)
    indent = cell[begin][: len(cell[begin]) - len(cell[begin].lstrip())]
    return "\n".join([*cell[:begin], *(indent + line for line in lines), *cell[end + 1 :]])


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
        region = marked_region(cell.source, where)
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
        hidden = marked_region(cell.source, where, HIDDEN_BEGIN, HIDDEN_END)
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
