"""The one build setting pyproject.toml cannot express: packages from folders outside `nnstudio/`.

`resources/` (datasets, icons) and `examples/` stay at the top of the repository, one copy in git,
and are installed inside the package as `nnstudio.resources` and `nnstudio.examples`. So a wheel,
an editable install and a PyInstaller bundle made from the wheel hold the same files in the same
place, and `nnstudio/data/resources.py` finds them with importlib.resources in all three.
(pyproject's `packages.find` only finds packages inside the folders it searches.)
"""

from setuptools import find_namespace_packages, find_packages, setup

BUNDLED_FOLDERS = {"nnstudio.resources": "resources", "nnstudio.examples": "examples"}
# Python sees every folder as a (namespace) package, so setuptools wants the data folders inside
# resources/ named too, or it warns that they would be left out.
DATA_FOLDERS = [f"nnstudio.resources.{name}" for name in find_namespace_packages(
    "resources", exclude=["__pycache__", "*.__pycache__"])]

setup(
    packages=find_packages(include=["nnstudio", "nnstudio.*"]) + list(BUNDLED_FOLDERS)
    + DATA_FOLDERS,
    package_dir=BUNDLED_FOLDERS,
    package_data={"nnstudio.resources": ["**/*"], "nnstudio.examples": ["*.nnstudio"]},
    exclude_package_data={"": ["*.pyc"]},
)
