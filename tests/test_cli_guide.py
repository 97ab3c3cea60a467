"""The in-app guide's command-line page names what the command line offers: every subcommand,
the options every command shares, and each option of the commands that train and measure."""

from __future__ import annotations

import argparse

import pytest

from nnstudio.commands import BAD_INPUT, INTERRUPTED, SUBCOMMANDS
from nnstudio.data.resources import guide_pages

# Options of `new` that only say how to read a CSV, NumPy or image file: its --help lists them.
FILE_READING = {"--drop", "--delimiter", "--decimal", "--header", "--no-header", "--encoding",
                "--categorical", "--missing", "--x", "--y", "--image-size", "--rgb",
                "--validation-data", "--copy-data"}


def guide_text() -> str:
    page = next(p for p in guide_pages() if p.name.endswith("command-line.md"))
    return page.read_text(encoding="utf-8")


def long_options(name: str) -> set[str]:
    parser = argparse.ArgumentParser()
    SUBCOMMANDS[name].add_arguments(parser)
    return {option for action in parser._actions for option in action.option_strings
            if option.startswith("--") and option != "--help"}


def test_the_guide_names_every_subcommand_and_the_shared_contract():
    text = guide_text()
    for name in SUBCOMMANDS:
        assert f"`nnstudio {name} " in text, name
    for shared in ("`-o FILE`", "`--output FILE`", "`--force`", "`--quiet`", "`-q`",
                   "`-o -`", "`--json`", "Ctrl+C", f"{INTERRUPTED} stopped by",
                   f"{BAD_INPUT} bad input"):
        assert shared in text, shared


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_the_guide_names_each_option_of_every_subcommand(name):
    text = guide_text()
    missing = {option for option in long_options(name) - FILE_READING
               if f"`{option}" not in text and f" {option}" not in text}
    assert not missing, f"{name}: the guide does not name {sorted(missing)}"
