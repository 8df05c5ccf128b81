"""scripts/release.py: its checks pass on this repository and fail on each kind of disagreement.

The failures are shown on a copy of the files the checks read, with one place changed.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from repo_scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "notebooks/03_gatys_style_transfer.ipynb"


@pytest.fixture(scope="module")
def release():
    return load_script("release")


@pytest.fixture
def copy(tmp_path):
    """The files the checks read (everything but the pictures, caches and venvs)."""
    root = tmp_path / "repo"
    skip = shutil.ignore_patterns("data", "__pycache__", "*.egg-info")
    for folder in ("docs", "notebooks", "nst_helpers", "scripts", ".ci"):
        shutil.copytree(ROOT / folder, root / folder, ignore=skip)
    for name in ("README.md", "CHANGELOG.md", "pyproject.toml", ".gitignore"):
        shutil.copy(ROOT / name, root / name)
    return root


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_notebook(path, change):
    notebook = nbformat.read(path, as_version=4)
    change(notebook.cells)
    nbformat.write(notebook, path)


def setup_code(cells):
    return next(c for c in cells if c.cell_type == "code" and "\nREF = " in c.source)


def test_the_checks_pass_on_this_repository_and_on_the_copy(release, copy):
    assert release.disagreements(ROOT) == []
    assert release.disagreements(copy) == []


def _badge(cells):
    cells[0].source = cells[0].source.replace("/blob/main/", "/blob/v0.0.9/")


def _setup_ref(cells):
    setup_code(cells).source = setup_code(cells).source.replace('REF = "main"', 'REF = "v0.1.0"')


def _setup_text(cells):
    (text,) = [c for c in cells if c.source.startswith("## Setup")]
    text.source = text.source.replace("Save a copy in Drive", "Save")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_badge, f"{NOTEBOOK}: its Colab badge must open"),
        (_setup_ref, f"{NOTEBOOK}: its setup cell is not the generated one"),
        (_setup_text, f"{NOTEBOOK}: its ## Setup text is not the generated one"),
    ],
    ids=["badge", "setup-cell", "setup-text"],
)
def test_one_notebook_naming_another_ref_fails(release, copy, change, message):
    edit_notebook(copy / NOTEBOOK, change)
    problems = release.disagreements(copy)
    assert [p for p in problems if p.startswith("notebooks/")] == [message + " (for main)"] or (
        change is _badge and problems[0].startswith(message)
    ), problems
    assert problems[-1] == "the fix, for most: python scripts/refresh_notebooks.py --strip-only"


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "docs/instructors.md",
            "--branch main ",
            "--branch v0.1.0 ",
            "docs/instructors.md names v0.1.0",
        ),
        ("README.md", "--branch main ", "--branch v0.1.0 ", "README.md names v0.1.0"),
        ("docs/cli.md", "## Models", "Since v0.2.0:\n\n## Models", "docs/cli.md names v0.2.0"),
        (
            "nst_helpers/config.py",
            '\nCOLAB_REF = "main"',
            '\nCOLAB_REF = "v9.9.9"',
            'COLAB_REF = "v9.9.9" is neither',
        ),
        (
            "nst_helpers/config.py",
            "\nREPOSITORY",
            '\n__version__ = "0.1.0"\nREPOSITORY',
            "nst_helpers/config.py sets __version__ again",
        ),
        (
            "pyproject.toml",
            'name = "nst-helpers"',
            'name = "nst-helpers"\nversion = "0.1.0"',
            "pyproject.toml must read the version",
        ),
        ("CHANGELOG.md", "## 0.1.0 ", "## 0.0.1 ", "CHANGELOG.md has no section ## 0.1.0"),
    ],
    ids=[
        "instructors-check",
        "readme-check",
        "doc-mention",
        "ref-ahead",
        "version-twice",
        "static-version",
        "changelog",
    ],
)
def test_one_doc_or_version_disagreeing_fails(release, copy, name, old, new, message):
    edit(copy / name, old, new)
    problems = release.disagreements(copy)
    assert any(p.startswith(message) for p in problems), problems


def test_the_ci_result_must_show_every_configuration_passing_on_this_commit(release, copy):
    letters = release.ci_configurations(copy)
    assert letters[:3] == ["a", "b", "c"] and "f" in letters
    result = copy / release.CI_RESULT
    assert release.ci_problems(copy, "abc123") == [
        f"no CI result ({release.CI_RESULT} is missing): run .ci/run"
    ]
    result.parent.mkdir()
    lines = ["commit=abc123", "tree=clean"] + [
        f"passed\t({x}) configuration {x}\t60 s" for x in letters
    ]
    result.write_text("\n".join(lines) + "\n")
    assert release.ci_problems(copy, "abc123") == []
    assert release.ci_problems(copy, "def456") == ["CI ran on abc123, not def456: run .ci/run"]
    result.write_text("\n".join(lines).replace("tree=clean", "tree=dirty"))
    assert "uncommitted changes" in release.ci_problems(copy, "abc123")[0]
    result.write_text("\n".join(lines[:-1]).replace("passed\t(b)", "failed\t(b)"))
    assert release.ci_problems(copy, "abc123") == [
        "CI configuration (b) failed on abc123",
        f"CI configuration ({letters[-1]}) did not run on abc123",
    ]


def git(root, *args):
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def test_prepare_points_everything_at_the_tag_and_a_clean_tested_commit_is_ready(release, copy):
    git(copy, "init", "-q")
    git(
        copy,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "start",
    )
    release.prepare(copy)
    config = (copy / "nst_helpers" / "config.py").read_text()
    assert re.search(r'^COLAB_REF = "v0.1.0"$', config, re.M)
    assert release.disagreements(copy) == []
    notebook = (copy / NOTEBOOK).read_text()
    assert "/blob/v0.1.0/notebooks/" in notebook and 'REF = \\"v0.1.0\\"' in notebook
    assert "--branch v0.1.0 https://github.com/" in (copy / "docs" / "instructors.md").read_text()
    assert re.search(r"^## 0\.1\.0 \(\d{4}-\d\d-\d\d\)$", (copy / "CHANGELOG.md").read_text(), re.M)
    assert any("uncommitted changes" in p for p in release.release_problems(copy))
    git(copy, "add", "-A")
    git(copy, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "release")
    head = git(copy, "rev-parse", "HEAD").strip()
    (copy / "build").mkdir(exist_ok=True)
    passed = [f"passed\t({x}) c\t1 s" for x in release.ci_configurations(copy)]
    (copy / release.CI_RESULT).write_text("\n".join([f"commit={head}", "tree=clean", *passed]))
    assert release.release_problems(copy) == []
    git(copy, "tag", "v0.1.0")
    assert release.release_problems(copy) == [
        "the tag v0.1.0 exists already: raise __version__ in nst_helpers/__init__.py"
    ]


def test_before_prepare_the_script_prints_the_steps_that_move_the_badges_to_the_tag(release, copy):
    version, _, ref = release.versions(copy)
    if ref == f"v{version}":
        pytest.skip("COLAB_REF is the release tag already: the steps come before --prepare")
    done = subprocess.run(
        [sys.executable, str(copy / "scripts" / "release.py")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(copy)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[1:] == [
        "  python scripts/release.py --prepare",
        f'  git commit -am "Release v{version}: badges and setup cells open v{version}"',
        "  .ci/run",
        "  python scripts/release.py",
    ]
