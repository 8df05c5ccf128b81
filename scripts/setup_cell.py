import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = "{REPOSITORY}"
REF = "{COLAB_REF}"  # the branch or release tag this notebook comes from
COLAB = "google.colab" in sys.modules
if COLAB and subprocess.run("nvidia-smi -L", shell=True, capture_output=True).returncode:
    print("This runtime has no GPU. The notebooks run on a CPU too, but their longer runs take")
    print("minutes there, many times longer than on a GPU (each notebook's opening gives times).")
    print("For a GPU: Runtime → Change runtime type → T4 GPU → Save, then run the notebook again.")
if COLAB and importlib.util.find_spec("nst_helpers") is None:
    folder, url = Path("/content/nst-suite"), f"https://github.com/{REPO}"
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}  # git fails instead of asking for a password
    clone = ["git", "clone", "-q", "--depth", "1", "--branch", REF, url, str(folder)]
    install = [sys.executable, "-m", "pip", "install", "-q", "-e", str(folder)]
    print(f"Installing nst_helpers from {url} at {REF} (up to a minute)...")
    for step, command in [("clone", clone), ("install", install)]:
        if step == "clone" and folder.exists():
            continue  # cloned by an earlier run of this cell
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        if done.returncode == 0:
            continue
        lines = done.stderr.strip().splitlines() or ["no message"]
        last = next((line for line in reversed(lines) if line.startswith("ERROR")), lines[-1])
        if step == "install":
            why = f"the install failed: {last}"
        elif re.search(r"resolve host|connect|timed out|unreachable", done.stderr, re.I):
            why = f"no network ({last}). Check that the runtime is online"
        else:  # git's "could not read Username" (no such public repository), "Remote branch"
            why = f"not reachable (not public yet, or a typo) — ask your instructor ({last})"
        if folder.exists():
            why += f". Delete the folder (!rm -rf {folder}) and run this cell again"
        raise SystemExit(f"Setup could not {step} {url} at {REF}: {why}.")
    sys.path.insert(0, str(folder))
