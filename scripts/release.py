"""Check that a release can be cut, build it, and print the commands that tag and publish it.

Usage::

    python scripts/release.py             # check; when ready, build dist/ and print the commands
    python scripts/release.py --prepare   # point the badges and setup cells at the release tag

A release is the tag ``v`` + ``nst_helpers.__version__``. Every "Open in Colab"
badge, every setup cell and the instructors' check (README.md, docs/instructors.md) name
``nst_helpers.config.COLAB_REF``: ``main`` until the first release, then the newest release tag,
so that nothing a student can click names a tag that does not exist. ``--prepare`` is the only
thing that changes ``COLAB_REF``: it sets it to the release tag, rewrites the notebooks and docs
(``scripts/refresh_notebooks.py --strip-only``) and dates the release in CHANGELOG.md; the tag is
pushed together with that commit (``git push --atomic``).

The checks, in order: the files agree (:func:`disagreements`); then, once ``COLAB_REF`` is the
release tag, the working tree is clean, every configuration of ``.ci/run`` passed for this commit
(``build/ci-result.txt``, which ``.ci/run`` writes), the tag is new and CHANGELOG.md dates the
release (:func:`release_problems`). Only then it builds the wheel and the sdist into ``dist/``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
#: What ``.ci/run`` writes: the commit it tested, whether the tree was clean, each verdict.
CI_RESULT = Path("build") / "ci-result.txt"
TAG = re.compile(r"\bv\d+\.\d+\.\d+\b")
BADGE = re.compile(
    r"colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/([\w.-]+)/([^)\s\"]*)"
)
CLONE = re.compile(r"--branch ([\w.-]+) https://github\.com/")


def _read(root: Path, name: str) -> str:
    return (root / name).read_text(encoding="utf-8")


def _constant(root: Path, name: str, module: str) -> str:
    """The string assigned to ``name`` at the top level of ``module`` (a path under ``root``)."""
    found = re.findall(rf'^{name} = "([^"]*)"', _read(root, module), re.M)
    if len(found) != 1:
        raise SystemExit(f'{module}: expected one line {name} = "…", found {len(found)}')
    return found[0]


def _refresh_module():
    spec = importlib.util.spec_from_file_location("refresh", ROOT / "scripts/refresh_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def versions(root: Path) -> tuple[str, str, str]:
    """The version, the repository and COLAB_REF as the files under ``root`` write them."""
    version = _constant(root, "__version__", "nst_helpers/__init__.py")
    repository = _constant(root, "REPOSITORY", "nst_helpers/config.py")
    return version, repository, _constant(root, "COLAB_REF", "nst_helpers/config.py")


def disagreements(root: Path = ROOT) -> list[str]:
    """Every place under ``root`` that disagrees with the version or COLAB_REF, one line each.

    Checked: the version is written once (``nst_helpers/__init__.py``; pyproject.toml reads it);
    COLAB_REF is ``main`` or a release tag not newer than this version; every notebook's badge
    opens it at COLAB_REF and its ``## Setup`` text and setup cell are the generated ones
    (``scripts/refresh_notebooks.py``); README.md and every file in docs/ name no other tag, and
    their Colab links and the instructors' check (which README.md and docs/instructors.md both
    hold) open COLAB_REF; CHANGELOG.md has a section for the version.

    Args:
        root: The repository's top folder.

    Returns:
        One sentence per disagreement, naming the file and the fix; empty when all agree.
    """
    version, repository, ref = versions(root)
    tag = f"v{version}"
    problems = []
    for path in sorted((root / "nst_helpers").rglob("*.py")):
        if path.name != "__init__.py" or path.parent != root / "nst_helpers":
            if re.search(r"^__version__\s*=", path.read_text(encoding="utf-8"), re.M):
                problems.append(f"{path.relative_to(root)} sets __version__ again: remove it")
    pyproject = _read(root, "pyproject.toml")
    project = re.search(r"^\[project\]$(.*?)(?=^\[)", pyproject, re.M | re.S).group(1)
    reads = 'version = { attr = "nst_helpers.__version__" }' in pyproject
    if re.search(r"^version\s*=", project, re.M) or not reads:
        problems.append("pyproject.toml must read the version from nst_helpers.__version__")
    if ref != "main" and (not TAG.fullmatch(ref) or _newer(ref, tag)):
        problems.append(f'COLAB_REF = "{ref}" is neither "main" nor a release up to {tag}')
    refresh = _refresh_module()
    markdown, code = refresh.setup_cells(repository, ref)
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        name = f"notebooks/{path.name}"
        notebook = nbformat.read(path, as_version=4)
        text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        badges = BADGE.findall(text)
        if not badges or any(b != (ref, f"notebooks/{path.name}") for b in badges):
            problems.append(f"{name}: its Colab badge must open notebooks/{path.name} at {ref}")
        for test, want, what in (
            (refresh.is_setup_markdown, markdown, "## Setup text"),
            (refresh.is_setup_code, code, "setup cell"),
        ):
            if [c.source for c in notebook.cells if test(c)] != [want]:
                problems.append(f"{name}: its {what} is not the generated one (for {ref})")
    written = (p for p in (root / "docs").rglob("*") if p.is_file())  # not build output
    written = (p for p in written if not {"build", "_build"} & set(p.relative_to(root).parts))
    docs = [root / "README.md", *sorted(written)]
    for path in docs:
        name = str(path.relative_to(root))
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        named = set(TAG.findall(text)) | {b for b, _ in BADGE.findall(text)}
        named |= set(CLONE.findall(text))
        if named - {ref}:
            problems.append(f"{name} names {', '.join(sorted(named - {ref}))}, not {ref}")
        if name in ("README.md", "docs/instructors.md") and not CLONE.search(text):
            problems.append(f"{name} lacks the instructors' check (git clone --branch {ref})")
    if problems:
        problems.append("the fix, for most: python scripts/refresh_notebooks.py --strip-only")
    if not re.search(rf"^## {re.escape(version)}\b", _read(root, "CHANGELOG.md"), re.M):
        problems.insert(0, f"CHANGELOG.md has no section ## {version}")
    return problems


def _newer(a: str, b: str) -> bool:
    """Whether release tag ``a`` is newer than ``b`` (both ``vX.Y.Z``)."""
    return tuple(map(int, a[1:].split("."))) > tuple(map(int, b[1:].split(".")))


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def ci_configurations(root: Path = ROOT) -> list[str]:
    """The letters of the configurations ``.ci/run`` runs (``run "(a) …"``), in order."""
    return re.findall(r'^run "\((\w)\)', _read(root, ".ci/run"), re.M)


def ci_problems(root: Path, commit: str) -> list[str]:
    """Why ``build/ci-result.txt`` does not show every CI configuration passing on ``commit``.

    Args:
        root: The repository's top folder.
        commit: The commit to release (``git rev-parse HEAD``).

    Returns:
        One sentence per problem; empty when CI passed on exactly this commit.
    """
    path = root / CI_RESULT
    if not path.is_file():
        return [f"no CI result ({CI_RESULT} is missing): run .ci/run"]
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = dict(line.split("=", 1) for line in lines if "=" in line and "\t" not in line)
    if fields.get("commit") != commit:
        return [f"CI ran on {fields.get('commit', 'an unknown commit')}, not {commit}: run .ci/run"]
    if fields.get("tree") != "clean":
        return ["CI ran on a working tree with uncommitted changes: commit, then run .ci/run"]
    verdicts = {}
    for line in lines:
        verdict, _, label = line.partition("\t")
        match = re.match(r"\((\w)\)", label)
        if match:
            verdicts[match.group(1)] = verdict
    problems = []
    for letter in ci_configurations(root):
        if verdicts.get(letter) != "passed":
            what = verdicts.get(letter, "did not run")
            problems.append(f"CI configuration ({letter}) {what} on {commit}")
    return problems


def release_problems(root: Path = ROOT) -> list[str]:
    """What stops the release being cut now (the files already agree, COLAB_REF is the tag).

    Args:
        root: The repository's top folder.

    Returns:
        One sentence per problem: a dirty tree, CI not passed on this commit, the tag taken, or
        CHANGELOG.md's section for the version without its date.
    """
    version, _, _ = versions(root)
    tag = f"v{version}"
    problems = []
    if _git(root, "status", "--porcelain"):
        problems.append("the working tree has uncommitted changes (git status): commit them")
    head = _git(root, "rev-parse", "HEAD")
    problems += ci_problems(root, head) if head else ["not a git repository"]
    if _git(root, "tag", "--list", tag):
        problems.append(
            f"the tag {tag} exists already: raise __version__ in nst_helpers/__init__.py"
        )
    if not re.search(
        rf"^## {re.escape(version)} \(\d{{4}}-\d\d-\d\d\)", _read(root, "CHANGELOG.md"), re.M
    ):
        problems.append(f"CHANGELOG.md's section ## {version} has no date: run --prepare")
    return problems


def prepare(root: Path = ROOT) -> None:
    """Point COLAB_REF at the release tag, rewrite the notebooks and docs, date the CHANGELOG.

    Args:
        root: The repository's top folder.
    """
    version, _, _ = versions(root)
    config = root / "nst_helpers" / "config.py"
    text = re.sub(
        r'^COLAB_REF = "[^"]*"', f'COLAB_REF = "v{version}"', config.read_text(), flags=re.M
    )
    config.write_text(text, encoding="utf-8")
    refresh = [sys.executable, str(root / "scripts" / "refresh_notebooks.py"), "--strip-only"]
    subprocess.run(refresh, cwd=root, check=True, env={**os.environ, "PYTHONPATH": str(root)})
    changelog = root / "CHANGELOG.md"
    heading = f"## {version} ({datetime.date.today().isoformat()})"
    text = re.sub(
        rf"^## {re.escape(version)}\b.*$", heading, changelog.read_text(), count=1, flags=re.M
    )
    changelog.write_text(text, encoding="utf-8")


def build(root: Path = ROOT) -> list[Path]:
    """Build the wheel and the sdist into ``dist/`` with ``python -m build``, and check the wheel.

    Args:
        root: The repository's top folder.

    Returns:
        The files a release publishes.

    Raises:
        SystemExit: If the build fails or the wheel lacks a bundled image.
    """
    version, _, _ = versions(root)
    dist = root / "dist"
    for old in dist.glob(f"nst_helpers-{version}*"):
        old.unlink()
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(root)], check=True)
    wheel = dist / f"nst_helpers-{version}-py3-none-any.whl"
    sdist = dist / f"nst_helpers-{version}.tar.gz"
    bundled = {p.relative_to(root).as_posix() for p in (root / "nst_helpers" / "data").rglob("*")}
    with zipfile.ZipFile(wheel) as archive:
        missing = {p for p in bundled if "." in Path(p).name} - set(archive.namelist())
    if missing:
        raise SystemExit(f"the wheel lacks {', '.join(sorted(missing))}: see pyproject.toml")
    return [wheel, sdist, *student_bundle(root, dist)]


def student_bundle(root: Path, dist: Path) -> list[Path]:
    """The students' download: their copies of the notebooks and a README, one archive."""
    from nst_helpers.cli.teach import bundle

    archive = dist / f"nst-student-{versions(root)[0]}.zip"
    bundle(root / "notebooks", archive, force=True)
    return [archive]


