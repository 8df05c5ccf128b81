"""The online-or-offline rule both model loaders follow, and its one notice."""

import importlib
import os
import subprocess
import sys

import pytest

from nst_helpers.errors import NSTError
from nst_helpers.sources import choice


def test_online_or_offline_falls_back_and_says_why(monkeypatch):
    def unreachable():
        raise NSTError("no network")

    monkeypatch.delenv("NST_OFFLINE", raising=False)
    assert choice.online_or_offline(lambda: "online", lambda why: "offline", "X") == ("online", "")
    assert choice.online_or_offline(unreachable, lambda why: why, "X") == (
        "no network",
        "no network",
    )
    monkeypatch.setenv("NST_OFFLINE", "1")
    assert choice.online_or_offline(unreachable, lambda why: "offline", "X") == (
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


def test_the_strict_switch_fails_instead_of_falling_back(monkeypatch):
    def unreachable():
        raise NSTError("no network")

    monkeypatch.setenv("NST_REQUIRE_ONLINE", "1")
    monkeypatch.setenv("NST_OFFLINE", "1")  # the strict switch wins: it is the instructor's check
    with pytest.raises(NSTError, match="VGG19 could not be loaded and NST_REQUIRE_ONLINE=1"):
        choice.online_or_offline(unreachable, lambda why: "offline", "VGG19")
    assert choice.online_or_offline(lambda: "online", lambda why: "offline", "VGG19") == (
        "online",
        "",
    )


@pytest.mark.parametrize(
    ("text", "says", "not_says"),
    [
        ("HTTP Error 403: Forbidden", "refused it (HTTP 403)", "connect to the internet"),
        (
            "HTTP Error 429: Too Many Requests",
            "asked to wait (HTTP 429)",
            "connect to the internet",
        ),
        ("Tunnel connection failed: 407 Proxy Authentication Required", "proxy", "connect to the"),
        ("<urlopen error [Errno -3] Temporary failure in name resolution>", "connect", "refused"),
    ],
)
def test_a_servers_refusal_is_not_reported_as_no_network(text, says, not_says):
    message = choice.download_failure("the model", OSError(text), "connect to the internet once")
    assert says in message and not_says not in message


def test_strict_switch_on_the_command_line_is_one_error_line(tmp_path):
    """No network here, and a dead proxy everywhere: the real VGG19 download fails."""
    env = {
        **os.environ,
        "NST_REQUIRE_ONLINE": "1",
        "KERAS_HOME": str(tmp_path / "keras"),
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
    }
    env.pop("NST_OFFLINE", None)
    env.pop("NST_VGG19_WEIGHTS", None)
    args = ["cat", "starry_night", "-o", str(tmp_path / "o.png"), "--method", "gatys"]
    done = subprocess.run(
        [sys.executable, "-m", "nst_helpers", *args], env=env, capture_output=True, text=True
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert lines[-1].startswith("error: VGG19 could not be loaded and NST_REQUIRE_ONLINE=1")
    assert sum(line.startswith("error:") for line in lines) == 1
    assert not (tmp_path / "o.png").exists()


def test_strict_switch_makes_load_stylizer_auto_fail(monkeypatch, tmp_path):
    from nst_helpers import magenta

    monkeypatch.setenv("NST_REQUIRE_ONLINE", "1")
    monkeypatch.delenv(magenta.MAGENTA_DIR_VARIABLE, raising=False)
    monkeypatch.setattr(magenta, "HUB_HANDLE", "http://127.0.0.1:9/magenta")
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "tfhub"))
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "kagglehub"))  # Kaggle unreachable too
    monkeypatch.setenv("KAGGLE_API_ENVIRONMENT", "LOCALHOST")
    monkeypatch.setattr(magenta, "_LOADED", {})
    with pytest.raises(NSTError, match=r"\(TF Hub or Kaggle\) could not be loaded and NST_REQUIRE"):
        magenta.load_stylizer("auto")
