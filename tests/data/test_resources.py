"""Finding the resources folder from a checkout, a bundle or an override."""

import sys
from pathlib import Path

from nnstudio.data.resources import RESOURCES_ENV, resources_dir

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_source_checkout_uses_the_repository_resources_folder(monkeypatch):
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert resources_dir() == REPO_ROOT / "resources"
    assert (resources_dir() / "datasets" / "iris.csv").is_file()


def test_pyinstaller_bundle_uses_the_unpacked_resources(monkeypatch, tmp_path):
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_dir() == tmp_path / "resources"


def test_environment_variable_wins_over_everything(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", "/somewhere/else", raising=False)
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path))
    assert resources_dir() == tmp_path