def commands(root: Path, assets: list[Path]) -> list[str]:
    """The commands that tag, push and publish the release just built."""
    version, repository, _ = versions(root)
    tag = f"v{version}"
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD") or "main"
    notes = root / "dist" / f"release-notes-{version}.md"
    section = re.search(
        rf"^## {re.escape(version)}\b.*?\n(.*?)(?=^## |\Z)",
        _read(root, "CHANGELOG.md"),
        re.M | re.S,
    )
    notes.write_text(section.group(1).strip() + "\n" if section else "", encoding="utf-8")
    files = " ".join(str(p.relative_to(root)) for p in assets)
    return [
        f'git tag -a {tag} -m "nst-helpers {version}"',
        f"git push --atomic origin {branch} {tag}",
        f'gh release create {tag} {files} --title "nst-helpers {version}" '
        f"--notes-file {notes.relative_to(root)}",
        # the site, built where the real models download (its pages name the models that ran)
        "python scripts/build_site.py && git -C build/site/html init -q -b gh-pages && "
        f'git -C build/site/html add -A && git -C build/site/html commit -q -m "Site of {tag}" && '
        f"git -C build/site/html push -q -f https://github.com/{repository} gh-pages",
    ]


def main(argv: list[str] | None = None) -> int:
    """Check, then prepare or build, and print what to run next."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true", help="set COLAB_REF to the release tag")
    args = parser.parse_args(argv)
    version, _, ref = versions(ROOT)
    tag = f"v{version}"
    if args.prepare:
        prepare(ROOT)
        ref = tag
    problems = disagreements(ROOT)
    if problems:
        print("The files disagree:", *problems, sep="\n  ")
        return 1
    if args.prepare or ref != tag:
        steps = [] if args.prepare else ["python scripts/release.py --prepare"]
        steps += [
            f'git commit -am "Release {tag}: badges and setup cells open {tag}"',
            ".ci/run",
            "python scripts/release.py",
        ]
        print(f"The badges and setup cells open {ref}; for {tag} run:", *steps, sep="\n  ")
        return 0
    problems = release_problems(ROOT)
    if problems:
        print(f"{tag} cannot be released yet:", *problems, sep="\n  ")
        return 1
    assets = build(ROOT)
    print(f"Built {tag}. Tag, push and publish it with:", *commands(ROOT, assets), sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
