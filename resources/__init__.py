"""NN Studio's bundled files (datasets, icons), installed as the package `nnstudio.resources`:
see setup.py and nnstudio/data/resources.py."""
