"""The bundles' entry point: the same `nnstudio` command a pip install gives."""

import multiprocessing
import sys

from nnstudio.cli import main

if __name__ == "__main__":
    # A frozen app that starts worker processes (spawn on Windows and macOS) must let each child
    # run its task instead of opening another window.
    multiprocessing.freeze_support()
    sys.exit(main())
