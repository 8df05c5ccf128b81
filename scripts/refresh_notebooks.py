"""Run notebooks in quick offline mode and keep outputs only in ``# NBVAL_CHECK_OUTPUT`` cells.

Usage::

    python scripts/refresh_notebooks.py                      # every notebook in notebooks/
    python scripts/refresh_notebooks.py notebooks/01_*.ipynb # some of them
    python scripts/refresh_notebooks.py --strip-only         # only strip, do not run

The checked cells' outputs become nbval's expected outputs; every other cell is stored without
output or execution count, as the project's tests require. The checked cells print only what holds
in every configuration, so the quick offline outputs stored here are the expected outputs of all.

It also copies the repository's address (``nst_helpers.config.REPOSITORY``) into the notebooks'
badges and setup cells, README.md and pyproject.toml, and the release tag
(``nst_helpers.config.RELEASE_TAG``, ``v`` + ``nst_helpers.__version__``) into the badges (which
open ``blob/<tag>/``) and the setup cells (which install it): change the address or the version in
the package, then run this script. Every notebook's metadata asks Colab for a T4 GPU
(:data:`COLAB_METADATA`).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from nst_helpers.cli.teach import mark_solution_cells
from nst_helpers.config import RELEASE_TAG, REPOSITORY

ROOT = Path(__file__).resolve().parent.parent
MARK = "NBVAL_CHECK_OUTPUT"


BADGE = re.compile(r"colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/[\w.-]+/")
GITHUB = re.compile(r"(?<![\w/])github\.com/[\w.-]+/[\w-]+(?:\.git)?")
REPO_LINE = re.compile(r'^REPO = "[^"]*"', re.MULTILINE)
TAG_LINE = re.compile(r'^TAG = "[^"]*"', re.MULTILINE)
#: Files outside the notebooks that name the repository.
LINKED_FILES = ("README.md", "pyproject.toml")
#: Notebook metadata that makes Colab open the notebook on a GPU runtime (a T4, the free one).
COLAB_METADATA = {"accelerator": "GPU", "colab": {"gpuType": "T4", "provenance": []}}


def point_at_repository(text: str) -> str:
    """``text`` with every github.com/OWNER/NAME address naming REPOSITORY, badges RELEASE_TAG."""
    text = BADGE.sub(f"colab.research.google.com/github/{REPOSITORY}/blob/{RELEASE_TAG}/", text)
    return GITHUB.sub(f"github.com/{REPOSITORY}", text)


def strip(notebook: nbformat.NotebookNode, name: str) -> None:
    """Drop outputs of unchecked cells; point badges and ``REPO = …`` lines at REPOSITORY.

    Badges and ``TAG = …`` lines get RELEASE_TAG; the metadata gets :data:`COLAB_METADATA`.

    Solution cells (``### BEGIN SOLUTION`` … ``### END SOLUTION``) get nbgrader's metadata
    (:func:`nst_helpers.cli.teach.mark_solution_cells`), so a new notebook gets it too.
    """
    notebook.metadata.pop("widgets", None)  # saved widget state is output too
    notebook.metadata["accelerator"] = COLAB_METADATA["accelerator"]
    notebook.metadata["colab"] = {**notebook.metadata.get("colab", {}), **COLAB_METADATA["colab"]}
    mark_solution_cells(notebook, name)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "markdown":
            cell.source = point_at_repository(cell.source)
        else:
            cell.source = REPO_LINE.sub(f'REPO = "{REPOSITORY}"', cell.source)
            cell.source = TAG_LINE.sub(f'TAG = "{RELEASE_TAG}"', cell.source)
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
    for name in LINKED_FILES:
        path = ROOT / name
        path.write_text(point_at_repository(path.read_text(encoding="utf-8")), encoding="utf-8")
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
