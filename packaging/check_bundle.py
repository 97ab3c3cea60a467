"""Check a built Linux bundle: no library in it needs one that the spec's exclusions left out.

    python packaging/check_bundle.py dist/nnstudio

Runs `ldd` on every shared library and executable in the bundle, the way the bundle's loader
sees them (its `_internal` folder first). A missing library that the exclusion rules match, or
a wheel's private copy of one, is an error (exit 1): a rule dropped something still in use.
Other missing libraries are listed as notes: system libraries the build machine lacks, which
the user's system provides (e.g. Wayland's, used only by Qt's Wayland plugins).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle_config as config  # noqa: E402

NOT_FOUND = re.compile(r"^\s*(\S+) => not found", re.MULTILINE)
# Wheels carry private copies of libraries renamed with a hash (auditwheel's "-1a2b3c4d.so"): no
# system has those, so one missing means it was dropped from the bundle.
WHEEL_PRIVATE = re.compile(r"-[0-9a-f]{8}\.so")


def elf_files(folder: Path):
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as file:
                if file.read(4) == b"\x7fELF":
                    yield path


def missing_libraries(path: Path, library_folder: Path) -> set[str]:
    env = dict(os.environ, LD_LIBRARY_PATH=str(library_folder))
    result = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env)
    return set(NOT_FOUND.findall(result.stdout))


def main(argv: list[str]) -> int:
    bundle = Path(argv[0] if argv else "dist/nnstudio")
    internal = bundle / "_internal"
    errors, notes = [], {}
    checked = 0
    for path in elf_files(bundle):
        checked += 1
        for name in sorted(missing_libraries(path, internal)):
            where = path.relative_to(bundle)
            if config.is_excluded(name):
                errors.append(f"{where} needs {name}, which packaging/bundle_config.py leaves out")
            elif WHEEL_PRIVATE.search(name):
                errors.append(f"{where} needs {name}, a wheel's private library the bundle lost")
            else:
                notes.setdefault(name, []).append(str(where))
    for name, users in sorted(notes.items()):
        print(f"note: {name} is not on this machine (needed by {len(users)} files, e.g. "
              f"{users[0]}); the user's system must provide it")
    for error in errors:
        print(f"error: {error}")
    print(f"checked {checked} binaries: {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
