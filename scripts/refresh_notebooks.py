"""Run notebooks in quick offline mode and keep outputs only in ``# NBVAL_CHECK_OUTPUT`` cells.

Usage::

    python scripts/refresh_notebooks.py                      # every notebook in notebooks/
    python scripts/refresh_notebooks.py notebooks/01_*.ipynb # some of them
    python scripts/refresh_notebooks.py --strip-only         # only strip, do not run

The checked cells' outputs become nbval's expected outputs; every other cell is stored without
output or execution count, as the project's tests require. The checked cells print only what holds
in every configuration, so the quick offline outputs stored here are the expected outputs of all.

It also writes every notebook's ``## Setup`` text and setup cell from ``scripts/setup_cell.md`` and
``scripts/setup_cell.py`` (:func:`setup_cells`), and copies the repository's address
(``nst_helpers.config.REPOSITORY``) and the ref the notebooks open (``nst_helpers.config.COLAB_REF``,
a branch or release tag) into the badges, the setup cells, and the instructors' check in README.md
and docs/instructors.md (:data:`LINKED_FILES`): change them in the package, then run this script.
Every notebook's metadata asks Colab for a T4 GPU (:data:`COLAB_METADATA`).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from nst_helpers.cli.markers import mark_solution_cells
from nst_helpers.config import COLAB_REF, REPOSITORY

ROOT = Path(__file__).resolve().parent.parent
MARK = "NBVAL_CHECK_OUTPUT"


BADGE = re.compile(r"colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/[\w.-]+/")
GITHUB = re.compile(r"(?<![\w/])github\.com/[\w.-]+/[\w-]+(?:\.git)?")
#: The instructors' check's clone: ``--branch REF https://github.com/OWNER/NAME``.
CLONE = re.compile(r"--branch [\w.-]+ https://github\.com/[\w.-]+/[\w-]+")
#: Files outside the notebooks that name the repository (every github.com address in them).
LINKED_FILES = ("README.md", "pyproject.toml")
#: Files that hold the instructors' check (only its clone is rewritten).
CHECK_FILES = ("README.md", "docs/instructors.md")
#: The ``## Setup`` text and the setup cell of every notebook, written once.
SETUP_MARKDOWN = Path(__file__).with_name("setup_cell.md")
SETUP_CODE = Path(__file__).with_name("setup_cell.py")
#: Notebook metadata that makes Colab open the notebook on a GPU runtime (a T4, the free one).
COLAB_METADATA = {"accelerator": "GPU", "colab": {"gpuType": "T4", "provenance": []}}


def point_at_repository(text: str) -> str:
    """``text`` with every github.com/OWNER/NAME address naming REPOSITORY, badges COLAB_REF."""
    text = BADGE.sub(f"colab.research.google.com/github/{REPOSITORY}/blob/{COLAB_REF}/", text)
    return GITHUB.sub(f"github.com/{REPOSITORY}", text)


def point_check_at_ref(text: str) -> str:
    """``text`` with the instructors' check cloning REPOSITORY at COLAB_REF."""
    return CLONE.sub(f"--branch {COLAB_REF} https://github.com/{REPOSITORY}", text)


def setup_cells(repository: str = REPOSITORY, ref: str = COLAB_REF) -> tuple[str, str]:
    """The ``## Setup`` text and the setup cell every notebook has.

    Args:
        repository: The GitHub repository (owner/name) the cell clones.
        ref: The branch or tag it clones.

    Returns:
        The markdown cell's source and the code cell's source.
    """
    code = SETUP_CODE.read_text(encoding="utf-8").strip()
    code = code.replace("{REPOSITORY}", repository).replace("{COLAB_REF}", ref)
    return SETUP_MARKDOWN.read_text(encoding="utf-8").strip(), code


def is_setup_markdown(cell: nbformat.NotebookNode) -> bool:
    """Whether ``cell`` is a notebook's ``## Setup`` text."""
    return cell.cell_type == "markdown" and cell.source.startswith("## Setup")


def is_setup_code(cell: nbformat.NotebookNode) -> bool:
    """Whether ``cell`` is a notebook's setup cell (the one that sets ``REPO``)."""
    return cell.cell_type == "code" and re.search(r"^REPO = ", cell.source, re.M) is not None


def write_setup_cells(notebook: nbformat.NotebookNode, name: str) -> None:
    """Replace the notebook's ``## Setup`` text and setup cell with :func:`setup_cells`.

    Raises:
        SystemExit: If the notebook lacks one of them.
    """
    markdown, code = setup_cells()
    for test, source in ((is_setup_markdown, markdown), (is_setup_code, code)):
        found = [cell for cell in notebook.cells if test(cell)]
        if len(found) != 1:
            raise SystemExit(f"{name}: {len(found)} cells match {test.__name__}, expected one")
        found[0].source = source


def strip(notebook: nbformat.NotebookNode, name: str) -> None:
    """Drop outputs of unchecked cells; write the setup cells; point badges at REPOSITORY.

    Badges open COLAB_REF; the metadata gets :data:`COLAB_METADATA`. Solution cells
    (``### BEGIN SOLUTION`` … ``### END SOLUTION``) get nbgrader's metadata
    (:func:`nst_helpers.cli.markers.mark_solution_cells`), so a new notebook gets it too.
    """
    notebook.metadata.pop("widgets", None)  # saved widget state is output too
    notebook.metadata["accelerator"] = COLAB_METADATA["accelerator"]
    notebook.metadata["colab"] = {**notebook.metadata.get("colab", {}), **COLAB_METADATA["colab"]}
    mark_solution_cells(notebook, name)
    write_setup_cells(notebook, name)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "markdown":
            cell.source = point_at_repository(cell.source)
        if cell.cell_type != "code":
            continue
        if MARK in cell.source:
            continue
        cell.outputs = []
        cell.execution_count = None


def run(path: Path, timeout: int) -> None:
    """Execute ``path`` in quick offline mode from the notebooks folder and store it stripped."""
    notebook = nbformat.read(path, as_version=4)
    mark_solution_cells(notebook, path.name)  # bad solution markers stop the script before the run
    write_setup_cells(notebook, path.name)
    os.environ.update({"NST_QUICK": "1", "NST_OFFLINE": "1"})
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    strip(notebook, path.name)
    nbformat.write(notebook, path)


def main() -> int:
    """Run or strip the notebooks named on the command line (default: all)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--strip-only", action="store_true")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args()
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for names, rewrite in ((LINKED_FILES, point_at_repository), (CHECK_FILES, point_check_at_ref)):
        for name in names:
            path = ROOT / name
            path.write_text(rewrite(path.read_text(encoding="utf-8")), encoding="utf-8")
    for path in paths:
        print(f"{'stripping' if args.strip_only else 'running'} {path}", file=sys.stderr)
        if args.strip_only:
            notebook = nbformat.read(path, as_version=4)
            strip(notebook, path.name)
            nbformat.write(notebook, path)
        else:
            run(path, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
