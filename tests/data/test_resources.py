"""Finding the bundled resources and examples: through importlib.resources, from a checkout that
was never installed, or from an override."""

import sys
from pathlib import Path

import pytest

from nnstudio.data import resources
from nnstudio.data.resources import RESOURCES_ENV, examples_dir, resources_dir

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def installed_package(tmp_path, monkeypatch):
    """A package `fake_nnstudio_data` on sys.path, as `nnstudio.resources` is in a wheel."""
    package = tmp_path / "fake_nnstudio_data"
    (package / "datasets").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield package
    sys.modules.pop("fake_nnstudio_data", None)


def test_this_checkout_finds_the_repository_resources_and_examples(monkeypatch):
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    assert resources_dir() == REPO_ROOT / "resources"
    assert (resources_dir() / "datasets" / "iris.csv").is_file()
    assert examples_dir() == REPO_ROOT / "examples"
    assert (examples_dir() / "spiral.nnstudio").is_file()


def test_an_installed_package_is_found_through_importlib_resources(monkeypatch, installed_package):
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    monkeypatch.setattr(resources, "RESOURCES_PACKAGE", "fake_nnstudio_data")
    monkeypatch.setattr(resources, "EXAMPLES_PACKAGE", "fake_nnstudio_data")
    assert resources_dir() == installed_package
    assert examples_dir() == installed_package


def test_a_checkout_that_was_never_installed_uses_the_folders_at_the_repository_top(monkeypatch):
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    monkeypatch.setattr(resources, "RESOURCES_PACKAGE", "nnstudio.no_such_package")
    monkeypatch.setattr(resources, "EXAMPLES_PACKAGE", "nnstudio.no_such_package")
    assert resources_dir() == REPO_ROOT / "resources"
    assert examples_dir() == REPO_ROOT / "examples"


def test_environment_variable_wins_over_the_package(monkeypatch, tmp_path, installed_package):
    monkeypatch.setattr(resources, "RESOURCES_PACKAGE", "fake_nnstudio_data")
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path / "elsewhere"))
    assert resources_dir() == tmp_path / "elsewhere"
