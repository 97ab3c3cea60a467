"""`nnstudio`: opens the window, or runs a headless subcommand (train, evaluate, summary, ...).

The headless commands live in `nnstudio.commands`, the window in `nnstudio.gui.app`; this module
only chooses, so that `nnstudio train` never imports Qt and the window never waits for torch.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from nnstudio.commands import SUBCOMMANDS, run_subcommand

    if args and args[0] in SUBCOMMANDS:
        return run_subcommand(args)
    from nnstudio.gui.app import run_app

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
