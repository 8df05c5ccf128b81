"""Grade the notebooks with the real nbgrader, as a course would, and check every score.

Usage, in a virtual environment with nbgrader and the package (``.ci/run``'s configuration
``nbgrader``)::

    python scripts/nbgrader_course.py                 # the notebooks of GRADED
    python scripts/nbgrader_course.py notebooks/*.ipynb

In a temporary course folder it copies the notebooks into ``source/``, runs ``nbgrader
generate_assignment`` and ``release_assignment``, submits three students' copies through a
temporary exchange (``nbgrader submit``, then ``collect``), runs ``autograde`` and
``generate_feedback``, and fails unless:

- the student version holds no solution and no hidden test, its graded cells are those of
  ``python -m nst_helpers.cli.teach student-copies``, and no link opens a notebook with solutions;
- ``solutions`` (the notebooks' own answers) gets every point;
- ``wrong`` (the typical wrong answer of :data:`WRONG` for every odd-numbered exercise, the right
  answer for the others) gets exactly the even-numbered exercises' points, and its feedback shows
  each wrong answer's explanation, as the checker gives it, once;
- ``unanswered`` (the student version as handed out) gets 0 and its feedback says "not
  implemented yet" for every exercise;
- no cell but a graded one fails in any submission.

Quick sizes and offline models (``NST_QUICK=1 NST_OFFLINE=1``, set here). Grading runs every
notebook once per submission, so :data:`GRADED` takes the notebooks whose exercises differ in
kind rather than all six, to keep CI under its budget (see :data:`GRADED`).
"""

from __future__ import annotations

import argparse
import contextlib
import html
import importlib
import io
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
import numpy as np
import tensorflow as tf
from nbgrader.api import Gradebook

import nst_helpers.exercises
from nst_helpers.cli.markers import (
    BEGIN,
    HIDDEN_BEGIN,
    graded_cells,
    mark_solution_cells,
    marked_region,
    replace_marked,
    solution_exercises,
)
from nst_helpers.cli.teach import student_copy
from nst_helpers.config import REPOSITORY

