"""The settings read from the environment, and the online-or-offline rule both loaders follow."""

from pathlib import Path

from nst_helpers import config


def test_env_path_expands_the_home_folder_and_ignores_blank_values(monkeypatch):
    monkeypatch.setenv("NST_SOME_PATH", "~/pictures")
    assert config.env_path("NST_SOME_PATH") == Path.home() / "pictures"
    monkeypatch.setenv("NST_SOME_PATH", "  ")
    assert config.env_path("NST_SOME_PATH") is None
    monkeypatch.delenv("NST_SOME_PATH")
    assert config.env_path("NST_SOME_PATH") is None
