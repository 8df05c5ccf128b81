"""The slider panels in a real browser: JupyterLab + headless Chromium, end to end (issue #6).

A throwaway JupyterLab (same Python as the tests, 127.0.0.1, a token, a temporary copy of the
notebooks, NST_QUICK=1 and NST_OFFLINE=1) is driven by Playwright in Debian's Chromium the way a
student uses it: Run → Run All Cells, drag sliders, press Run, upload a file. Screenshots of the
panels go to test-artifacts/.

Run it alone with:
    NST_QUICK=1 NST_OFFLINE=1 python -m pytest tests/test_browser.py -v

It skips (saying why) without Chromium (``NST_CHROMIUM``, default /usr/bin/chromium), Playwright
for Python or JupyterLab. Never run ``playwright install``: the test uses the system Chromium.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("NST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _missing() -> str | None:
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set NST_CHROMIUM)"
    for module, package in (("playwright", "playwright"), ("jupyterlab", "jupyterlab")):
        if importlib.util.find_spec(module) is None:
            return f"{package} is not installed in this Python (pip install {package})"
    return None


pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(_missing() is not None, reason=f"browser test skipped: {_missing()}"),
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    from browser import lab as jupyterlab

    server = jupyterlab.start(tmp_path_factory.mktemp("jupyterlab"))
    try:
        yield server
    finally:
        jupyterlab.stop(server)


@pytest.fixture
def page(chromium, lab, request):
    from browser.page import only_local

    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/*", only_local)
    page = context.new_page()
    page.set_default_timeout(30_000)
    failures = request.session.testsfailed
    try:
        yield page
    finally:
        if request.session.testsfailed > failures:  # keep the page as it was when a check failed
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failed.png"), full_page=True)
        context.close()
        lab.shutdown_kernels()


def _number(text: str) -> float:
    return float(text.replace("−", "-"))


def _status_values(status: str) -> dict[str, float]:
    """The ``name value`` pairs the Gatys panel's Done line lists."""
    found = re.findall(
        r"(max_dim|content_weight|style_weight|total_variation_weight) ([-+.\de]+)", status
    )
    return {name: float(value) for name, value in found}


def test_gatys_panel_sliders_change_the_picture(page, lab):
    from browser.page import Panel, open_notebook, run_all_cells

    open_notebook(page, lab, "03_gatys_style_transfer.ipynb")
    run_all_cells(page)
    panel = Panel(page, "nst-gatys-panel")
    panel.wait_for_status(r"^Done")  # the notebook's own panel.run()
    before = {"src": panel.picture_src(), "readout": panel.readout(), "size": panel.picture_size()}
    assert before["src"].startswith(("blob:", "data:")), "the picture never appeared"

    # Drag max_dim all the way left (64 px keeps the run short) and style_weight to the right.
    assert panel.drag("max-dim", -300) == "64"
    old_style = _number(panel.slider_text("style-weight"))
    style_text = panel.drag("style-weight", 60)
    assert _number(style_text) > old_style, f"style_weight did not move: {style_text}"
    shown = {
        name.replace("-", "_"): _number(panel.slider_text(name))
        for name in ("max-dim", "content-weight", "style-weight", "total-variation-weight")
    }

    panel.record()
    panel.click_run()
    status = panel.wait_for_run(r"^Done", timeout=120)
    bar = panel.part("progress").locator(".progress-bar")
    assert "progress-bar-success" in (bar.get_attribute("class") or "")
    assert bar.evaluate("el => el.style.width") == "100%"

    # The picture and the loss readout changed, and the picture has the new max_dim.
    assert panel.picture_src() != before["src"]
    assert panel.readout() != before["readout"] and panel.readout().startswith("step ")
    assert max(panel.picture_size()) == 64 < max(before["size"])

    # The values the panel says it ran with are the ones the sliders show.
    reported = _status_values(status)
    assert reported.keys() == shown.keys(), status
    for name, value in shown.items():
        assert reported[name] == pytest.approx(value, rel=0.06), (name, status)

    # The panel stayed live while the loop ran: the bar moved and the picture refreshed mid-run.
    seen = panel.recorded()
    widths = {entry["width"] for entry in seen if entry["status"].startswith("Running")}
    pictures = {entry["src"] for entry in seen if entry["status"].startswith("Running")}
    assert any(w not in ("0%", "100%") for w in widths), f"progress never moved mid-run: {widths}"
    assert len(pictures - {before["src"]}) >= 1, "the picture did not refresh during the run"

    panel.screenshot(ARTIFACTS / "gatys_panel.png")


def test_fast_panel_sliders_and_a_bad_upload(page, lab, tmp_path):
    from browser.page import Panel, open_notebook, run_all_cells

    open_notebook(page, lab, "04_magenta_fast_style_transfer.ipynb")
    run_all_cells(page)
    panel = Panel(page, "nst-fast-panel")
    panel.wait_for_status(r"^Done")
    first = panel.picture_src()
    start_dim = int(panel.slider_text("max-dim"))
    assert max(panel.picture_size()) == start_dim

    # strength: drag left; the panel re-stylises when the handle is released.
    panel.record()
    strength = panel.drag("strength", -60)
    assert _number(strength) < 1.0
    panel.wait_for_run(rf"strength {re.escape(strength)}\.$")
    second = panel.wait_for_new_picture(first)

    # max_dim: one step down with the keyboard (Tab to the slider, arrow key).
    panel.record()
    max_dim = panel.press("max-dim", "ArrowLeft")
    assert int(max_dim) == start_dim - 32
    panel.wait_for_run(rf"^Done: {max_dim}×\d+ px")
    panel.wait_for_new_picture(second)
    assert max(panel.picture_size()) == int(max_dim)
    panel.screenshot(ARTIFACTS / "fast_panel.png")

    # Typed numbers cannot break it: ipywidgets clamps them to the slider's range.
    panel.record()
    assert panel.type_into("strength", "-5") == "0.00"
    panel.wait_for_run(r"strength 0\.00\.$")

    # A student uploads a text file that has a .jpg name: one readable error, at once.
    bad = tmp_path / "holiday.jpg"
    bad.write_text("Dear Sam, the photos from the trip are attached. Love, Alex\n")
    picture = panel.picture_src()
    panel.upload("content", bad)
    status = panel.wait_for_status(r"^error: ", timeout=30)
    assert "holiday.jpg" in status and "not an image" in status, status
    assert status.count("error:") == 1
    panel.record()
    panel.click_run()  # Run says the same, and the Run button comes back
    panel.wait_for_run(r"^error: .*holiday\.jpg")
    assert panel.part("run").is_enabled()
    assert panel.picture_src() == picture
    panel.screenshot(ARTIFACTS / "fast_panel_error.png")

    # … and the panel still works: pick a bundled photo, press Run.
    panel.choose("content", "cat")
    panel.record()
    panel.click_run()
    panel.wait_for_run(r"^Done")
    panel.wait_for_new_picture(picture)
