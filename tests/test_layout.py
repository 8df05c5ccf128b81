"""The package's layout rules, checked on its source (issue #36).

* a module has at most :data:`MAX_MODULE_LINES` lines, a function body at most
  :data:`MAX_BODY_LINES`;
* no modules import each other in a cycle (imports inside functions count too);
* a lesson module (``nst_helpers/*.py``) imports the engineering sub-packages only through the
  doors in :data:`DOORS`;
* a module's ``__all__`` lists only names it defines; ``nst_helpers/__init__.py`` gathers them.

Each rule is a function of a package folder, so the tests at the end show that it fails on a
small package that breaks it.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nst_helpers"
MAX_MODULE_LINES = 450
MAX_BODY_LINES = 60
ENGINEERING = ("speed", "sources", "streams", "cli", "ui")
#: Where a lesson hands work to the engineering: lesson module → the modules it may import.
DOORS = {
    "__main__": ("cli.main",),
    "gatys": ("speed.compiled", "speed.lbfgs", "speed.precision", "speed.runlog"),
    "images": ("sources.downloads",),
    "magenta": ("sources.choice", "sources.hub", "sources.kaggle", "sources.onnx"),
    "models": ("sources.choice", "sources.vgg"),
}


def modules(package: Path) -> dict[str, Path]:
    """Every module of ``package`` by its dotted name within it (``"speed.lbfgs"``)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _where(package: Path, path: Path) -> str:
    return path.relative_to(package).as_posix()


def long_modules(package: Path) -> list[str]:
    """Modules over :data:`MAX_MODULE_LINES` lines."""
    return [
        f"{_where(package, path)} has {count} lines"
        for path in modules(package).values()
        if (count := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    ]


def long_bodies(package: Path) -> list[str]:
    """Functions and methods whose body, after the docstring, is over :data:`MAX_BODY_LINES` lines."""
    found = []
    for name, path in modules(package).items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body[1:] if ast.get_docstring(node) and node.body[1:] else node.body
                lines = node.end_lineno - body[0].lineno + 1
                if lines > MAX_BODY_LINES:
                    where = f"{name.split('.')[-1] or package.name}.{node.name}"
                    found.append(f"{_where(package, path)}: {where} has a {lines}-line body")
    return found


def imports(package: Path) -> dict[str, set[str]]:
    """The package's modules each module imports, anywhere in it (in functions too)."""
    known = modules(package)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        here = name.split(".") if name else []
        if path.name != "__init__.py":
            here = here[:-1]  # the package the module is in
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                parts = [alias.name.split(".") for alias in node.names]
                graph[name] |= {".".join(p[1:]) for p in parts if p[0] == package.name}
                continue
            if not isinstance(node, ast.ImportFrom):
                continue
            parts = node.module.split(".") if node.module else []
            if node.level:
                parts = here[: len(here) - node.level + 1] + parts
            elif parts[:1] == [package.name]:
                parts = parts[1:]
            else:
                continue  # another package
            module = ".".join(parts)
            for alias in node.names:  # ``from x import y``: y is a module, or a name in x
                sub = f"{module}.{alias.name}".lstrip(".")
                graph[name].add(sub if sub in known else module)
        graph[name] = {target for target in graph[name] if target in known and target != name}
    return graph


def cycles(package: Path) -> list[str]:
    """Import cycles, each as ``a → b → … → a`` (each cycle once)."""
    graph = imports(package)
    found: set[tuple[str, ...]] = set()

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt == path[0]:
                start = path.index(min(path))
                found.add(tuple(path[start:] + path[:start]))
            elif nxt not in path and nxt > path[0]:
                visit(nxt, [*path, nxt])

    for name in sorted(graph):
        visit(name, [name])
    label = {name: name or package.name for name in graph}  # "" is the package's __init__
    return [" → ".join(label[n] for n in (*cycle, cycle[0])) for cycle in sorted(found)]


def lesson_imports_of_engineering(package: Path) -> list[str]:
    """Imports of an engineering sub-package by a lesson module that are not in :data:`DOORS`."""
    found = []
    for name, edges in imports(package).items():
        if name.count(".") or name.split(".")[0] in ENGINEERING or not name:
            continue
        for target in sorted(edges):
            if target.split(".")[0] in ENGINEERING and target not in DOORS.get(name, ()):
                found.append(f"{name}.py imports {target}")
    return found


def foreign_all(package: Path) -> list[str]:
    """Names in a module's ``__all__`` that the module does not define (not its own ``__init__``)."""
    found = []
    for name, path in modules(package).items():
        if not name:
            continue  # the package's __init__ gathers the public names
        tree = ast.parse(path.read_text())
        defined, listed = set(), []
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    for leaf in ast.walk(target):
                        if isinstance(leaf, ast.Name):
                            defined.add(leaf.id)
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
                ):
                    listed = list(ast.literal_eval(node.value))
        where = _where(package, path)
        found += [
            f"{where}: __all__ names {n}, defined elsewhere" for n in listed if n not in defined
        ]
    return found


RULES = [long_modules, long_bodies, cycles, lesson_imports_of_engineering, foreign_all]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_the_package_keeps_the_rule(rule):
    assert sorted(rule(PACKAGE)) == [], rule.__doc__


# --- each rule fails on a package that breaks it --------------------------------------------------


def make_package(root: Path, files: dict[str, str]) -> Path:
    """A package ``pkg`` under ``root`` with ``files`` (relative path → source)."""
    package = root / "pkg"
    for relative, source in {"__init__.py": "", **files}.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return package


def test_a_long_module_is_found(tmp_path):
    package = make_package(tmp_path, {"big.py": "x = 1\n" * 451, "fine.py": "x = 1\n" * 450})
    assert long_modules(package) == ["big.py has 451 lines"]


def test_a_long_function_body_is_found(tmp_path):
    body = '    """The docstring does not count."""\n' + "    x = 1\n" * MAX_BODY_LINES
    method = textwrap.indent(f"def long(self):\n{body}    y = 2\n", "    ")
    package = make_package(tmp_path, {"mod.py": f"def fine():\n{body}\n\nclass A:\n{method}"})
    assert long_bodies(package) == ["mod.py: mod.long has a 61-line body"]


def test_an_import_cycle_is_found_also_through_a_function(tmp_path):
    package = make_package(
        tmp_path,
        {
            "a.py": "from . import b\n",
            "b.py": "def f():\n    from .sub.c import g\n",
            "sub/__init__.py": "",
            "sub/c.py": "from ..a import x\n",
            "d.py": "from .a import x\n",
        },
    )
    assert cycles(package) == ["a → b → sub.c → a"]


def test_a_lesson_importing_the_engineering_is_found_outside_the_doors(tmp_path):
    package = make_package(
        tmp_path,
        {
            "gatys.py": "from .speed import lbfgs\nfrom .speed.runlog import RunLog\n",
            "images.py": "from .cli.parser import build_parser\n",
            "speed/__init__.py": "",
            "speed/lbfgs.py": "",
            "speed/runlog.py": "from ..images import x\n",
            "cli/__init__.py": "",
            "cli/parser.py": "",
        },
    )
    assert lesson_imports_of_engineering(package) == ["images.py imports cli.parser"]


def test_an_all_naming_what_a_module_imports_is_found(tmp_path):
    package = make_package(
        tmp_path,
        {
            "__init__.py": "from .a import f\n__all__ = ['f']\n",
            "a.py": "from math import pi\nX: int = 1\n\ndef f():\n    pass\n\n__all__ = ['X', 'f', 'pi']\n",
        },
    )
    assert foreign_all(package) == ["a.py: __all__ names pi, defined elsewhere"]
