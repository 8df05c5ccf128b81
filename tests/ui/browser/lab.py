"""A throwaway JupyterLab server for the browser test.

The server runs with the same Python as the tests (``sys.executable -m jupyter lab``), listens on
127.0.0.1 with a random token, and serves a temporary copy of ``notebooks/`` so that nothing the
browser does (autosave, outputs, checkpoints) can touch the committed notebooks. Its user settings
live in a temporary folder: autosave off, no news or update checks.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

# User settings JupyterLab reads from JUPYTERLAB_SETTINGS_DIR (plugin id → settings).
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    # Every cell in the page (not only those scrolled into view), so the test can see them all.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@dataclass
class Lab:
    """A running JupyterLab server."""

    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen

    def notebook_url(self, name: str) -> str:
        """The URL that opens ``notebooks/<name>`` in a fresh workspace."""
        return f"{self.url}/lab/tree/notebooks/{name}?reset&token={self.token}"

    def shutdown_kernels(self) -> None:
        """Shut down every kernel (frees memory and CPU between notebooks)."""
        for kernel in json.loads(self._api("GET", "/api/kernels")):
            self._api("DELETE", f"/api/kernels/{kernel['id']}")

    def _api(self, method: str, path: str) -> bytes:
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server log, for failure messages."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_root(workdir: Path) -> Path:
    """Copy the notebooks into ``workdir/root`` and write the user settings; return the root."""
    root = workdir / "root"
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    settings = workdir / "settings"
    for plugin, values in SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    for name in ("config", "data", "runtime", "workspaces"):
        (workdir / name).mkdir()
    return root


def start(workdir: Path, timeout: float = 90.0) -> Lab:
    """Start JupyterLab serving a copy of the notebooks; wait until it answers."""
    root = prepare_root(workdir)
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "NST_QUICK": "1",
        "NST_OFFLINE": "1",
        "JUPYTER_CONFIG_DIR": str(workdir / "config"),
        "JUPYTER_DATA_DIR": str(workdir / "data"),
        "JUPYTER_RUNTIME_DIR": str(workdir / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(workdir / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(workdir / "workspaces"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--ServerApp.terminals_enabled=False",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root
    log = workdir / "jupyterlab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # stop() ends the server and its kernels together
        )
    lab = Lab(f"http://127.0.0.1:{port}", token, root, log, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode}:\n{lab.log_tail()}")
        try:
            with urllib.request.urlopen(f"{lab.url}/api/status?token={token}", timeout=5):
                return lab
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    stop(lab)
    raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{lab.log_tail()}")


def stop(lab: Lab, timeout: float = 20.0) -> None:
    """Shut the server down (kernels included): SIGTERM to its process group, then SIGKILL."""
    if lab.process.poll() is not None:
        return
    group = os.getpgid(lab.process.pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            return
        try:
            lab.process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue
