"""Notebook 04's "Your own photo" cell never makes "Run all" wait for a person, or stop.

A stand-in ``google.colab`` package (written into a temporary folder and put on ``PYTHONPATH``)
plays Colab: its ``files.upload()`` never returns, as it does in a kernel that no browser
answers; returns ``{}``, as Colab's picker does when the student presses Cancel; or raises
``google.colab._message.MessageError``, as it does when the browser blocks third-party cookies.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import types
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "04_magenta_fast_style_transfer.ipynb"
#: ``files.upload()`` of the stand-in: marks that it was called, then waits forever.
BLOCKING_FILES = '''
import os
import threading
from pathlib import Path


def upload():
    """Like Colab's picker in a kernel that no browser answers: it never returns."""
    Path(os.environ["NST_TEST_UPLOAD_CALLED"]).write_text("called")
    threading.Event().wait()
'''
#: Seconds a cell may take (quick sizes; generous for a loaded machine).
CELL_TIMEOUT = 600


def upload_cell() -> str:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and "files.upload()" in c.source]
    return cell.source


class MessageError(RuntimeError):
    """Like Colab's ``google.colab._message.MessageError``: the browser side of a call failed."""


def stand_in_colab(upload) -> dict[str, types.ModuleType]:
    """``sys.modules`` entries for a ``google.colab`` whose ``files.upload`` is ``upload``."""
    colab = types.ModuleType("google.colab")
    files = types.ModuleType("google.colab.files")
    message = types.ModuleType("google.colab._message")
    files.upload = upload
    message.MessageError = MessageError
    colab.files, colab._message = files, message
    return {"google.colab": colab, "google.colab.files": files, "google.colab._message": message}


def run_upload_cell(monkeypatch, upload, upload_photo: bool) -> tuple[dict, list[str]]:
    """Run the notebook's upload cell in a namespace like the notebook's, in "Colab"."""
    from nst_helpers.images import load_image

    for name, module in stand_in_colab(upload).items():
        monkeypatch.setitem(sys.modules, name, module)

    class Stylizer:
        name = "stand-in"

        def __call__(self, photo, style):
            return photo

    namespace = {
        "sys": sys,
        "UPLOAD_PHOTO": upload_photo,
        "MAX_DIM": 64,
        "load_image": load_image,
        "st": Stylizer(),
        "show_images": lambda *args, **kwargs: None,
    }
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(upload_cell(), namespace)  # the notebook's own cell
    return namespace, printed.getvalue().splitlines()


def test_a_cancelled_upload_prints_one_line_and_uses_the_bundled_photo(monkeypatch):
    from nst_helpers.images import load_image

    namespace, lines = run_upload_cell(monkeypatch, lambda: {}, upload_photo=True)
    assert len(lines) == 1 and "cancelled" in lines[0], lines
    cat = load_image("cat", max_dim=64)
    assert namespace["my_photo"].shape == cat.shape


def test_a_blocked_picker_says_so_in_one_line_and_uses_the_bundled_photo(monkeypatch):
    from nst_helpers.images import load_image

    def upload():  # what Colab raises when the browser blocks its third-party cookies
        raise MessageError("TypeError: google.colab._files is undefined")

    namespace, lines = run_upload_cell(monkeypatch, upload, upload_photo=True)
    assert len(lines) == 1 and "third-party cookies" in lines[0], lines
    assert "cat" in lines[0]
    cat = load_image("cat", max_dim=64)
    assert namespace["my_photo"].shape == cat.shape


def test_other_errors_of_the_picker_are_not_hidden(monkeypatch):
    def upload():
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        run_upload_cell(monkeypatch, upload, upload_photo=True)


def test_an_uploaded_photo_is_used_without_a_word(monkeypatch, png_file):
    upload = lambda: {"mine.png": png_file.read_bytes()}  # noqa: E731
    namespace, lines = run_upload_cell(monkeypatch, upload, upload_photo=True)
    assert lines == []
    assert tuple(namespace["my_photo"].shape) == (1, 48, 64, 3)


def test_the_picker_stays_shut_unless_the_student_asks(monkeypatch):
    def upload():
        raise AssertionError("files.upload() was called with UPLOAD_PHOTO = False")

    namespace, lines = run_upload_cell(monkeypatch, upload, upload_photo=False)
    assert lines == [] and namespace["my_photo"].shape[0] == 1


def test_the_parameters_cell_keeps_the_picker_off():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    (parameters,) = [source for source in code if "UPLOAD_PHOTO =" in source]
    assert "UPLOAD_PHOTO = False" in parameters


@pytest.mark.slow
def test_run_all_finishes_in_colab_whose_upload_never_returns(tmp_path, monkeypatch):
    stand_in = tmp_path / "stand_in"
    (stand_in / "google" / "colab").mkdir(parents=True)  # ``google`` stays a namespace package
    (stand_in / "google" / "colab" / "__init__.py").write_text("from . import _message, files\n")
    (stand_in / "google" / "colab" / "_message.py").write_text(
        "class MessageError(RuntimeError):\n    pass\n"
    )
    (stand_in / "google" / "colab" / "files.py").write_text(BLOCKING_FILES)
    called = tmp_path / "upload_called"
    monkeypatch.setenv("NST_TEST_UPLOAD_CALLED", str(called))
    monkeypatch.setenv("NST_QUICK", "1")
    monkeypatch.setenv("NST_OFFLINE", "1")
    monkeypatch.setenv("NST_OUTPUT_DIR", str(tmp_path / "outputs"))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    paths = [str(stand_in), str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(":"))]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # In Colab, google.colab is imported before the first cell runs.
    notebook.cells.insert(
        0, nbformat.v4.new_code_cell("import google.colab\nprint(google.colab.__file__)")
    )
    NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()  # a cell that waits for the picker times out here, and fails the test

    first = "".join(output.get("text", "") for output in notebook.cells[0].outputs)
    assert str(stand_in) in first, "the kernel imported the stand-in google.colab"
    assert not called.exists(), "files.upload() was called although UPLOAD_PHOTO is False"
