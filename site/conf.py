"""Sphinx configuration of the suite's site; ``python scripts/build_site.py`` builds it.

The site's sources are the repository's own files (the README as the landing page, ``docs/``,
``benchmarks/README.md``, the notebooks) plus ``site/api.md``; nothing is copied or rewritten on
disk. Sphinx reads each notebook's *executed* copy from ``$NST_EXECUTED_DIR`` (written there by
``notebooks/conftest.py`` while nbval ran it) and renders its outputs without running it again.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nbformat
from docutils import nodes
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nst_helpers import __version__  # noqa: E402
from nst_helpers.cli.teach import student_copy  # noqa: E402
from nst_helpers.config import COLAB_REF, REPOSITORY  # noqa: E402

#: The lessons, in their order: the site's navigation follows it.
LESSONS = [f"notebooks/{path.stem}" for path in sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"))]
#: Where the executed notebooks are (``notebooks/conftest.py`` writes them).
EXECUTED = Path(os.environ.get("NST_EXECUTED_DIR", ROOT / "build" / "executed"))
#: Lines the package prints once when a model loads (``sources.choice.announce_backend``).
MODEL_NOTICE = re.compile(r"^(Backbone|Fast path): [^\r\n]*", re.MULTILINE)
#: Where each lesson's student copy is put in the built site.
STUDENT_FOLDER = "student"

project = "Neural style transfer, step by step"
release = __version__
copyright = "the nst-suite authors, MIT licence"
root_doc = "README"
include_patterns = [
    "README.md",
    *(f"{lesson}.ipynb" for lesson in LESSONS),
    "docs/*.md",
    "benchmarks/README.md",
    "site/api.md",
    "CONTRIBUTING.md",
    "CHANGELOG.md",
    "nst_helpers/data/CREDITS.md",
]
extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx-mathjax-offline",  # MathJax copied into the site: math renders with no network
    "sphinx_reredirects",
    "sphinx.ext.githubpages",  # .nojekyll, so that GitHub Pages serves _static/ and _images/
]
# The instructors' Colab check is a ```python block with a `!` shell line: plain text is fine.
suppress_warnings = ["misc.highlighting_failure"]
# The landing page is README.html; index.html, what a web server opens first, sends there.
redirects = {"index": "README.html"}

# Notebooks: render the outputs of the run that wrote them; never execute here.
nb_execution_mode = "off"
nb_merge_streams = True
nb_ipywidgets_js = {}  # no widget JavaScript from a CDN (the panels need a kernel anyway)
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3  # links such as docs/cli.md#models-and-environment-variables

autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {
    "repository_url": f"https://github.com/{REPOSITORY}",
    "repository_branch": COLAB_REF,
    "launch_buttons": {"colab_url": "https://colab.research.google.com"},
    "use_repository_button": True,
    "use_download_button": True,
    "show_toc_level": 2,
    "navbar_persistent": [],  # pydata-sphinx-theme 0.20 would add a second search bar on top
}
html_context = {"default_mode": "auto"}  # the theme logs an error on file:// without it
html_last_updated_fmt = None
# Search results without page summaries: fetching them fails when the site opens from file://.
html_show_search_summary = False

#: The site's navigation, appended to the README (the landing page) as it is read.
TOCTREE = "\n".join(
    [
        "",
        "```{toctree}",
        ":hidden:",
        ":caption: Lessons",
        "",
        *LESSONS,
        "```",
        "",
        "```{toctree}",
        ":hidden:",
        ":caption: Reference",
        "",
        "docs/instructors",
        "docs/cli",
        "site/api",
        "benchmarks/README",
        "CONTRIBUTING",
        "CHANGELOG",
        "nst_helpers/data/CREDITS",
        "```",
        "",
    ]
)


def executed_notebook(docname: str) -> nbformat.NotebookNode:
    """The executed copy of the lesson ``docname`` (``notebooks/NN_name``)."""
    path = EXECUTED / f"{Path(docname).name}.ipynb"
    if not path.is_file():
        raise ExtensionError(
            f"{path} is missing: run the notebooks with NST_EXECUTED_DIR={EXECUTED} "
            "(python scripts/build_site.py does)"
        )
    return nbformat.read(path, as_version=4)


def collapse_solutions(notebook: nbformat.NotebookNode) -> None:
    """Fold the cells Jupyter folds (``source_hidden``: the solutions), titled as in Colab."""
    for cell in notebook.cells:
        if not cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"):
            continue
        title = re.match(r"#\s*@title\s+(.+)", cell.source)
        name = title.group(1).strip() if title else "the code"
        cell.metadata.setdefault("tags", []).append("hide-input")
        cell.metadata["mystnb"] = {
            "code_prompt_show": f"Show {name[0].lower()}{name[1:]}",
            "code_prompt_hide": f"Hide {name[0].lower()}{name[1:]}",
        }


def read_source(app, docname: str, source: list[str]) -> None:
    """README: add the navigation. A lesson: give Sphinx its executed copy instead."""
    if docname == root_doc:
        source[0] += TOCTREE
    elif docname in LESSONS:
        notebook = executed_notebook(docname)
        collapse_solutions(notebook)
        source[0] = nbformat.writes(notebook)


def models_note(docname: str) -> nodes.Node:
    """A note naming the run's sizes and the models that made the page's pictures."""
    notebook = executed_notebook(docname)
    printed = "\n".join(
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )
    notices = list(dict.fromkeys(match.group(0) for match in MODEL_NOTICE.finditer(printed)))
    quick = notebook.metadata.get("nst_executed", {}).get("quick", False)
    sizes = "quick test sizes (NST_QUICK=1)" if quick else "its full sizes"
    note = nodes.admonition(classes=["note", "nst-run-note"])
    note += nodes.title(text="How this page was made")
    note += nodes.paragraph(
        text=f"The outputs below come from one run of this notebook at {sizes}. "
        + ("Its pictures were made by:" if notices else "It loads no pretrained model.")
    )
    if notices:
        bullets = nodes.bullet_list()
        for notice in notices:
            bullets += nodes.list_item("", nodes.paragraph(text=notice))
        note += bullets
    return note


def add_models_note(app, doctree, docname: str) -> None:
    """Put :func:`models_note` under a lesson's title and its Colab badge."""
    if docname in LESSONS:
        section = next(iter(doctree.findall(nodes.section)))
        badge = next(i for i, child in enumerate(section) if isinstance(child, nodes.paragraph))
        section.insert(badge + 1, models_note(docname))


