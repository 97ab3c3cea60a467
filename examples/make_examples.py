"""Regenerate the example projects in this folder from `nnstudio.core.examples`.

Run it after changing an example or the project format:

    python examples/make_examples.py

tests/core/test_examples.py fails when these files differ from what the code builds.
"""

from pathlib import Path

from nnstudio.core.examples import write_examples

if __name__ == "__main__":
    for path in write_examples(Path(__file__).resolve().parent):
        print(path)
