"""Student copies (nst_helpers.cli.teach): the transformation and the command line, without running.

tests/test_student_copies.py runs the copies.
"""

from __future__ import annotations

import ast
import hashlib
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nst_helpers.cli.teach import (
    BEGIN,
    END,
    NBGRADER_SOLUTION,
    main,
    mark_solution_cells,
    solution_exercises,
    student_copy,
)
from nst_helpers.errors import NSTError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def read(path):
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_copy_replaces_each_solution_by_its_stub_and_keeps_everything_else(path):
    notebook = read(path)
    exercises = solution_exercises(notebook, path.name)
    assert exercises, "every notebook has exercises with solutions"
    copy = student_copy(notebook, path.name)
    assert notebook == read(path), "the instructor's notebook is not changed"
    assert copy.metadata == notebook.metadata and len(copy.cells) == len(notebook.cells)
    for index, (cell, original) in enumerate(zip(copy.cells, notebook.cells, strict=True)):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        assert cell.get("id") == original.get("id")
        if index not in exercises:
            assert cell.source == original.source and cell.metadata == original.metadata
            continue
        folded = {"cellView", "jupyter"}  # the stub opens unfolded, where the student writes
        assert {k: v for k, v in original.metadata.items() if k not in folded} == cell.metadata
        exercise = exercises[index]
        kept = [
            "# Your answer" if "@title" in line else line for line in original.source.splitlines()
        ]
        begin = next(i for i, line in enumerate(kept) if line.strip() == BEGIN)
        end = next(i for i, line in enumerate(kept) if line.strip() == END)
        stub = f'raise NotImplementedError("Exercise {exercise.number}: {exercise.title}")'
        want = [*kept[:begin], kept[begin].replace(BEGIN, stub), *kept[end + 1 :]]
        assert cell.source.splitlines() == want
        function = next(n for n in ast.parse(cell.source).body if isinstance(n, ast.FunctionDef))
        assert function.name == exercise.function
        assert isinstance(function.body[-1], ast.Raise), "the stub ends the function"


def test_exercise_numbers_and_titles_are_those_the_student_reads():
    exercises = solution_exercises(read(ROOT / "notebooks/03_gatys_style_transfer.ipynb"), "03")
    assert [(e.number, e.title, e.function) for e in exercises.values()] == [
        (1, "Total variation by hand", "total_variation"),
        (2, "The style loss from feature maps", "style_loss"),
        (3, "Deprocessing", "deprocess"),
    ]
    exercises = solution_exercises(
        read(ROOT / "notebooks/04_magenta_fast_style_transfer.ipynb"), ""
    )
    assert exercises[max(exercises)].stub == (
        'raise NotImplementedError("Exercise 3: Resizing to max_dim")'
    )


def lesson(*solution_sources, exercises="1. **Square.** Write `square(x)`."):
    cells = [new_markdown_cell("# A lesson"), new_markdown_cell(f"## Exercises\n\n{exercises}")]
    cells += [new_code_cell(source) for source in solution_sources]
    return new_notebook(cells=cells)


SQUARE = f"def square(x):\n    {BEGIN}\n    return x * x\n    {END}\n\n\ncheck(square)"


def test_a_stub_is_indented_like_the_markers_and_a_function_is_found_by_name():
    notebook = lesson(
        "def helper():\n    pass",
        SQUARE,
        exercises="1. **Cube.** Write `cube(x)`.\n2. **The `square`.** Write `square(x)`.",
    )
    copy = student_copy(notebook, "lesson")
    assert copy.cells[3].source == (
        'def square(x):\n    raise NotImplementedError("Exercise 2: The square")\n\n\ncheck(square)'
    )


def test_a_folded_solution_opens_unfolded_as_the_students_answer():
    notebook = lesson(f"# @title Solution\n{SQUARE}")
    cell = notebook.cells[2]
    cell.metadata.update({"cellView": "form", "jupyter": {"source_hidden": True}})
    copy = student_copy(notebook, "lesson").cells[2]
    assert copy.source.splitlines()[0] == "# Your answer"
    assert "cellView" not in copy.metadata and "jupyter" not in copy.metadata
    assert notebook.cells[2].metadata["cellView"] == "form"  # the instructor's copy is unchanged


@pytest.mark.parametrize(
    "source, words",
    [
        (f"def square(x):\n    {BEGIN}\n    return x * x", "exactly one"),
        (f"def square(x):\n    {END}\n    {BEGIN}\n", "exactly one"),
        (f"{SQUARE}\n{BEGIN}\n{END}", "exactly one"),
        (f"{BEGIN}\nsquare = 4\n{END}", "inside the exercise's function"),
        (SQUARE.replace("square", "cube"), "names `cube(…)`"),
    ],
)
def test_bad_markers_are_one_clear_error_naming_the_cell(source, words):
    with pytest.raises(NSTError, match="lesson, cell 3") as error:
        student_copy(lesson(source), "lesson")
    assert words in str(error.value)


