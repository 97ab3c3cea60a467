"""The missing-library check that runs before Qt: simulated by making some libraries unloadable."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pytest

from nnstudio import cli
from nnstudio.gui import app
from nnstudio.gui.desktop_libraries import (QT_GUI_LIBRARIES, XCB_LIBRARIES, missing_libraries,
                                            missing_libraries_message, uses_xcb)

X11_DESKTOP = {"DISPLAY": ":0"}


@pytest.fixture
def without(monkeypatch):
    """Make the named sonames fail to load, as on a machine that lacks them."""

    def remove(*sonames: str) -> None:
        real_cdll = ctypes.CDLL

        def cdll(name, *args, **kwargs):
            if name in sonames:
                raise OSError(f"{name}: cannot open shared object file: No such file or directory")
            return real_cdll(name, *args, **kwargs)

        monkeypatch.setattr(ctypes, "CDLL", cdll)

    return remove


@pytest.mark.parametrize("environ, expected", [
    ({"DISPLAY": ":0"}, True),
    ({"QT_QPA_PLATFORM": "xcb"}, True),
    ({"QT_QPA_PLATFORM": "xcb:nograb", "DISPLAY": ":0"}, True),
    ({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, False),
    ({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"}, False),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, False),
    ({"DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland"}, False),
    ({}, False),
])
def test_the_xcb_libraries_matter_only_where_qt_starts_its_x11_platform(environ, expected):
    assert uses_xcb(environ) is expected


def test_this_machine_has_every_library_so_nothing_is_reported():
    assert missing_libraries(X11_DESKTOP) == []


def test_the_two_libraries_qt_does_not_name_are_found_missing_with_their_packages(without):
    without("libxcb-icccm.so.4", "libxcb-keysyms.so.1")

    missing = missing_libraries(X11_DESKTOP)

    assert [library.soname for library in missing] == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert missing_libraries_message(missing) == (
        "nnstudio: Qt cannot start the window: this system lacks libxcb-icccm.so.4, "
        "libxcb-keysyms.so.1. Install them with `sudo apt install libxcb-icccm4 libxcb-keysyms1` "
        "(Debian, Ubuntu) or `sudo dnf install xcb-util-wm xcb-util-keysyms` (Fedora), then "
        "start NN Studio again.")


def test_a_package_shared_by_several_missing_libraries_is_named_once(without):
    without("libxcb-randr.so.0", "libxcb-shape.so.0", "libxcb-cursor.so.0")

    message = missing_libraries_message(missing_libraries(X11_DESKTOP))

    assert "`sudo apt install libxcb-cursor0 libxcb-randr0 libxcb-shape0`" in message
    assert "`sudo dnf install xcb-util-cursor libxcb`" in message


def test_offscreen_checks_only_what_qt_gui_itself_needs(without):
    without("libxcb-icccm.so.4", "libfontconfig.so.1")

    missing = missing_libraries({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"})

    assert [library.soname for library in missing] == ["libfontconfig.so.1"]


def test_other_systems_are_not_checked(without):
    without(*(library.soname for library in QT_GUI_LIBRARIES + XCB_LIBRARIES))
    assert missing_libraries(X11_DESKTOP, platform="darwin") == []
    assert missing_libraries(X11_DESKTOP, platform="win32") == []


def test_nnstudio_prints_the_one_line_and_exits_before_qt_starts(without, monkeypatch, capsys):
    without("libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":0")

    def qt_started():
        raise AssertionError("Qt was started although its libraries are missing")

    monkeypatch.setattr(app, "make_application", qt_started)

    assert cli.main([]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in err
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in err
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms" in err


def test_the_readme_start_section_installs_every_library_the_check_knows():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    libraries = QT_GUI_LIBRARIES + XCB_LIBRARIES
    for command, packages in (("sudo apt install", {lib.debian for lib in libraries}),
                              ("sudo dnf install", {lib.fedora for lib in libraries})):
        listed = readme.split(f"```bash\n{command} ")[1].split("```")[0]
        assert set(listed.replace("\\", " ").split()) == packages, command
