"""The built site in a real browser: pages, links, pictures, downloads, Colab buttons (issue #32).

Opens the site ``python scripts/build_site.py`` built (``NST_SITE_DIR``, default build/site/html)
in Debian's headless Chromium, served by a static web server on 127.0.0.1 and from the file
system, and fails when

* a page raises a JavaScript error, logs one to the console, or loads a script, style sheet or
  font from another host (the site must work offline);
* an internal link (its ``#anchor`` too) or picture does not resolve, or math stays unrendered;
* a lesson page shows fewer pictures in a cell than that cell of the executed notebook has
  (``NST_EXECUTED_DIR``, default build/site/executed: image outputs, and HTML outputs holding an
  ``<img>`` or ``<video>``), shows a Python error, or shows a solution unfolded;
* a lesson's notebook or student-copy download is dead or is not that notebook;
* a Colab link opens another ref than the notebook's setup cell installs;
* search, opened from the file system, finds nothing.

Screenshots go to test-artifacts/site_*.png. Without a built site it skips, saying how to build
one, unless ``NST_SITE_DIR`` names the site (then a missing site fails).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import nbformat
import pytest

from nst_helpers.config import REPOSITORY

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("NST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "test-artifacts"
SITE = Path(os.environ.get("NST_SITE_DIR") or ROOT / "build" / "site" / "html").resolve()
EXECUTED = Path(
    os.environ.get("NST_EXECUTED_DIR") or ROOT / "build" / "site" / "executed"
).resolve()
LESSONS = sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"))
#: What a page may not load from another host (pictures, such as the Colab badge, it may).
NOT_FROM_ELSEWHERE = {"script", "stylesheet", "font", "xhr", "fetch"}
#: How many pictures each code cell's output shows that loaded (``<img>``, ``<video>``).
PICTURES_PER_CELL = """() => [...document.querySelectorAll('div.cell')].map(cell => {
    const out = cell.querySelector('.cell_output');
    if (!out) return 0;
    const images = [...out.querySelectorAll('img')].filter(i => i.complete && i.naturalWidth > 0);
    return images.length + out.querySelectorAll('video source[src], video[src]').length;
})"""
#: Each cell's source text and whether it is folded away (inside a closed <details>).
CELLS = """() => [...document.querySelectorAll('div.cell')].map(cell => {
    const input = cell.querySelector('.cell_input');
    const folded = input ? input.closest('details') : null;
    return {source: input ? input.textContent : '', folded: !!folded && !folded.open};
})"""


def _missing() -> str | None:
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set NST_CHROMIUM)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed in this Python (pip install -r requirements-dev.txt)"
    if not (SITE / "index.html").is_file() and not os.environ.get("NST_SITE_DIR"):
        return f"no site built in {SITE} (python scripts/build_site.py builds it)"
    return None


pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(_missing() is not None, reason=f"site test skipped: {_missing()}"),
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the failures say what went wrong
        pass


@pytest.fixture(scope="module")
def server():
    """A static web server on 127.0.0.1 serving the site; yields its address."""
    assert (SITE / "index.html").is_file(), f"NST_SITE_DIR={SITE} holds no built site"
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


class Watched:
    """A page whose JavaScript errors, failed loads and loads from other hosts are recorded."""

    def __init__(self, context) -> None:
        self.problems: list[str] = []
        context.route("**/*", self._route)
        self.page = context.new_page()
        self.page.set_default_timeout(30_000)
        self.page.on("pageerror", lambda error: self.problems.append(f"JavaScript error: {error}"))
        self.page.on("console", self._console)
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)

    @staticmethod
    def local(url: str) -> bool:
        return url.startswith(("http://127.0.0.1", "file://", "data:", "blob:"))

    def _route(self, route) -> None:
        request = route.request
        if self.local(request.url):
            route.continue_()
            return
        if request.resource_type in NOT_FROM_ELSEWHERE:
            self.problems.append(f"loads a {request.resource_type} from {request.url}")
        route.abort()

    def _console(self, message) -> None:
        # Failed loads are reported by _failed and _response, with their address.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console error on {self.page.url}: {message.text}")

    def _failed(self, request) -> None:
        if self.local(request.url):
            self.problems.append(f"could not load {request.url}: {request.failure}")

    def _response(self, response) -> None:
        if self.local(response.url) and response.status >= 400:
            self.problems.append(f"HTTP {response.status} for {response.url}")

    def open(self, url: str) -> None:
        """Go to ``url``; wait until its math is typeset (MathJax loads from the site itself)."""
        self.page.goto(url)
        self.page.wait_for_load_state("load")
        math = self.page.locator(".math").count()
        if math:
            try:
                self.page.wait_for_function(
                    f"document.querySelectorAll('mjx-container').length >= {math}", timeout=30_000
                )
            except Exception:  # Playwright's TimeoutError
                rendered = self.page.locator("mjx-container").count()
                self.problems.append(f"{url}: {rendered} of {math} formulas rendered")


@pytest.fixture
def watched(chromium, request):
    context = chromium.new_context(viewport={"width": 1300, "height": 900})
    watched = Watched(context)
    failures = request.session.testsfailed
    try:
        yield watched
    finally:
        if request.session.testsfailed > failures:
            ARTIFACTS.mkdir(exist_ok=True)
            watched.page.screenshot(path=str(ARTIFACTS / f"site-{request.node.name}-failed.png"))
        context.close()


def _site_path(url: str, base: str) -> Path:
    """The file in the site that ``url`` (on the server at ``base``) names."""
    path = SITE / unquote(urlparse(url).path).lstrip("/")
    return path / "index.html" if url[len(base) :] in ("", "/") or path.is_dir() else path


def test_every_page_link_and_picture_resolves(watched, server):
    pages: dict[Path, set[str]] = {}  # each page visited, with the ids its anchors may name
    links: list[tuple[str, str]] = []  # (page, link) for every internal link
    todo = [f"{server}/"]
    while todo:
        url = todo.pop()
        if _site_path(url, server) in pages:
            continue
        watched.open(url)
        pages[_site_path(url, server)] = set(
            watched.page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)")
        )
        pages[_site_path(watched.page.url, server)] = pages[_site_path(url, server)]  # redirects
        for image in watched.page.evaluate(
            "() => [...document.images].map(i => [i.src, i.complete && i.naturalWidth > 0])"
        ):
            if watched.local(image[0]) and not image[1]:
                watched.problems.append(f"{watched.page.url}: picture {image[0]} does not show")
        for href in watched.page.evaluate("() => [...document.links].map(a => a.href)"):
            if href.startswith(server):
                links.append((watched.page.url, href))
                target = urldefrag(href).url
                if target.endswith(".html") or target.endswith("/"):
                    todo.append(target)
    for page, href in links:
        target, anchor = urldefrag(href)
        path = _site_path(target, server)
        if not path.is_file():
            watched.problems.append(f"{page}: link to {href}, which does not exist")
        elif anchor and path in pages and unquote(anchor) not in pages[path]:
            watched.problems.append(f"{page}: link to {href}, whose page has no #{anchor}")
    assert not watched.problems, "\n".join(dict.fromkeys(watched.problems))
    lessons = {SITE / "notebooks" / f"{notebook.stem}.html" for notebook in LESSONS}
    assert lessons <= pages.keys(), (
        f"lessons not reached from the landing page: {lessons - pages.keys()}"
    )
    for wanted in ("docs/instructors.html", "docs/cli.html", "benchmarks/README.html"):
        assert SITE / wanted in pages, f"{wanted} is not reached from the landing page"


def _figures(notebook: nbformat.NotebookNode) -> list[int]:
    """Per code cell, how many pictures its outputs hold (image outputs, HTML <img>/<video>)."""

    def pictures(output) -> int:
        data = output.get("data", {})
        if any(kind.startswith("image/") for kind in data):
            return 1
        html = data.get("text/html", "")
        return len(re.findall(r"<(?:img|video)\b", "".join(html)))

    return [
        sum(pictures(output) for output in cell.get("outputs", []))
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


def _setup_ref(notebook: nbformat.NotebookNode) -> str:
    """The git ref the notebook's setup cell clones (``"--branch", REF`` in its command)."""
    for cell in notebook.cells:
        found = re.search(r'"--branch",\s*(\w+|"[^"]+")', cell.source)
        if cell.cell_type == "code" and found:
            name = found.group(1)
            if name.startswith('"'):
                return name.strip('"')
            return re.search(rf'^{name}\s*=\s*"([^"]+)"', cell.source, re.M).group(1)
    raise AssertionError("no setup cell cloning the repository (--branch REF)")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem[:2])
