"""The wheel carries everything the app reads at run time: datasets, icons and example projects.

Builds the wheel from a copy of the sources (so no build/ folder in the checkout can leak stale
files into it) with this environment's setuptools, offline, in a few seconds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nnstudio.core.examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("setup.py", "pyproject.toml", "README.md", "nnstudio", "resources", "examples")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(source)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("nnstudio-*.whl")
    with zipfile.ZipFile(path) as archive:
        yield archive


def test_the_wheel_holds_every_file_of_resources_inside_the_package(wheel):
    in_repo = {p.relative_to(ROOT / "resources").as_posix()
               for p in (ROOT / "resources").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    in_wheel = {name.removeprefix("nnstudio/resources/") for name in wheel.namelist()
                if name.startswith("nnstudio/resources/")}
    assert in_wheel == in_repo
    for dataset in ("digits.csv.gz", "iris.csv", "wine.csv", "breast_cancer.csv", "diabetes.csv"):
        assert f"datasets/{dataset}" in in_wheel
    assert {"icons/app/nnstudio.ico", "icons/app/png/nnstudio-256.png"} <= in_wheel


def test_the_wheel_holds_every_example_project(wheel):
    examples = {name for name in wheel.namelist() if name.startswith("nnstudio/examples/")
                and name.endswith(".nnstudio")}
    assert examples == {f"nnstudio/examples/{key}.nnstudio" for key in EXAMPLES}
    assert wheel.read("nnstudio/examples/spiral.nnstudio") == (
        ROOT / "examples" / "spiral.nnstudio").read_bytes()


def test_the_wheel_holds_the_code_and_commands_but_no_tests_or_bytecode(wheel):
    names = wheel.namelist()
    assert "nnstudio/gui/app.py" in names and "nnstudio/data/resources.py" in names
    assert not [name for name in names if name.startswith("tests/") or name.endswith(".pyc")]
    (entry_points,) = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "[gui_scripts]\nnnstudio = nnstudio.cli:main" in text
    assert "nnstudio-cli = nnstudio.cli:main" in text
