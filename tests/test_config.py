"""The settings read from the environment, and the online-or-offline rule both loaders follow."""

import importlib
import json
from pathlib import Path

import pytest

from nst_helpers import config
from nst_helpers.errors import NSTError


def test_env_path_expands_the_home_folder_and_ignores_blank_values(monkeypatch):
    monkeypatch.setenv("NST_SOME_PATH", "~/pictures")
    assert config.env_path("NST_SOME_PATH") == Path.home() / "pictures"
    monkeypatch.setenv("NST_SOME_PATH", "  ")
    assert config.env_path("NST_SOME_PATH") is None
    monkeypatch.delenv("NST_SOME_PATH")
    assert config.env_path("NST_SOME_PATH") is None


def test_online_or_offline_falls_back_and_says_why(monkeypatch):
    def unreachable():
        raise NSTError("no network")

    monkeypatch.delenv("NST_OFFLINE", raising=False)
    assert config.online_or_offline(lambda: "online", lambda why: "offline") == ("online", "")
    assert config.online_or_offline(unreachable, lambda why: why) == ("no network", "no network")
    monkeypatch.setenv("NST_OFFLINE", "1")
    assert config.online_or_offline(unreachable, lambda why: "offline") == (
        "offline",
        "NST_OFFLINE is set",
    )


@pytest.mark.parametrize(
    ("module_name", "load", "local_variable", "offline", "online"),
    [
        ("nst_helpers.models", "load_backbone", "VGG19_WEIGHTS_VARIABLE", "vgg16-hed", "VGG19"),
        ("nst_helpers.magenta", "load_stylizer", "MAGENTA_DIR_VARIABLE", "onnx", "TF Hub"),
    ],
)
def test_offline_auto_gives_the_offline_backend_without_a_local_file(
    monkeypatch, capsys, module_name, load, local_variable, offline, online
):
    module = importlib.import_module(module_name)
    monkeypatch.setenv("NST_OFFLINE", "1")
    monkeypatch.delenv(getattr(module, local_variable), raising=False)
    monkeypatch.setattr(module, "_LOADED", {})
    assert getattr(module, load)("auto").name == offline
    assert f"{online} was not loaded: NST_OFFLINE is set" in capsys.readouterr().out


def test_the_printed_cpu_estimate_agrees_with_the_benchmarks_runs(monkeypatch):
    """A student is told how long the defaults take: within 20 % of the measured 256 px runs."""
    from nst_helpers.images import load_image

    monkeypatch.setattr(config, "has_gpu", lambda: False)
    results = Path(__file__).resolve().parents[1] / "benchmarks" / "results.json"
    pairs = json.loads(results.read_text())["gatys"]["256"]["pairs"]
    for pair, runs in pairs.items():
        run = runs["package_float32"]  # this CPU has no native bfloat16: the defaults' own run
        _, height, width, _ = load_image(pair.split("+")[0], max_dim=256).shape
        estimate = config.estimate_seconds(height, width, run["steps"], run["bfloat16_steps"])
        assert 0.8 < estimate / run["seconds"] < 1.2, (pair, estimate, run["seconds"])
