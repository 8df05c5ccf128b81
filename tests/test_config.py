"""The settings read from the environment, and the online-or-offline rule both loaders follow."""

import sys
from pathlib import Path

from nst_helpers import config


def test_env_path_expands_the_home_folder_and_ignores_blank_values(monkeypatch):
    monkeypatch.setenv("NST_SOME_PATH", "~/pictures")
    assert config.env_path("NST_SOME_PATH") == Path.home() / "pictures"
    monkeypatch.setenv("NST_SOME_PATH", "  ")
    assert config.env_path("NST_SOME_PATH") is None
    monkeypatch.delenv("NST_SOME_PATH")
    assert config.env_path("NST_SOME_PATH") is None


def test_output_dir_is_the_repositorys_outputs_folder_as_a_student_finds_it(tmp_path, monkeypatch):
    monkeypatch.delenv("NST_OUTPUT_DIR", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    assert str(config.output_dir() / "x.png") == str(Path("..", "outputs", "x.png"))
    assert (tmp_path / "outputs").is_dir()
    monkeypatch.chdir(tmp_path)
    assert config.output_dir() == Path("outputs")
    monkeypatch.setenv("NST_OUTPUT_DIR", str(tmp_path / "mine"))
    assert config.output_dir() == tmp_path / "mine"
