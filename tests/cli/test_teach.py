"""nst_helpers.cli.teach: nbgrader's metadata, student copies, the bundle and its links; the
checkers' graded mode. Nothing here runs a notebook: tests/cli/test_student_copies.py runs the
copies, and .ci/run runs nbgrader itself (scripts/nbgrader_course.py).
"""

from __future__ import annotations

import ast
import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from student_stubs import stub

from nst_helpers.cli.markers import (
    BEGIN,
    END,
    HIDDEN_BEGIN,
    HIDDEN_END,
    NBGRADER_GRADED,
    NBGRADER_SOLUTION,
    graded_cells,
    mark_solution_cells,
    solution_exercises,
)
from nst_helpers.cli.teach import UPLOAD_LINE, bundle, main, student_copy
from nst_helpers.config import COLAB_REF, REPOSITORY
from nst_helpers.errors import NSTError
from nst_helpers.exercises import report
from nst_helpers.exercises.gram import check_gram_matrix

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
        if index in graded_cells(notebook, path.name):
            assert cell.source == without_hidden_tests(original.source)
            assert cell.metadata == original.metadata
            continue
        if index not in exercises:
            if re.search(r"colab\.research\.google\.com/github|\]\(\.\./", original.source):
                continue  # links: test_a_copys_links_never_open_a_notebook_with_solutions
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


def without_hidden_tests(source):
    lines = source.splitlines()
    if HIDDEN_BEGIN not in lines:
        return source
    return "\n".join(lines[: lines.index(HIDDEN_BEGIN)] + lines[lines.index(HIDDEN_END) + 1 :])


def graded(number, points=2, hidden=True):
    """A graded cell as contract 2 writes it."""
    lines = ["# NBVAL_CHECK_OUTPUT", f"# Grades exercise {number} ({points} points)."]
    lines.append("passed = check(square)")
    if hidden:
        lines += [HIDDEN_BEGIN, "passed = check(square, seed=1) and passed", HIDDEN_END]
    return "\n".join([*lines, 'print("done")'])


SOLUTION = f"def square(x):\n    {BEGIN}\n    return x * x\n    {END}"
CUBE = f"def cube(x):\n    {BEGIN}\n    return x**3\n    {END}"
TWO = "1. **Square.** Write `square(x)`.\n2. **Cube.** Write `cube(x)`."


def test_marking_gives_each_pair_nbgraders_metadata_with_the_points():
    notebook = lesson(
        SOLUTION, graded(1, 3), CUBE, graded(2, 1).replace("points", "point"), exercises=TWO
    )
    mark_solution_cells(notebook, "lesson")
    metadata = [c.metadata.get("nbgrader") for c in notebook.cells]
    assert metadata == [
        None,
        None,
        {**NBGRADER_SOLUTION, "grade_id": "exercise_1_square"},
        {**NBGRADER_GRADED, "grade_id": "grades_exercise_1", "points": 3},
        {**NBGRADER_SOLUTION, "grade_id": "exercise_2_cube"},
        {**NBGRADER_GRADED, "grade_id": "grades_exercise_2", "points": 1},
    ]
    assert metadata[3]["grade"] and metadata[3]["locked"] and not metadata[3]["solution"]


def test_marking_drops_metadata_it_wrote_that_no_longer_fits_and_keeps_an_instructors():
    notebook = lesson(
        SOLUTION, graded(1), "check(square)", "check(square)", "assert square(3) == 9"
    )
    notebook.cells[4].metadata["nbgrader"] = {**NBGRADER_SOLUTION, "grade_id": "exercise_1_cube"}
    notebook.cells[5].metadata["nbgrader"] = {**NBGRADER_GRADED, "grade_id": "grades_exercise_2"}
    own = {"grade": True, "grade_id": "test_square", "locked": True, "points": 1}
    notebook.cells[6].metadata["nbgrader"] = dict(own)
    mark_solution_cells(notebook, "lesson")
    assert "nbgrader" not in notebook.cells[4].metadata, "no markers: no longer a solution"
    assert "nbgrader" not in notebook.cells[5].metadata, "no graded line: no longer graded"
    assert notebook.cells[6].metadata["nbgrader"] == own, "an instructor's test cell stays"


@pytest.mark.parametrize(
    "cells, words",
    [
        ([SOLUTION], "cell 3: exercise 1 (square) has no graded cell"),
        ([SOLUTION, graded(1), graded(2)], "cell 5: it grades exercise 2, which has no solution"),
        ([graded(1)], "cell 3: it grades exercise 1, which has no solution cell"),
        ([SOLUTION, graded(1), graded(1)], "cell 5: exercise 1 has a graded cell already"),
        ([SOLUTION, graded(1).replace(" (2 points)", "")], "cell 4: a graded cell is a code cell"),
        ([SOLUTION, graded(1, points=0)], "cell 4: a graded cell is a code cell"),
        ([SOLUTION, "passed = 1\n" + graded(1)], "whose second line reads"),
        (
            [SOLUTION, graded(1), f"{HIDDEN_BEGIN}\ncheck(square)\n{HIDDEN_END}"],
            "cell 5: hidden tests",
        ),
        ([SOLUTION, graded(1).replace(HIDDEN_END, "")], "cell 4: a cell needs exactly one"),
    ],
    ids=[
        "no graded cell",
        "no solution cell",
        "only a graded cell",
        "two graded cells",
        "points missing",
        "no points",
        "graded line not second",
        "hidden tests outside",
        "hidden tests unbalanced",
    ],
)
def test_marking_fails_with_one_error_naming_the_cell_and_the_fix(cells, words):
    with pytest.raises(NSTError, match=r"^lesson, cell \d+: ") as error:
        mark_solution_cells(lesson(*cells), "lesson")
    assert words in str(error.value) and str(error.value).count("\n") == 0