def test_lesson_page(watched, server, lesson):
    committed = nbformat.read(lesson, as_version=4)
    executed_path = EXECUTED / lesson.name
    assert executed_path.is_file(), f"no executed copy of {lesson.name} in {EXECUTED}"
    executed = nbformat.read(executed_path, as_version=4)
    watched.open(f"{server}/notebooks/{lesson.stem}.html")
    page = watched.page

    # Every figure of the executed notebook is on the page, cell by cell.
    wanted, shown = _figures(executed), page.evaluate(PICTURES_PER_CELL)
    assert len(shown) == len(wanted), f"{len(shown)} code cells on the page, {len(wanted)} run"
    missing = [
        f"cell {number}: {shown[number]} of {count} pictures"
        for number, count in enumerate(wanted)
        if shown[number] < count
    ]
    assert not missing, f"{lesson.name}: pictures missing on the page: {missing}"
    assert sum(wanted) > 0, f"{executed_path} has no figure: was it run?"
    errors = page.locator(".cell_output .traceback").count()
    assert errors == 0, f"{lesson.name}: the page shows {errors} Python errors"
    # A printed path is the reader's (../outputs/…), not a folder of the machine that built it.
    assert str(ROOT) not in page.content(), f"{lesson.name}: the page names {ROOT}"

    # The solutions are there, folded as in Colab; the run's models are named.
    cells = page.evaluate(CELLS)
    solutions = [cell for cell in cells if "### BEGIN SOLUTION" in cell["source"]]
    if "### BEGIN SOLUTION" in nbformat.writes(committed):
        assert solutions and all(cell["folded"] for cell in solutions), "a solution is unfolded"
    note = page.locator(".nst-run-note").inner_text()
    printed = "\n".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    for notice in re.findall(r"^(?:Backbone|Fast path): [^\r\n]*", printed, re.M):
        assert notice in note, f"the page does not say which model ran: {notice}"

    # Colab: the theme's button and the notebook's badge open the ref the setup cell installs.
    ref = _setup_ref(committed)
    expected = f"https://colab.research.google.com/github/{REPOSITORY}/blob/{ref}/{lesson.relative_to(ROOT)}"
    colab = page.locator("a[href^='https://colab.research.google.com/']")
    hrefs = [colab.nth(i).get_attribute("href") for i in range(colab.count())]
    assert page.locator(".dropdown-launch-buttons a[href^='https://colab']").count() == 1
    assert hrefs and all(href == expected for href in hrefs), (
        f"{lesson.name}'s setup cell installs {ref!r}; Colab links: {hrefs}"
    )

    # Downloads: the notebook as committed, and its student copy without the solutions.
    for label in ("download-source-button", "download-student-copy-button"):
        link = page.locator(f".dropdown-download-buttons a.btn-{label}")
        assert link.count() == 1, f"no {label} on {lesson.name}'s page"
        response = page.request.get(link.evaluate("a => a.href"))
        assert response.ok, f"{label}: HTTP {response.status} for {response.url}"
        copy = nbformat.reads(response.text(), as_version=4)
        assert [c.cell_type for c in copy.cells] == [c.cell_type for c in committed.cells], (
            f"{response.url} is not a copy of {lesson.name}"
        )
        if label == "download-source-button":
            assert copy == committed, f"{response.url} is not {lesson.name}"
        else:
            text = nbformat.writes(copy)
            assert "### BEGIN SOLUTION" not in text, f"{response.url} holds the solutions"
            assert text.count("raise NotImplementedError") >= len(solutions)
            assert not any(c.get("outputs") for c in copy.cells if c.cell_type == "code")
    assert not watched.problems, "\n".join(dict.fromkeys(watched.problems))

    if lesson.stem.startswith("03"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "site_lesson_top.png"))
        figure = page.locator("div.cell").nth(next(i for i, n in enumerate(wanted) if n))
        figure.screenshot(path=str(ARTIFACTS / "site_lesson_figure.png"))


def test_file_system_pages_math_and_search(watched):
    """Opened from the file system: the landing page, a lesson with math, and search."""
    ARTIFACTS.mkdir(exist_ok=True)
    watched.open((SITE / "index.html").as_uri())
    assert watched.page.url.endswith("/README.html"), watched.page.url
    watched.page.screenshot(path=str(ARTIFACTS / "site_landing.png"))
    lesson = next(path for path in LESSONS if path.stem.startswith("02"))
    watched.open((SITE / "notebooks" / f"{lesson.stem}.html").as_uri())
    formula = watched.page.locator("mjx-container").first
    assert formula.count() == 1, "no rendered formula on the Gram matrix lesson"
    formula.scroll_into_view_if_needed()
    watched.page.screenshot(path=str(ARTIFACTS / "site_math.png"))
    watched.open((SITE / "search.html").as_uri() + "?q=gram_matrix")
    results = watched.page.locator("#search-results ul.search li")
    try:
        results.first.wait_for(timeout=30_000)
    except Exception:  # Playwright's TimeoutError
        pytest.fail(f"search finds nothing for gram_matrix: {watched.problems}")
    assert not watched.problems, "\n".join(dict.fromkeys(watched.problems))
