"""What a student does in JupyterLab, as Playwright steps: open a notebook, run all cells, use a panel.

The panels in ``nst_helpers.ui.panels`` carry CSS classes (``nst-gatys-panel``, ``nst-max-dim``,
``nst-run``, ``nst-status``, ``nst-picture``…) that the steps below find them by.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Locator, Page

from .lab import Lab

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")

# True once every code cell has an execution count: "[*]:" is running or queued, "[ ]:" was
# never run (Run All leaves the cells after a failing one like that).
# A collapsed solution cell shows no prompt at all: cells with an empty prompt are left out, and
# the wait for an idle kernel follows.
ALL_CELLS_RAN = """() => {
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
        .map(p => p.textContent.trim()).filter(text => text !== '');
    return prompts.length > 0 && prompts.every(text => /\\[\\d+\\]/.test(text));
}"""


def only_local(route) -> None:
    """Playwright route handler: let the page reach 127.0.0.1 only (no badges, fonts, news)."""
    if route.request.url.startswith(LOCAL):
        route.continue_()
    else:
        route.abort()


def open_notebook(page: Page, lab: Lab, name: str, timeout: float = 90) -> None:
    """Open ``notebooks/<name>`` and wait until its kernel is idle."""
    page.goto(lab.notebook_url(name), timeout=timeout * 1000)
    page.locator(".jp-NotebookPanel").first.wait_for(timeout=timeout * 1000)
    page.locator("#jp-main-statusbar").get_by_text("Idle").wait_for(timeout=timeout * 1000)


def run_all_cells(page: Page, timeout: float = 900) -> float:
    """Run → Run All Cells from the menu bar; wait until every cell ran. Returns the seconds."""
    start = time.monotonic()
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    try:
        page.wait_for_function(ALL_CELLS_RAN, timeout=timeout * 1000, polling=1000)
    except Exception as exc:
        raise AssertionError(
            f"Run All Cells did not finish within {timeout:.0f} s; cells: {cell_prompts(page)}\n"
            f"tracebacks:\n{tracebacks(page)}"
        ) from exc
    page.locator("#jp-main-statusbar").get_by_text("Idle").wait_for(timeout=60_000)
    return time.monotonic() - start


def cell_prompts(page: Page) -> list[str]:
    """The execution prompts of all code cells, e.g. ``['[1]:', '[2]:', '[*]:', '[ ]:']``."""
    return [
        " ".join(text.split())
        for text in page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
    ]


def tracebacks(page: Page) -> str:
    """The text of the outputs that look like Python errors (for failure messages)."""
    texts = page.locator(".jp-OutputArea-output").all_inner_texts()
    return "\n---\n".join(t[-1500:] for t in texts if "Traceback" in t or "Error" in t)[:6000]


class Panel:
    """One slider panel in the page, found by its CSS class."""

    def __init__(self, page: Page, css_class: str) -> None:
        self.page = page
        self.root = page.locator(f".{css_class}")
        self.root.wait_for(timeout=30_000)
        self.root.scroll_into_view_if_needed()

    def part(self, name: str) -> Locator:
        """A part of the panel by its hook, e.g. ``part("max-dim")`` for ``.nst-max-dim``."""
        return self.root.locator(f".nst-{name}")

    # What the panel shows
    def status(self) -> str:
        return self.part("status").inner_text().strip()

    def readout(self) -> str:
        return self.part("readout").inner_text().strip()

    def slider_text(self, name: str) -> str:
        """The number a slider shows next to its track."""
        return self.part(name).locator(".widget-readout").inner_text().strip()

    def picture_src(self) -> str:
        return self.part("picture").get_attribute("src") or ""

    def picture_size(self) -> tuple[int, int]:
        """The displayed picture's size in pixels (width, height), as decoded by the browser."""
        self.page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0",
            arg=self.part("picture").element_handle(),
            timeout=30_000,
        )
        return tuple(self.part("picture").evaluate("img => [img.naturalWidth, img.naturalHeight]"))

    def wait_for_status(self, pattern: str, timeout: float = 120) -> str:
        """Wait until the status line matches the regular expression ``pattern``; return it."""
        try:
            self.page.wait_for_function(
                "([el, pattern]) => new RegExp(pattern).test(el.innerText)",
                arg=[self.part("status").element_handle(), pattern],
                timeout=timeout * 1000,
                polling=200,
            )
        except Exception as exc:
            raise AssertionError(
                f"status never matched {pattern!r}; it says {self.status()!r}"
            ) from exc
        return self.status()

    def wait_for_new_picture(self, old_src: str, timeout: float = 60) -> str:
        """Wait until the picture is a different one from ``old_src``; return the new src."""
        self.page.wait_for_function(
            "([img, old]) => img.src && img.src !== old",
            arg=[self.part("picture").element_handle(), old_src],
            timeout=timeout * 1000,
            polling=200,
        )
        return self.picture_src()

    # What a student does
    def drag(self, name: str, dx: float) -> str:
        """Drag a slider's handle ``dx`` pixels with the mouse; return the slider's new text."""
        handle = self.part(name).locator(".noUi-handle")
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        self.page.mouse.move(x + dx, y, steps=8)
        self.page.mouse.up()
        return self.slider_text(name)

    def press(self, name: str, key: str, times: int = 1) -> str:
        """Focus a slider's handle and press ``key``; return the slider's new text."""
        handle = self.part(name).locator(".noUi-handle")
        handle.focus()
        for _ in range(times):
            self.page.keyboard.press(key)
        return self.slider_text(name)

    def type_into(self, name: str, text: str) -> str:
        """Type ``text`` into a slider's number box and press Enter; return what it shows then."""
        box = self.part(name).locator(".widget-readout")
        box.click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        return self.slider_text(name)

    def click_run(self) -> None:
        self.part("run").click()

    def upload(self, picker: str, path: Path) -> None:
        """Press a picker's Upload button and choose ``path`` in the file dialog."""
        with self.page.expect_file_chooser() as chooser:
            self.part(f"{picker}-picker").locator("button").click()
        chooser.value.set_files(str(path))

    def choose(self, picker: str, name: str) -> None:
        """Pick a bundled image in a picker's dropdown."""
        self.part(f"{picker}-picker").locator("select").select_option(name)

    def record(self) -> None:
        """Start recording what changes in the panel (Run button, progress, picture, status).

        Call it before the action that starts a run, then :meth:`wait_for_run`.
        """
        self.root.evaluate(
            """root => {
                const bar = root.querySelector('.nst-progress .progress-bar');
                const img = root.querySelector('.nst-picture');
                const button = root.querySelector('.nst-run');
                const log = window.__nstLog = [];
                const note = () => log.push({
                    t: performance.now(), busy: button.disabled,
                    width: bar ? bar.style.width : null,
                    src: img.src, status: root.querySelector('.nst-status').innerText,
                });
                window.__nstObserver?.disconnect();
                window.__nstObserver = new MutationObserver(note);
                window.__nstObserver.observe(root, {
                    subtree: true, attributes: true, childList: true, characterData: true,
                });
            }"""
        )

    def wait_for_run(self, pattern: str, timeout: float = 120) -> str:
        """Wait until a run started after :meth:`record` has ended with a status matching
        the regular expression ``pattern``; return the status line.

        A run disables the Run button until it ends, so "the button was disabled since record()
        and is enabled again" tells this run from the one before, even if both say the same.
        """
        try:
            self.page.wait_for_function(
                """([root, pattern]) => {
                    const button = root.querySelector('.nst-run');
                    const status = root.querySelector('.nst-status').innerText;
                    return (window.__nstLog || []).some(e => e.busy) && !button.disabled
                        && new RegExp(pattern).test(status);
                }""",
                arg=[self.root.element_handle(), pattern],
                timeout=timeout * 1000,
                polling=200,
            )
        except Exception as exc:
            raise AssertionError(
                f"no run ended with a status matching {pattern!r}; it says {self.status()!r}; "
                f"the Run button was {'' if self._was_busy() else 'never '}disabled meanwhile"
            ) from exc
        return self.status()

    def _was_busy(self) -> bool:
        return any(entry["busy"] for entry in self.recorded())

    def recorded(self) -> list[dict]:
        """What :meth:`record` saw so far."""
        return self.page.evaluate("() => window.__nstLog || []")

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.root.screenshot(path=str(path))
