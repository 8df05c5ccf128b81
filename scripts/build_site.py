"""Build the suite's site: every lesson with its pictures, the guides, the API reference.

    python scripts/build_site.py                     # run the notebooks, then build the site
    python scripts/build_site.py --executed DIR      # build from notebooks already run into DIR

The first runs every notebook under nbval (``pytest --nbval-lax``, two processes), at the sizes
the environment asks for (full size unless ``NST_QUICK`` is set) and with the models it allows
(``NST_OFFLINE=1``: the offline ones at once); ``notebooks/conftest.py`` keeps each executed
notebook in ``build/site/executed``. A failing notebook stops the build. Then Sphinx (with
myst-nb, ``site/conf.py``) renders them without running them again, and fails on any warning,
such as a link to a page that does not exist.

The site is ``build/site/html``: open ``index.html`` from the file system, or serve the folder
with any static web server (``python -m http.server -d build/site/html``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "site"


def run_notebooks(executed: Path) -> None:
    """Run every notebook under nbval, writing the executed copies into ``executed``."""
    shutil.rmtree(executed, ignore_errors=True)
    command = [sys.executable, "-m", "pytest", "--nbval-lax", "-n", "2", "--dist", "loadfile"]
    print("Running the notebooks:", " ".join(command[1:]), "notebooks/", flush=True)
    env = {**os.environ, "NST_EXECUTED_DIR": str(executed)}
    done = subprocess.run([*command, "notebooks/"], cwd=ROOT, env=env)
    if done.returncode != 0:
        raise SystemExit(f"error: a notebook failed (pytest exit {done.returncode}); no site built")


def build(executed: Path, out: Path) -> None:
    """Render the site from the executed notebooks into ``out`` (warnings are errors)."""
    from sphinx.cmd.build import build_main

    os.environ["NST_EXECUTED_DIR"] = str(executed.resolve())
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # autodoc imports TensorFlow
    arguments = ["-b", "html", "-E", "-W", "--keep-going", "-q", "-c", str(ROOT / "site")]
    code = build_main([*arguments, "-d", str(BUILD / "doctrees"), str(ROOT), str(out)])
    if code != 0:
        raise SystemExit(f"error: Sphinx failed (exit {code}); its messages are above")
    print(f"The site: {out / 'index.html'}")


def main(argv: list[str] | None = None) -> None:
    """Run the notebooks unless ``--executed`` is given, then build the site."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--executed",
        type=Path,
        help="a folder of notebooks already run with NST_EXECUTED_DIR (skips running them)",
    )
    parser.add_argument("--out", type=Path, default=BUILD / "html", help="the site's folder")
    args = parser.parse_args(argv)
    executed = args.executed or BUILD / "executed"
    if args.executed is None:
        run_notebooks(executed)
    elif not any(executed.glob("*.ipynb")):
        raise SystemExit(f"error: --executed {executed} holds no executed notebook")
    build(executed, args.out)


if __name__ == "__main__":
    main()
