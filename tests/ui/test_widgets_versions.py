"""The panels with both ipywidgets majors a student meets.

Colab preinstalls ipywidgets 7.7.1 (and must not be upgraded); JupyterLab 4 needs 8.x. The same
scenario (build both panels, upload a picture, load it, run) runs in-process with the installed
ipywidgets and in a subprocess whose ``PYTHONPATH`` puts a private ipywidgets 7.7.1 install (made
with ``pip install --no-deps --target``) ahead of the installed one. Each simulates an upload the
way that version's front end delivers one.

ipywidgets 7.7.1's Python side needs one package 8.x does not: ``ipython_genutils``. Its other
extra requirements, ``widgetsnbextension~=3.6`` and ``jupyterlab_widgets>=1``, are front-end
extensions the Python code never imports (Colab brings its own front end), so they are left out.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parent
COLAB_IPYWIDGETS = "7.7.1"
IPYWIDGETS_7 = (f"ipywidgets=={COLAB_IPYWIDGETS}", "ipython_genutils==0.2.0")
# pip's words when no registry answers: then the 7.x test skips instead of failing.
NO_NETWORK = (
    "from versions: none",
    "NewConnectionError",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "ConnectTimeout",
    "ReadTimeout",
    "ProxyError",
    "Could not fetch URL",
)


def ipywidgets_major() -> int:
    import ipywidgets

    return int(ipywidgets.__version__.split(".")[0])


def png_bytes(width: int = 64, height: int = 48) -> bytes:
    """A small RGB gradient, PNG-encoded."""
    from PIL import Image

    image = Image.new("RGB", (width, height))
    image.putdata([(4 * x % 256, 5 * y % 256, 90) for y in range(height) for x in range(width)])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def simulate_upload(upload, name: str, data: bytes, mime: str = "image/png") -> None:
    """Deliver one file to a ``FileUpload`` as the front end of the running ipywidgets does."""
    if ipywidgets_major() >= 8:
        upload.value = (
            {
                "name": name,
                "type": mime,
                "size": len(data),
                "content": memoryview(data),
                "last_modified": datetime.datetime.now(tz=datetime.timezone.utc),
            },
        )
        return
    # ipywidgets 7: ``value`` is read-only; the front end sends metadata and data, then bumps
    # ``_counter``, and the widget rebuilds ``value`` as {name: {"metadata": ..., "content": ...}}.
    upload.metadata = [
        {"name": name, "type": mime, "size": len(data), "lastModified": 1_700_000_000_000}
    ]
    upload.data = [data]
    upload._counter += 1


def scenario(expected_version: str | None = None) -> dict:
    """Build both panels, upload pictures, load and run; assert as it goes.

    Args:
        expected_version: The ipywidgets version that must be the one imported, if given.

    Returns:
        What was seen, for the caller to report.
    """
    import ipywidgets

    from nst_helpers.ui.panels import fast_panel, gatys_panel
    from nst_helpers.ui.pickers import TOOLTIPS, UPLOAD

    if expected_version is not None:
        assert ipywidgets.__version__ == expected_version, ipywidgets.__file__
    major = ipywidgets_major()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        panel = gatys_panel(max_dim=64, steps=2, backbone="vgg16-hed")
        fast = fast_panel(max_dim=64)
    # An argument the installed ipywidgets lacks (``tooltip`` on 7.x) is dropped with a warning.
    dropped = [str(w.message) for w in caught if "unrecognized arguments" in str(w.message)]
    assert not dropped, dropped
    hover = "tooltip" if major >= 8 else "description_tooltip"
    assert getattr(panel.max_dim, hover) == TOOLTIPS["max_dim"]
    assert getattr(panel.content_picker.upload, hover) == TOOLTIPS["upload"]
    assert getattr(panel.optimizer, hover) == TOOLTIPS["optimizer"]

    picture = png_bytes(128, 96)
    picker = panel.content_picker
    simulate_upload(picker.upload, "photo.png", picture)
    assert isinstance(picker.upload.value, tuple if major >= 8 else dict)
    assert picker.dropdown.value == UPLOAD
    assert picker.uploaded == ("photo.png", picture)
    assert "&#x27;photo.png&#x27; uploaded (128×96 px)" in panel.status.value, panel.status.value
    assert tuple(picker.load(max_dim=64).shape) == (1, 48, 64, 3)
    result = panel.run()
    assert result is not None, panel.status.value
    assert tuple(result.image.shape[1:3]) == (48, 64) and result.steps == 2

    simulate_upload(panel.style_picker.upload, "notes.png", b"not a picture")
    assert "error:" in panel.status.value and "notes.png" in panel.status.value
    assert panel.run() is None and "notes.png" in panel.status.value
    panel.style_picker.dropdown.value = "starry_night"
    assert panel.run() is not None, panel.status.value

    simulate_upload(fast.content_picker.upload, "photo.png", picture)
    simulate_upload(fast.style_picker.upload, "painting.png", png_bytes(40, 40))
    image = fast.run()
    assert image is not None, fast.status.value
    assert tuple(image.shape[1:3]) == (48, 64), image.shape
    return {"ipywidgets": ipywidgets.__version__, "file": ipywidgets.__file__}


def test_panels_with_the_installed_ipywidgets(monkeypatch):
    monkeypatch.setenv("NST_OFFLINE", "1")
    seen = scenario()
    assert seen["ipywidgets"].split(".")[0] in {"7", "8"}


@pytest.fixture(scope="module")
def ipywidgets7(tmp_path_factory) -> Path:
    """A folder holding ipywidgets 7.7.1 and what it needs beyond 8.x's dependencies."""
    target = tmp_path_factory.mktemp("ipywidgets7")
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-input",
        "--disable-pip-version-check",
        "--timeout",
        "20",
        "--retries",
        "1",
        "--target",
        str(target),
        *IPYWIDGETS_7,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired:
        pytest.skip(f"pip took over 240 s to fetch {' '.join(IPYWIDGETS_7)} (no registry?)")
    if done.returncode != 0:
        output = done.stdout + done.stderr
        if any(word.lower() in output.lower() for word in NO_NETWORK):
            last = output.strip().splitlines()[-1] if output.strip() else ""
            pytest.skip(f"pip could not reach a registry for {' '.join(IPYWIDGETS_7)}: {last}")
        pytest.fail(f"pip install {' '.join(IPYWIDGETS_7)} failed:\n{output}")
    return target


@pytest.mark.slow
def test_panels_with_colabs_ipywidgets_7(ipywidgets7):
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(TESTS)!r})\n"
        "from test_widgets_versions import scenario\n"
        f"print('SCENARIO ' + json.dumps(scenario({COLAB_IPYWIDGETS!r})))\n"
    )
    path = [str(ipywidgets7), str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(part for part in path if part),
        "NST_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    line = [row for row in done.stdout.splitlines() if row.startswith("SCENARIO ")][-1]
    seen = json.loads(line.removeprefix("SCENARIO "))
    assert seen["ipywidgets"] == COLAB_IPYWIDGETS
    assert Path(seen["file"]).is_relative_to(ipywidgets7)
