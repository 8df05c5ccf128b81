"""Structure of the committed notebooks; nbval runs them (pytest --nbval-lax notebooks/)."""

import json
import re
import statistics
from pathlib import Path

import pytest

from nst_helpers.config import REPOSITORY

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
MARK = "# NBVAL_CHECK_OUTPUT"


def cells(path):
    return json.loads(path.read_text())["cells"]


def source(cell):
    return "".join(cell["source"])


def test_the_series_is_numbered_in_teaching_order():
    names = [p.name for p in NOTEBOOKS]
    assert len(names) == 4
    assert [n[:3] for n in names] == ["01_", "02_", "03_", "04_"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stored_only_in_checked_cells(path):
    for cell in cells(path):
        if cell["cell_type"] != "code":
            continue
        if MARK in source(cell):
            assert cell["outputs"] and cell["execution_count"], source(cell)[:80]
        else:
            assert not cell["outputs"] and cell["execution_count"] is None, source(cell)[:80]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_widget_state_is_stored(path):
    assert "widgets" not in json.loads(path.read_text())["metadata"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_opening_and_closing_sections(path):
    all_cells = cells(path)
    markdown = [source(c) for c in all_cells if c["cell_type"] == "markdown"]
    text = "\n".join(markdown)
    assert markdown[0].lstrip().startswith("# "), "first cell is the H1 title"
    badge = f"colab.research.google.com/github/{REPOSITORY}/blob/main/notebooks/{path.name}"
    assert badge in text, "Open in Colab badge points at this notebook in REPOSITORY"
    for heading in ("What you'll learn", "## Setup", "## Summary", "## Exercises"):
        assert heading in text, heading
    assert text.index("## Setup") < text.index("## Summary") < text.index("## Exercises")
    assert sum(MARK in source(c) for c in all_cells if c["cell_type"] == "code") >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cells_are_short(path):
    lengths = [len(source(c).strip().splitlines()) for c in cells(path) if c["cell_type"] == "code"]
    assert statistics.median(lengths) <= 8
    assert max(lengths) <= 40


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_installs_the_package_only_in_colab_when_missing(path):
    setup = next(source(c) for c in cells(path) if re.search(r"^REPO = ", source(c), re.M))
    assert f'REPO = "{REPOSITORY}"' in setup and "google.colab" in setup