def test_a_copy_drops_the_hidden_tests_as_nbgrader_does_and_keeps_the_rest_of_the_cell():
    notebook = lesson(SOLUTION, graded(1))
    mark_solution_cells(notebook, "lesson")
    copy = student_copy(notebook, "lesson")
    assert copy.cells[3].source == (
        "# NBVAL_CHECK_OUTPUT\n# Grades exercise 1 (2 points).\npassed = check(square)\n"
        'print("done")'
    )
    assert copy.cells[3].metadata == notebook.cells[3].metadata
    assert HIDDEN_BEGIN in notebook.cells[3].source, "the instructor's notebook is not changed"


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


def tree(folder):
    """Every file and folder under ``folder``, with the files' contents."""
    return {str(p): p.is_dir() or p.read_bytes() for p in sorted(folder.rglob("*"))}


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


# --- links: a student copy never opens a notebook with solutions ---------------------------------

#: A link a student could follow to a notebook with the solutions: the repository's notebooks on
#: GitHub or Colab, whatever the ref.
SOLUTION_URL = re.compile(
    rf"(colab\.research\.google\.com/github/|github\.com/){REPOSITORY}/(blob|tree|raw)/[^/\s]+/notebooks"
)


def link_targets(text):
    """Every link target of Markdown or HTML text, and every bare URL."""
    return re.findall(r"\]\(([^)\s]+)|href=\"([^\"]+)|(https?://[^\s)\"'<>]+)", text)