def test_markers_in_a_markdown_cell_are_an_error():
    notebook = lesson(SQUARE)
    notebook.cells.append(new_markdown_cell(f"{BEGIN}\nthe answer\n{END}"))
    with pytest.raises(NSTError, match="cell 4: solution markers in a markdown cell"):
        student_copy(notebook, "lesson")


def test_marking_gives_solution_cells_nbgraders_metadata_and_drops_stale_solutions():
    notebook = lesson(SQUARE, "check(square)", "assert square(3) == 9")
    notebook.cells[3].metadata["nbgrader"] = {**NBGRADER_SOLUTION, "grade_id": "old"}
    graded = {"grade": True, "grade_id": "test_square", "locked": True, "points": 1}
    notebook.cells[4].metadata["nbgrader"] = dict(graded)
    mark_solution_cells(notebook, "lesson")
    assert notebook.cells[2].metadata["nbgrader"] == {
        **NBGRADER_SOLUTION,
        "grade_id": "exercise_1_square",
    }
    assert "nbgrader" not in notebook.cells[3].metadata, "no markers: no longer a solution"
    assert notebook.cells[4].metadata["nbgrader"] == graded, "an instructor's test cell stays"


def run_cli(*args, cwd, capsys, monkeypatch):
    """Run ``main`` as the command line does, in ``cwd``: (exit status, stdout, stderr)."""
    monkeypatch.chdir(cwd)
    try:
        status = main([str(a) for a in args])
    except SystemExit as exit:
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def source(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nbformat.write(lesson(SQUARE), folder / "01_lesson.ipynb")
    (folder / "notes.txt").write_text("not a notebook")
    return folder


def test_the_command_writes_copies_and_never_touches_src(source, tmp_path, capsys, monkeypatch):
    before = digest(source)
    status, out, err = run_cli(
        "student-copies",
        source,
        "-o",
        "student",
        cwd=tmp_path,
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    assert status == 0 and out == "wrote student/01_lesson.ipynb\n", err
    assert digest(source) == before
    assert [p.name for p in (tmp_path / "student").iterdir()] == ["01_lesson.ipynb"]
    copy = read(tmp_path / "student/01_lesson.ipynb")
    assert 'NotImplementedError("Exercise 1: Square")' in copy.cells[2].source


@pytest.mark.parametrize(
    "args, words",
    [
        (["missing", "-o", "student"], "SRC missing does not exist"),
        (["notebooks", "-o", "notebooks/student"], "is inside SRC"),
        (["notebooks", "-o", "notebooks"], "is inside SRC"),
        (["notebooks/notes.txt", "-o", "student"], "holds no .ipynb notebook"),
    ],
)
def test_bad_paths_are_one_error_line_exit_2_and_nothing_written(
    source, tmp_path, args, words, capsys, monkeypatch
):
    before = digest(source)
    status, out, err = run_cli(
        "student-copies", *args, cwd=tmp_path, capsys=capsys, monkeypatch=monkeypatch
    )
    assert status == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and words in err, err
    assert digest(source) == before and not (tmp_path / "student").exists()


def test_existing_copies_are_replaced_only_with_force(source, tmp_path, capsys, monkeypatch):
    out = tmp_path / "student"
    out.mkdir()
    (out / "01_lesson.ipynb").write_text("the class's own edits")
    args = ("student-copies", "notebooks", "-o", "student")
    status, _, err = run_cli(*args, cwd=tmp_path, capsys=capsys, monkeypatch=monkeypatch)
    assert status == 2 and "add --force" in err
    assert (out / "01_lesson.ipynb").read_text() == "the class's own edits"
    status, _, _ = run_cli(*args, "--force", cwd=tmp_path, capsys=capsys, monkeypatch=monkeypatch)
    assert status == 0 and "Exercise 1: Square" in (out / "01_lesson.ipynb").read_text()


def test_a_bad_notebook_writes_nothing(source, tmp_path, capsys, monkeypatch):
    (source / "02_broken.ipynb").write_text("{ not json")
    status, _, err = run_cli(
        "student-copies",
        "notebooks",
        "-o",
        "student",
        cwd=tmp_path,
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    assert status == 2 and "02_broken.ipynb is not a readable notebook" in err
    assert not (tmp_path / "student").exists()


def test_python_m_runs_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "nst_helpers.cli.teach", "student-copies", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.returncode == 0 and "SRC is never written to" in " ".join(result.stdout.split())
