"""Student copies run top to bottom: each exercise says "not implemented yet", nothing fails.

The copies are written by ``python -m nst_helpers.cli.teach student-copies`` into a temporary folder
and executed once each with nbclient, quick and offline, whatever the environment says. This is
the expensive test of the student copies (a run of every notebook at quick sizes);
tests/cli/test_teach.py tests the transformation itself without running anything.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nst_helpers.cli.markers import graded_cells, solution_exercises
from nst_helpers.cli.teach import student_copies

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Seconds a cell may take before the run counts as failed.
CELL_TIMEOUT = 600


def text_of(cell) -> str:
    """What a cell printed and displayed as text."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append("".join(output.get("text", "")))
        parts.append("".join(output.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_student_copy_runs_to_the_end_and_each_exercise_is_not_implemented_yet(
    path, tmp_path, monkeypatch
):
    monkeypatch.setenv("NST_QUICK", "1")
    monkeypatch.setenv("NST_OFFLINE", "1")
    monkeypatch.setenv("NST_OUTPUT_DIR", str(tmp_path / "outputs"))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)  # a student's run, not nbgrader's
    # The kernel imports this checkout's package, whatever is installed.
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    (copy_path,) = student_copies(path, tmp_path / "student")
    copy = nbformat.read(copy_path, as_version=4)
    NotebookClient(
        copy,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(copy_path.parent)}},
    ).execute()  # a cell that raises fails the test here, naming the cell

    original = nbformat.read(path, as_version=4)
    titles = {e.number: e.title for e in solution_exercises(original, path.name).values()}
    graded = graded_cells(original, path.name)  # the checkers' cells, at the same indices
    assert sorted(number for number, _ in graded.values()) == sorted(titles)
    for index, (number, _) in graded.items():
        lines = text_of(copy.cells[index]).splitlines()
        want = f"not implemented yet: Exercise {number} ({titles[number]})."
        assert sum(want in line for line in lines) == 1, (number, lines)
    every_line = [line for cell in copy.cells for line in text_of(cell).splitlines()]
    assert sum("not implemented yet" in line for line in every_line) == len(graded)
    assert not [line for line in every_line if re.match(r"✗ (?!.*not implemented yet)", line)]
