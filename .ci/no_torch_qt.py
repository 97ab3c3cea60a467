"""Run the core and data tests where torch and Qt cannot be imported.

    python .ci/no_torch_qt.py [extra pytest arguments]

Installs an import blocker first (as a sitecustomize would), so any `import torch`, PySide6,
shiboken6 or pyqtgraph, by the tests or by the code under test, directly or through another
module, fails with ImportError exactly as on a machine without them. pytest-qt is switched off:
it imports Qt when pytest starts. The exit status is pytest's.
"""

from __future__ import annotations

import importlib.abc
import sys
from pathlib import Path

BLOCKED = ("torch", "PySide6", "shiboken6", "pyqtgraph")
ROOT = Path(__file__).resolve().parent.parent


class BlockedImportFinder(importlib.abc.MetaPathFinder):
    """Refuses the blocked top-level packages and everything under them."""

    def __init__(self, blocked: tuple[str, ...] = BLOCKED):
        self.blocked = blocked
        self.attempts: list[str] = []

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.blocked:
            self.attempts.append(fullname)
            raise ImportError(f"{fullname} is blocked: this run checks that core and data "
                              "work without torch and Qt", name=fullname)
        return None


def install_blocker() -> BlockedImportFinder:
    """Put the blocker first on sys.meta_path; fail if a blocked package is already loaded."""
    loaded = sorted(name for name in sys.modules if name.split(".")[0] in BLOCKED)
    if loaded:
        raise SystemExit(f"already imported before the blocker: {', '.join(loaded)}")
    finder = BlockedImportFinder()
    sys.meta_path.insert(0, finder)
    return finder


def main(argv: list[str]) -> int:
    finder = install_blocker()
    import pytest

    args = ["-p", "no:pytest-qt", "-p", "no:cacheprovider", "-q",
            str(ROOT / "tests" / "core"), str(ROOT / "tests" / "data"), *argv]
    status = int(pytest.main(args))
    leaked = sorted(name for name in sys.modules if name.split(".")[0] in BLOCKED)
    if leaked:  # cannot happen while the finder is installed; guards against its removal
        print(f"no_torch_qt: imported despite the blocker: {', '.join(leaked)}", file=sys.stderr)
        return status or 1
    if finder.attempts:
        # Code that catches the ImportError and carries on still broke the layering rule.
        print("no_torch_qt: blocked imports were attempted: " + ", ".join(sorted(set(finder.attempts))),
              file=sys.stderr)
        return status or 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