def test_a_copys_links_never_open_a_notebook_with_solutions():
    badge = (
        "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"(https://colab.research.google.com/github/{REPOSITORY}/blob/v9.9.9/notebooks/01_a.ipynb)"
    )
    notebook = lesson(SQUARE)
    notebook.cells[0].source = f"# A lesson\n\n{badge}\nText after the badge."
    notebook.cells.append(
        new_markdown_cell(
            f"See [02](https://github.com/{REPOSITORY}/blob/main/notebooks/02_b.ipynb#part), "
            "[03](../notebooks/03_c.ipynb), [the times](../docs/instructors.md#how-long) and "
            "[Keras](https://keras.io/)."
        )
    )
    copy = student_copy(notebook, "lesson")
    assert copy.cells[0].source == f"# A lesson\n\n{UPLOAD_LINE}\n\nText after the badge."
    assert copy.cells[-1].source == (
        "See [02](02_b.ipynb#part), [03](03_c.ipynb), [the times]"
        f"(https://github.com/{REPOSITORY}/blob/{COLAB_REF}/docs/instructors.md#how-long) and "
        "[Keras](https://keras.io/)."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebooks_copy_says_how_to_upload_it_and_links_to_no_solutions(path):
    copy = student_copy(read(path), path.name)
    text = "\n".join(c.source for c in copy.cells if c.cell_type == "markdown")
    assert UPLOAD_LINE in text
    targets = ["".join(groups) for groups in link_targets(text)]
    assert targets and not [t for t in targets if SOLUTION_URL.search(t) or t.startswith("../")]


# --- the student bundle --------------------------------------------------------------------------


def test_the_bundle_holds_every_student_copy_a_readme_and_no_solution_or_link_to_one(tmp_path):
    out = tmp_path / "nst-student.zip"
    names = bundle(ROOT / "notebooks", out)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == sorted(names)
        files = {name: archive.read(name).decode("utf-8") for name in names}
    assert sorted(files) == sorted(
        ["nst-student/README.md", *(f"nst-student/{p.name}" for p in NOTEBOOKS)]
    )
    for path in NOTEBOOKS:
        assert nbformat.reads(files[f"nst-student/{path.name}"], as_version=4) == student_copy(
            read(path), path.name
        )
    for name, text in files.items():
        assert BEGIN not in text and HIDDEN_BEGIN not in text, name
        for groups in link_targets(text):
            target = "".join(groups)
            assert not SOLUTION_URL.search(target), (name, target)
            if not re.match(r"[a-z]+:", target):  # relative: a file of the bundle
                assert f"nst-student/{target.split('#')[0]}" in files, (name, target)
    readme = files["nst-student/README.md"]
    for words in (
        "File → Upload notebook",
        f"git+https://github.com/{REPOSITORY}@{COLAB_REF}",
        "jupyter lab",
        "What runs offline",
    ):
        assert words in readme, words
    for path in NOTEBOOKS:
        assert f"`{path.name}`" in readme


def test_the_bundle_command_defaults_to_notebooks_and_replaces_only_with_force(
    source, tmp_path, capsys, monkeypatch
):
    args = ("bundle", "-o", "out/class.zip")
    status, out, err = run_cli(*args, cwd=tmp_path, capsys=capsys, monkeypatch=monkeypatch)
    assert status == 0 and out == "wrote out/class.zip\n", err
    archive = tmp_path / "out/class.zip"
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == ["class/01_lesson.ipynb", "class/README.md"]
    before = archive.read_bytes()
    status, out, err = run_cli(*args, cwd=tmp_path, capsys=capsys, monkeypatch=monkeypatch)
    assert (
        status == 2
        and out == ""
        and err == "error: out/class.zip exists; add --force to replace it\n"
    )
    assert archive.read_bytes() == before
    status, _, _ = run_cli(*args, "--force", cwd=tmp_path, capsys=capsys, monkeypatch=monkeypatch)
    assert status == 0 and zipfile.is_zipfile(archive)


@pytest.mark.parametrize(
    "args, words",
    [
        (["student-copies", "missing", "-o", "student"], "SRC missing does not exist"),
        (["student-copies", "notebooks", "-o", "notebooks/student"], "is inside SRC"),
        (["student-copies", "notebooks", "-o", "notebooks"], "is inside SRC"),
        (["student-copies", "notebooks/notes.txt", "-o", "student"], "holds no .ipynb notebook"),
        (["bundle", "missing", "-o", "class.zip"], "SRC missing does not exist"),
        (["bundle", "notebooks", "-o", "class.tar"], "OUT class.tar is not a .zip archive"),
        (["bundle", "notebooks", "-o", "notebooks/class.zip"], "is inside SRC"),
        (["bundle", "notebooks", "-o", "folder.zip"], "OUT folder.zip is a folder"),
        (["bundle", "notebooks/notes.txt", "-o", "class.zip"], "holds no .ipynb notebook"),
    ],
)
def test_bad_paths_are_one_error_line_exit_2_and_nothing_written(
    source, tmp_path, args, words, capsys, monkeypatch
):
    (tmp_path / "folder.zip").mkdir()
    before = tree(tmp_path)
    status, out, err = run_cli(*args, cwd=tmp_path, capsys=capsys, monkeypatch=monkeypatch)
    assert status == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and words in err, err
    assert tree(tmp_path) == before


def test_a_bad_notebook_writes_no_bundle_and_leaves_no_partial_file(source, tmp_path):
    (source / "02_broken.ipynb").write_text("{ not json")
    with pytest.raises(NSTError, match="02_broken.ipynb is not a readable notebook"):
        bundle(source, tmp_path / "class.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notebooks"]


# --- the checkers under nbgrader -----------------------------------------------------------------


def wrong_gram(features):
    _, h, w, c = features.shape
    flat = features.reshape(1, h * w, c)
    return flat.transpose(0, 2, 1) @ flat  # not divided by H·W


def test_under_nbgrader_a_wrong_answer_raises_its_explanation_once(capsys, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert check_gram_matrix(wrong_gram) is False
    explanation = capsys.readouterr().out.rstrip("\n")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(AssertionError) as error:
        check_gram_matrix(wrong_gram)
    assert capsys.readouterr().out == "", "printed once: in the error, not also on stdout"
    assert str(error.value) == explanation and explanation.startswith("✗ ")
    # What IPython shows in place of the traceback, and nbgrader's feedback with it: wrapped.
    lines = [
        line.replace("\x1b[0;31m", "").replace("\x1b[0m", "")
        for line in error.value._render_traceback_()
    ]
    assert " ".join(" ".join(lines).split()) == " ".join(f"AssertionError: {explanation}".split())
    assert max(map(len, lines)) <= 100
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_under_nbgrader_an_exercise_not_written_yet_raises_and_a_right_one_passes(
    capsys, monkeypatch
):
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(AssertionError, match="my_gram_matrix is not implemented yet: Exercise 1"):
        check_gram_matrix(stub("my_gram_matrix", "Exercise 1: Your own Gram matrix"))
    assert report.run_checks(lambda: "all good") is True
    assert capsys.readouterr().out == "✓ all good\n"


def test_under_nbgrader_a_long_explanation_is_wrapped_for_the_feedback(monkeypatch):
    def checks():
        raise report.CheckFailed("f(1)", "1", "2", "a long explanation " * 12)

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(AssertionError) as error:
        report.run_checks(checks)
    lines = error.value._render_traceback_()
    assert lines == [
        "\x1b[0;31mAssertionError\x1b[0m: ✗ f(1)",
        "  expected: 1",
        "  got:      2",
        "  likely mistake: a long explanation a long explanation a long explanation a long "
        "explanation a long",
        "    explanation a long explanation a long explanation a long explanation a long "
        "explanation a long",
        "    explanation a long explanation a long explanation",
    ]