def add_student_copy_button(app, pagename, templatename, context, doctree) -> None:
    """Offer the lesson's student copy next to the theme's notebook download, both named."""
    if pagename not in LESSONS:
        return
    url = context["pathto"](f"{STUDENT_FOLDER}/{Path(pagename).name}.ipynb", 1)
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            for button in group["buttons"]:
                if button.get("label") == "download-source-button":
                    button["text"] = "notebook (.ipynb)"
            group["buttons"].insert(
                1,
                {
                    "type": "link",
                    "url": url,
                    "text": "student copy (.ipynb)",
                    "tooltip": "Download the student copy (solutions removed)",
                    "icon": "fas fa-user-graduate",
                    "label": "download-student-copy-button",
                },
            )


def write_student_copies(app, exception) -> None:
    """Write each lesson's student copy (``nst_helpers.cli.teach.student_copy``) into the site."""
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.outdir) / STUDENT_FOLDER
    folder.mkdir(exist_ok=True)
    for lesson in LESSONS:
        path = ROOT / f"{lesson}.ipynb"
        copy = student_copy(nbformat.read(path, as_version=4), path.name)
        nbformat.write(copy, folder / path.name)


def setup(app):
    """Connect the site's hooks (Sphinx calls this for conf.py too)."""
    app.connect("source-read", read_source)
    app.connect("doctree-resolved", add_models_note)
    app.connect("html-page-context", add_student_copy_button, priority=502)
    app.connect("build-finished", write_student_copies)
