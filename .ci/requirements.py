"""Print the project's requirements from pyproject.toml, one per line, for pip.

    python .ci/requirements.py [--without NAME ...] [--extra NAME ...]

`--without` leaves a requirement out by its distribution name (CI's oldest Python runs the
core and data tests without torch); `--extra` adds an optional-dependency group's.
"""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def requirements(without: list[str], extras: list[str]) -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    left_out = {name.lower() for name in without}
    return [line for line in wanted
            if re.match(r"[A-Za-z0-9_.-]+", line).group(0).lower() not in left_out]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--without", action="append", default=[])
    parser.add_argument("--extra", action="append", default=[])
    options = parser.parse_args()
    print("\n".join(requirements(options.without, options.extra)))


if __name__ == "__main__":
    main()
