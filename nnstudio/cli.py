"""`nnstudio`: opens the window, or runs a headless subcommand (train, evaluate, summary, ...).

The headless commands live in `nnstudio.commands`, the window in `nnstudio.gui.app`; this module
only chooses, so that `nnstudio train` never imports Qt and the window never waits for torch.
Two options answer without a window: `--check` (the installation, for bug reports) and
`--example NAME -o FILE` (writes an example project anywhere).
"""

from __future__ import annotations

import sys
from pathlib import Path

HEADLESS_OPTIONS = ("--check", "--example")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from nnstudio.commands import SUBCOMMANDS, run_subcommand

    if args and (args[0] in SUBCOMMANDS or _looks_like_a_command(args[0])):
        return run_subcommand(args)  # a mistyped command gets an error, never the window
    if args and args[0].split("=")[0] in HEADLESS_OPTIONS:
        return run_headless_option(args)
    from nnstudio.gui.app import run_app

    return run_app(args)


def _looks_like_a_command(word: str) -> bool:
    """True for a bare word that is no file: the window opens project files and options, so
    `nnstudio trian` is a mistyped command, not a project to open."""
    return (not word.startswith("-") and "." not in word and "/" not in word
            and "\\" not in word and not Path(word).exists())


def run_headless_option(argv: list[str]) -> int:
    """`nnstudio --check` or `nnstudio --example NAME -o FILE`; the exit code."""
    from nnstudio.commands import BAD_INPUT, BadInput, _Parser

    parser = _Parser(prog="nnstudio", description="Check the installation, or write an example.")
    choice = parser.add_mutually_exclusive_group(required=True)
    choice.add_argument("--check", action="store_true",
                        help="print versions, devices, threads and folders for a bug report")
    choice.add_argument("--example", metavar="NAME", help="write the example project NAME")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="where --example writes; '-' writes it to stdout")
    parser.add_argument("--force", action="store_true",
                        help="replace FILE if it exists (without it, it is kept)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    try:
        args = parser.parse_args(argv)
        if args.check:
            return check()
        return write_example(args.example, args.output, args.force, args.quiet)
    except BadInput as error:
        print(f"nnstudio: {error}", file=sys.stderr)
        return BAD_INPUT


def check() -> int:
    """Print the installation report; 0 when the app has all it needs, else 1."""
    from nnstudio.gui.diagnostics import report

    lines, healthy = report()
    print("\n".join(lines))
    return 0 if healthy else 1


def write_example(name: str, output: str | None, force: bool = False,
                  quiet: bool = False) -> int:
    """Save example `name` as `output` ("-": stdout; an existing file only with `force`);
    BadInput if it cannot."""
    from nnstudio.commands import BadInput
    from nnstudio.core.examples import EXAMPLES, example_project
    from nnstudio.core.project import dumps_document, project_document, save_project

    if name not in EXAMPLES:
        raise BadInput(f"--example: no example called {name!r}; choose one of "
                       f"{', '.join(EXAMPLES)}")
    if not output:
        raise BadInput(f"--example {name}: say where to write it with -o FILE")
    if output == "-":  # an example holds built-in or bundled data and no weights: one file
        sys.stdout.flush()
        sys.stdout.buffer.write(dumps_document(project_document(example_project(name))))
        sys.stdout.flush()
        return 0
    path = Path(output)
    if path.exists() and not force:
        raise BadInput(f"{path}: already exists; add --force to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_project(path, example_project(name))
    except OSError as error:
        raise BadInput(f"{path}: cannot write it: {error.strerror or error}") from None
    if not quiet:
        print(f"{path}: {EXAMPLES[name].title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
