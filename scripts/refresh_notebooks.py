"""Run notebooks in quick offline mode and keep outputs only in ``# NBVAL_CHECK_OUTPUT`` cells.

Usage::

    python scripts/refresh_notebooks.py                      # every notebook in notebooks/
    python scripts/refresh_notebooks.py notebooks/01_*.ipynb # some of them
    python scripts/refresh_notebooks.py --strip-only         # only strip, do not run

The checked cells' outputs become nbval's expected outputs; every other cell is stored without
output or execution count, as the project's tests require.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from nst_helpers.config import REPOSITORY

ROOT = Path(__file__).resolve().parent.parent
MARK = "NBVAL_CHECK_OUTPUT"


BADGE = re.compile(r"colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/")
REPO_LINE = re.compile(r'^REPO = "[^"]*"', re.MULTILINE)


def strip(notebook: nbformat.NotebookNode) -> None:
    """Drop outputs of unchecked cells; point badges and ``REPO = …`` lines at REPOSITORY."""
    notebook.metadata.pop("widgets", None)  # saved widget state is output too
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "markdown":
            cell.source = BADGE.sub(
                f"colab.research.google.com/github/{REPOSITORY}/blob/", cell.source
            )
        else:
            cell.source = REPO_LINE.sub(f'REPO = "{REPOSITORY}"', cell.source)
        if cell.cell_type != "code":
            continue
        if MARK in cell.source:
            continue
        cell.outputs = []
        cell.execution_count = None


def run(path: Path, timeout: int) -> None:
    """Execute ``path`` in quick offline mode from the notebooks folder and store it stripped."""
    notebook = nbformat.read(path, as_version=4)
    os.environ.update({"NST_QUICK": "1", "NST_OFFLINE": "1"})
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    strip(notebook)
    nbformat.write(notebook, path)


def main() -> int:
    """Run or strip the notebooks named on the command line (default: all)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--strip-only", action="store_true")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args()
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"{'stripping' if args.strip_only else 'running'} {path}", file=sys.stderr)
        if args.strip_only:
            notebook = nbformat.read(path, as_version=4)
            strip(notebook)
            nbformat.write(notebook, path)
        else:
            run(path, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
