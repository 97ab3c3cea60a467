"""The example projects, installed as the package `nnstudio.examples`: see setup.py and
nnstudio/data/resources.py."""
