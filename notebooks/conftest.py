"""nbval runs each notebook in a fresh kernel with the environment the user gave.

The unit tests (``tests/conftest.py``) default ``NST_OFFLINE`` to 1 while they run; the notebooks
get back what was set when pytest started, so ``python -m pytest --nbval-lax`` without
``NST_OFFLINE`` tests the online models. TensorFlow's C++ log lines stay out of the kernels' output.

With ``NST_EXECUTED_DIR=FOLDER`` each notebook nbval ran is also written to ``FOLDER``, with the
outputs nbval received from the kernel (figures included): the site renders those
(``scripts/build_site.py``), so the notebooks run once for the tests and the site. nbval runs
cells with ``store_history=False``, so IPython cannot see a cell's closing ``;`` and shows the
value it should hide (a figure twice); those values are dropped here, as Jupyter would.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import nbformat
from IPython.core.displayhook import DisplayHook

from nst_helpers.config import quick_mode

_GIVEN = {name: os.environ.get(name) for name in ("NST_OFFLINE",)}
_EXECUTED_DIR = os.environ.get("NST_EXECUTED_DIR", "").strip()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_outputs: dict[str, dict[int, list]] = {}  # notebook's node id -> cell_num -> outputs


def pytest_runtest_setup(item):
    """Restore the user's model-source settings before a notebook's kernel starts."""
    for name, value in _GIVEN.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def pytest_runtest_teardown(item, nextitem):
    """With ``NST_EXECUTED_DIR``: keep the cell's outputs; after a notebook's last cell, write it."""
    if not _EXECUTED_DIR or not hasattr(item, "cell_num"):  # not an nbval cell
        return
    notebook = item.parent
    cells = _outputs.setdefault(notebook.nodeid, {})
    cells[item.cell_num] = getattr(item, "test_outputs", None)  # None: skipped, never ran
    if nextitem is not None and nextitem.parent is notebook:
        return
    executed = copy.deepcopy(notebook.nb)
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    count = 0
    for number, cell in enumerate(code):
        outputs = cells.get(number)
        cell.execution_count = None
        cell.outputs = []
        if outputs is None:
            continue
        count += 1
        cell.execution_count = count
        quiet = DisplayHook.semicolon_at_end_of_expression(cell.source)
        for output in copy.deepcopy(outputs):
            if output.output_type == "execute_result":
                if quiet:
                    continue
                output.execution_count = count
            cell.outputs.append(output)
    executed.metadata["nst_executed"] = {"quick": quick_mode()}

    folder = Path(_EXECUTED_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(executed, folder / Path(str(notebook.fspath)).name)
    del _outputs[notebook.nodeid]
