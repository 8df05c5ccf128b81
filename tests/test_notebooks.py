"""Structure of the committed notebooks; nbval runs them (pytest --nbval-lax notebooks/)."""

import json
import re
import statistics
from pathlib import Path

import pytest
from repo_scripts import load_script

from nst_helpers.config import COLAB_REF, REPOSITORY

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
MARK = "# NBVAL_CHECK_OUTPUT"


def cells(path):
    return json.loads(path.read_text())["cells"]


def source(cell):
    return "".join(cell["source"])


def test_the_series_is_numbered_in_teaching_order():
    names = [p.name for p in NOTEBOOKS]
    assert len(names) == 6
    assert [n[:3] for n in names] == ["01_", "02_", "03_", "04_", "05_", "06_"]


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
    badge = f"colab.research.google.com/github/{REPOSITORY}/blob/{COLAB_REF}/notebooks/{path.name}"
    assert badge in text, "Open in Colab badge opens this notebook at COLAB_REF"
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


#: Words that name a configuration: a checked cell that prints one passes in one configuration only.
CONFIGURATION_WORDS = re.compile(r"vgg16|vgg19|onnx|tf hub|nst_offline|downloading|gpu|cpu", re.I)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_checked_outputs_name_no_backend_or_device(path):
    for cell in cells(path):
        if cell["cell_type"] == "code" and MARK in source(cell):
            for output in cell["outputs"]:
                text = "".join(output.get("text", "")) + "".join(
                    output.get("data", {}).get("text/plain", "")
                )
                assert not CONFIGURATION_WORDS.search(text), (source(cell)[:80], text)


def test_every_repository_address_is_the_configured_one():
    root = NOTEBOOKS[0].parent.parent
    texts = {p.name: p.read_text() for p in [root / "README.md", root / "pyproject.toml"]}
    texts.update({p.name: p.read_text() for p in NOTEBOOKS})
    for name, text in texts.items():
        for owner_and_name in re.findall(r"github(?:\.com)?/([\w.-]+/[\w-]+)", text):
            assert owner_and_name == REPOSITORY, (name, owner_and_name)
    for path in NOTEBOOKS:
        setup = next(source(c) for c in cells(path) if re.search(r"^REPO = ", source(c), re.M))
        assert f'REF = "{COLAB_REF}"' in setup, path.name


def test_badges_setup_cells_readme_and_docs_name_one_ref():
    """The release script's check (scripts/release.py) passes; tests/test_release.py tests it."""
    assert load_script("release").disagreements(NOTEBOOKS[0].parent.parent) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_opens_the_notebook_on_a_t4_gpu(path):
    metadata = json.loads(path.read_text())["metadata"]
    assert metadata["accelerator"] == "GPU"
    assert metadata["colab"]["gpuType"] == "T4"


#: A call of an exercise checker, e.g. ``checks.check_style_loss(style_loss)``.
CHECKER_CALL = re.compile(r"\bcheck_\w+\(")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solution_cells_carry_nbgraders_markers_and_metadata(path):
    import nbformat

    from nst_helpers.cli.markers import BEGIN, NBGRADER_SOLUTION, mark_solution_cells

    notebook = nbformat.read(path, as_version=4)
    grade_ids = []
    for cell in notebook.cells:
        text = cell.source
        if cell.cell_type == "code" and CHECKER_CALL.search(text) and "import" not in text:
            graded = cell.metadata["nbgrader"]  # the graded cell after a solution cell
            assert graded["grade"] and graded["points"] >= 1 and BEGIN not in text, text[:80]
        if BEGIN in text:
            metadata = cell.metadata["nbgrader"]
            assert {k: metadata[k] for k in NBGRADER_SOLUTION} == NBGRADER_SOLUTION, text[:80]
            grade_ids.append(metadata["grade_id"])
        else:
            assert not cell.metadata.get("nbgrader", {}).get("solution"), text[:80]
    assert grade_ids and len(set(grade_ids)) == len(grade_ids)
    refreshed = nbformat.read(path, as_version=4)
    mark_solution_cells(refreshed, path.name)
    assert refreshed == notebook, "run scripts/refresh_notebooks.py --strip-only"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solution_cells_open_collapsed_in_colab_and_jupyter(path):
    from nst_helpers.cli.markers import BEGIN

    solutions = [c for c in cells(path) if c["cell_type"] == "code" and BEGIN in source(c)]
    assert solutions
    for cell in solutions:
        # Colab reads "#@title" and "# @title" (ruff format writes the second).
        assert re.match(r"#\s?@title Solution", source(cell)), source(cell)[:80]
        assert cell["metadata"].get("cellView") == "form", source(cell)[:80]
        assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, source(cell)[:80]
