"""TF Hub imports where setuptools no longer ships pkg_resources, and says the real cause if not."""

import importlib.util
import subprocess
import sys
import textwrap

import pytest

from nst_helpers.errors import NSTError
from nst_helpers.sources import hub

WITHOUT_PKG_RESOURCES = textwrap.dedent(
    """
    import sys

    class NoPkgResources:  # what a venv with setuptools >= 82 looks like to an import
        def find_spec(self, name, path=None, target=None):
            if name == "pkg_resources":
                raise ModuleNotFoundError("No module named 'pkg_resources'", name=name)

    sys.modules.pop("pkg_resources", None)
    sys.meta_path.insert(0, NoPkgResources())
    from nst_helpers.sources.hub import import_tensorflow_hub

    module = import_tensorflow_hub()
    print(module.__name__, sys.modules["pkg_resources"].parse_version("0.16.1") > sys.modules[
        "pkg_resources"].parse_version("0.9"))
    """
)


def test_tf_hub_imports_without_pkg_resources():
    # Installed is enough: where pkg_resources is really missing, a plain import fails (the case).
    if importlib.util.find_spec("tensorflow_hub") is None:
        pytest.skip("tensorflow_hub is not installed")
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_PKG_RESOURCES], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["tensorflow_hub", "True"]


def test_a_missing_tf_hub_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_hub", None)  # None: "import fails" to Python
    with pytest.raises(NSTError, match="tensorflow_hub could not be imported|needs tensorflow-hub"):
        hub.import_tensorflow_hub()