ROOT = Path(__file__).resolve().parent.parent
COURSE, ASSIGNMENT = "nst-course", "nst"
STUDENTS = ("solutions", "wrong", "unanswered")
#: The notebooks graded by default, whose exercises differ in kind: 01 (integer arithmetic in pure
#: Python, NumPy loops with TensorFlow's own pooling forbidden, code that runs after the check),
#: 03 (TensorFlow functions of images and of dicts of feature maps, a forbidden built-in) and
#: 05 (NumPy vectors and float16 tensors). 02, 04 and 06 add exercises of the same kinds; on a
#: 2-core machine nearly idle all six took 8.6 min, these three 4.0 min.
GRADED = ("01_", "03_", "05_")
#: A typical wrong answer per exercise function: the lines that replace the solution's (indented
#: like them); most are mistakes the checkers' tests pin. Odd-numbered exercises get them.
WRONG = {
    "conv_output_size": "return (n + 2 * padding - f) // stride  # the + 1 forgotten",
    "max_pool": 'return tf.nn.max_pool2d(x[None], size, stride, "VALID")[0].numpy()',
    "my_gram_matrix": "features = np.asarray(features)\n"
    "_, h, w, c = features.shape\n"
    "flat = features.reshape(1, h * w, c)\n"
    "return np.transpose(flat, (0, 2, 1)) @ flat  # not divided by H·W",
    "convert_style_weight": 'shrink = {"tf": 1.0, "gatys": 4.0, "pytorch": float(channels) ** 2}\n'
    "return style_weight * shrink[source] / shrink[target]  # the wrong way round",
    "total_variation": "return tf.image.total_variation(image)  # the built-in it rebuilds",
    "style_loss": "errors = []\n"
    "for name, target in style_targets.items():\n"
    "    _, h, w, c = style_features[name].shape\n"
    "    flat = tf.reshape(style_features[name], [1, h * w, c])\n"
    "    gram = tf.matmul(flat, flat, transpose_a=True) / (h * w)\n"
    "    errors.append(tf.reduce_mean(tf.square(gram - target)))\n"
    "return tf.add_n(errors)  # not averaged over the layers",
    "deprocess": "bgr = inputs + tf.constant(mean_bgr, dtype=tf.float32)\n"
    "return tf.clip_by_value(bgr / 255.0, 0.0, 1.0)  # still BGR",
    "center_crop_square": "side = min(image.shape[1], image.shape[2])\n"
    "return image[:, :side, :side, :]  # the corner, not the centre",
    "blend_style_vectors": "return strength * own + (1.0 - strength) * style  # swapped",
    "resize_to_max_dim": "height, width = image.shape[1], image.shape[2]\n"
    "scale = max_dim / max(height, width)\n"
    "return tf.image.resize(image, (int(height * scale), int(width * scale)), antialias=True)",
    "textbook_gamma": "return float(np.dot(y, y) / np.dot(s, y))  # upside down",
    "box_sums": "return values  # the pixel alone",
    "gram_float16": "_, height, width, channels = features.shape\n"
    "flat = tf.reshape(features, [1, height * width, channels])\n"
    "return tf.matmul(flat, flat, transpose_a=True) / (height * width)  # inf in float16",
    "match_mean_std": "content_mean, content_var = tf.nn.moments(content, axes=[1, 2], keepdims=True)\n"
    "style_mean, style_var = tf.nn.moments(style, axes=[1, 2], keepdims=True)\n"
    "return (content - content_mean) / (content_var + epsilon) * (style_var + epsilon) + style_mean",
    "match_luminance": "painting = tf.convert_to_tensor(painting, tf.float32)\n"
    "photo = tf.convert_to_tensor(photo, tf.float32)\n"
    "y = tf.reduce_mean(painting, axis=-1, keepdims=True)  # (R+G+B)/3, not YIQ's Y\n"
    "photo_y = tf.reduce_mean(photo, axis=-1, keepdims=True)\n"
    "y = (y - tf.reduce_mean(y)) / tf.math.reduce_std(y)\n"
    "return y * tf.math.reduce_std(photo_y) + tf.reduce_mean(photo_y)",
}
#: A link a student could follow to a notebook with the solutions.
SOLUTION_URL = re.compile(
    rf"(colab\.research\.google\.com/github/|github\.com/){REPOSITORY}/\w+/[^/\s]+/notebooks"
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class CourseError(Exception):
    """A check of the course failed; the message says which and why."""


def nbgrader(*args: str, cwd: Path) -> None:
    """Run one nbgrader command; its whole output if it fails."""
    command = [str(Path(sys.executable).parent / "nbgrader"), *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        raise CourseError(f"nbgrader {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def answers(source: nbformat.NotebookNode, name: str, student: str) -> dict[str, str]:
    """The source of each solution cell, by grade_id, as ``student`` writes it."""
    written = {}
    for index, exercise in solution_exercises(source, name).items():
        cell = source.cells[index]
        begin, end = marked_region(cell.source, name)
        inside = cell.source.splitlines()[begin + 1 : end]
        right = textwrap.dedent("\n".join(inside)).splitlines()
        if student == "wrong" and exercise.number % 2:
            if exercise.function not in WRONG:
                raise CourseError(f"WRONG has no wrong answer for `{exercise.function}`; add one")
            right = WRONG[exercise.function].splitlines()
        written[cell.metadata["nbgrader"]["grade_id"]] = replace_marked(cell.source, name, right)
    return written


def check_release(release: nbformat.NotebookNode, source: nbformat.NotebookNode, name: str):
    """Check the student version nbgrader wrote: the student copy but for the stubs."""
    text = nbformat.writes(release)
    for words in (BEGIN, HIDDEN_BEGIN):
        if words in text:
            raise CourseError(f"release/{name} still holds '{words}'")
    if SOLUTION_URL.search(text):
        raise CourseError(f"release/{name} links to a notebook with solutions")
    ours = student_copy(source, name)
    solutions = solution_exercises(source, name)
    for index, (theirs, mine) in enumerate(zip(release.cells, ours.cells, strict=True)):
        folded = theirs.metadata.get("cellView") or theirs.metadata.get("jupyter")
        if index in solutions and (folded or not theirs.source.startswith("# Your answer")):
            raise CourseError(f"release/{name}, cell {index + 1}: the answer cell is folded")
        if index not in solutions and theirs.source != mine.source:
            raise CourseError(f"release/{name}, cell {index + 1} is not the student copy's")


def checkers() -> dict[str, object]:
    """Every checker of ``nst_helpers.exercises`` by name."""
    found = {}
    for module in pkgutil.iter_modules(nst_helpers.exercises.__path__):
        loaded = importlib.import_module(f"nst_helpers.exercises.{module.name}")
        found.update({k: getattr(loaded, k) for k in dir(loaded) if k.startswith("check_")})
    return found


def explanation(solution_cell: str, graded_cell: str) -> str:
    """What the graded cell's checker prints for the answer in ``solution_cell``, outside nbgrader."""
    namespace = {"np": np, "tf": tf}
    exec(solution_cell, namespace)  # the answer this script wrote itself
    call = re.search(r"\b(check_\w+)\((\w+)\)", graded_cell)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        checkers()[call[1]](namespace[call[2]])
    return out.getvalue().strip()


def text_of_html(path: Path) -> str:
    """The text a reader sees in an HTML file."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def check_student(course: Path, student: str, sources: dict[str, nbformat.NotebookNode]) -> str:
    """Check one student's scores, autograded notebooks and feedback; a line for the report."""
    got = want = total = 0.0
    notebooks = []  # "01: 2/4" for each notebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE) as gradebook:
        for name, source in sources.items():
            graded = graded_cells(source, name)
            autograded = nbformat.read(course / "autograded" / student / ASSIGNMENT / name, 4)
            feedback = text_of_html(
                course / "feedback" / student / ASSIGNMENT / f"{Path(name).stem}.html"
            )
            mine = answers(source, name, student) if student != "unanswered" else {}
            by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in autograded.cells}
            for index, (number, points) in graded.items():
                grade_id = source.cells[index].metadata["nbgrader"]["grade_id"]
                right = student == "solutions" or (student == "wrong" and number % 2 == 0)
                score = gradebook.find_grade(grade_id, Path(name).stem, ASSIGNMENT, student).score
                if score != (points if right else 0):
                    raise CourseError(f"{student}, {name}, exercise {number}: {score} of {points}")
                errors = [o for o in by_id[grade_id].outputs if o.output_type == "error"]
                shown = "\n".join(ANSI.sub("", line) for e in errors for line in e.traceback)
                if student == "wrong" and not right:
                    solution_id = next(k for k in mine if k.startswith(f"exercise_{number}_"))
                    expected = explanation(mine[solution_id], source.cells[index].source)
                    said = " ".join(expected.split())  # wrapped in the error and the feedback
                    if (
                        not said.startswith("✗ ")
                        or " ".join(shown.split()) != f"AssertionError: {said}"
                    ):
                        raise CourseError(f"{student}, {name}, exercise {number}: {shown!r}")
                    if " ".join(feedback.split()).count(said) != 1:
                        raise CourseError(f"{name}'s feedback does not show, once: {expected}")
                if student == "unanswered" and "is not implemented yet" not in shown:
                    raise CourseError(f"{student}, {name}, exercise {number}: {shown!r}")
                got, want = got + score, want + (points if right else 0)
                total += points
            mark = gradebook.find_submission_notebook(Path(name).stem, ASSIGNMENT, student)
            notebooks.append(f"{name[:2]}: {mark.score:g}/{mark.max_score:g}")
            for cell in autograded.cells:
                failed = any(o.output_type == "error" for o in cell.get("outputs", []))
                if failed and not cell.metadata.get("nbgrader", {}).get("grade"):
                    raise CourseError(f"{student}, {name}: a cell that is not graded failed")
        submitted = gradebook.find_submission(ASSIGNMENT, student).score
    if not submitted == got == want:
        raise CourseError(f"{student}: the gradebook's total {submitted} is not {want}")
    return f"{student:>10}: {got:g} of {total:g} points ({', '.join(notebooks)}), as expected"


def course_config(course: Path, exchange: Path) -> str:
    """The course's nbgrader_config.py."""
    return "\n".join(
        [
            "from nst_helpers.cli.teach import StudentVersion",
            "",
            "c = get_config()  # noqa: F821",
            f"c.CourseDirectory.course_id = {COURSE!r}",
            f"c.Exchange.root = {str(exchange)!r}",
            f"c.Exchange.cache = {str(course.parent / 'cache')!r}",
            "c.Execute.timeout = 900  # seconds a cell may take (nbgrader's default is 30)",
            "c.GenerateAssignment.preprocessors.prepend([StudentVersion])  # no badge to the solutions",
            "",
        ]
    )


def run(paths: list[Path], keep: Path | None) -> list[str]:
    """Run the course on ``paths`` (in ``keep`` if given, else a temporary folder); the report."""
    report = []
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        tmp = keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nbgrader-")))
        course, exchange = Path(tmp) / "course", Path(tmp) / "exchange"
        (course / "source" / ASSIGNMENT).mkdir(parents=True)
        exchange.mkdir()
        exchange.chmod(0o777)
        (course / "nbgrader_config.py").write_text(course_config(course, exchange))
        sources = {}
        for path in paths:
            shutil.copy(path, course / "source" / ASSIGNMENT / path.name)
            sources[path.name] = nbformat.read(path, as_version=4)
            check = nbformat.read(path, as_version=4)
            mark_solution_cells(check, path.name)
            if check != sources[path.name]:
                raise CourseError(f"{path.name}: run scripts/refresh_notebooks.py --strip-only")
        nbgrader("generate_assignment", ASSIGNMENT, cwd=course)
        nbgrader("release_assignment", ASSIGNMENT, cwd=course)
        for name, source in sources.items():
            check_release(nbformat.read(course / "release" / ASSIGNMENT / name, 4), source, name)
        for student in STUDENTS:
            folder = Path(tmp) / student / ASSIGNMENT
            shutil.copytree(course / "release" / ASSIGNMENT, folder)
            for name, source in sources.items():
                copy = nbformat.read(folder / name, as_version=4)
                mine = answers(source, name, student) if student != "unanswered" else {}
                for cell in copy.cells:
                    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                    cell.source = mine.get(grade_id, cell.source)
                nbformat.write(copy, folder / name)
            nbgrader(
                "submit", ASSIGNMENT, f"--course={COURSE}", f"--student={student}",
                f"--Exchange.root={exchange}", f"--Exchange.cache={Path(tmp) / 'cache'}",
                cwd=folder.parent,
            )  # fmt: skip
        nbgrader("collect", ASSIGNMENT, cwd=course)
        prepared = time.monotonic()
        report.append(f"generated, released, submitted, collected in {prepared - started:.0f} s")
        nbgrader("autograde", ASSIGNMENT, cwd=course)
        graded = time.monotonic()
        report.append(f"autograded {len(STUDENTS)} submissions in {graded - prepared:.0f} s")
        nbgrader("generate_feedback", ASSIGNMENT, cwd=course)
        report.append(f"feedback in {time.monotonic() - graded:.0f} s")
        report += [check_student(course, student, sources) for student in STUDENTS]
    return report


def main() -> int:
    """Grade the notebooks named on the command line (default: :data:`GRADED`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: GRADED)")
    parser.add_argument("--keep", type=Path, help="an empty folder in which to keep the course")
    args = parser.parse_args()
    if args.keep and (not args.keep.is_dir() or any(args.keep.iterdir())):
        parser.error(f"--keep {args.keep} is not an empty folder; make one")
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    paths = args.paths or [p for p in notebooks if p.name.startswith(GRADED)]
    os.environ.update({"NST_QUICK": "1", "NST_OFFLINE": "1"})
    # nbgrader runs `alembic` from PATH, as in an activated virtual environment.
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    print("grading", ", ".join(p.name for p in paths), flush=True)
    try:
        lines = run(paths, args.keep)
    except CourseError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
