"""Name the system libraries Qt's desktop platform needs but this Linux machine lacks.

Without them Qt aborts with one fixed hint ("xcb-cursor0 or libxcb-cursor0 is needed"), even
when that one is installed and another is missing. So before Qt starts, the app tries to load
each library itself and names the missing ones with the command that installs them. Plain
Python (ctypes), no Qt import: it has to run before Qt can fail.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Callable, Mapping, NamedTuple


class SystemLibrary(NamedTuple):
    soname: str
    debian: str  # the package on Debian and Ubuntu
    fedora: str  # the package on Fedora and RHEL


# What Qt's GUI library needs on any platform (offscreen included), from `readelf -d` of
# libQt6Gui.so.6 and libQt6DBus.so.6 in PySide6-Essentials 6.11: without these even importing
# QtGui fails.
QT_GUI_LIBRARIES = (
    SystemLibrary("libEGL.so.1", "libegl1", "libglvnd-egl"),
    SystemLibrary("libGL.so.1", "libgl1", "libglvnd-glx"),
    SystemLibrary("libX11.so.6", "libx11-6", "libX11"),
    SystemLibrary("libxkbcommon.so.0", "libxkbcommon0", "libxkbcommon"),
    SystemLibrary("libfontconfig.so.1", "libfontconfig1", "fontconfig"),
    SystemLibrary("libfreetype.so.6", "libfreetype6", "freetype"),
    SystemLibrary("libglib-2.0.so.0", "libglib2.0-0", "glib2"),
    SystemLibrary("libgthread-2.0.so.0", "libglib2.0-0", "glib2"),
    SystemLibrary("libdbus-1.so.3", "libdbus-1-3", "dbus-libs"),
)

# What the xcb platform plugin (an X11 desktop) needs besides those: the NEEDED entries of
# plugins/platforms/libqxcb.so and lib/libQt6XcbQpa.so.6 that no wheel provides.
XCB_LIBRARIES = (
    SystemLibrary("libxcb.so.1", "libxcb1", "libxcb"),
    SystemLibrary("libX11-xcb.so.1", "libx11-xcb1", "libX11-xcb"),
    SystemLibrary("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "libxkbcommon-x11"),
    SystemLibrary("libxcb-cursor.so.0", "libxcb-cursor0", "xcb-util-cursor"),
    SystemLibrary("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm"),
    SystemLibrary("libxcb-keysyms.so.1", "libxcb-keysyms1", "xcb-util-keysyms"),
    SystemLibrary("libxcb-image.so.0", "libxcb-image0", "xcb-util-image"),
    SystemLibrary("libxcb-render-util.so.0", "libxcb-render-util0", "xcb-util-renderutil"),
    SystemLibrary("libxcb-util.so.1", "libxcb-util1", "xcb-util"),
    SystemLibrary("libxcb-randr.so.0", "libxcb-randr0", "libxcb"),
    SystemLibrary("libxcb-render.so.0", "libxcb-render0", "libxcb"),
    SystemLibrary("libxcb-shape.so.0", "libxcb-shape0", "libxcb"),
    SystemLibrary("libxcb-shm.so.0", "libxcb-shm0", "libxcb"),
    SystemLibrary("libxcb-sync.so.1", "libxcb-sync1", "libxcb"),
    SystemLibrary("libxcb-xfixes.so.0", "libxcb-xfixes0", "libxcb"),
    SystemLibrary("libxcb-xkb.so.1", "libxcb-xkb1", "libxcb"),
)


def can_load(soname: str) -> bool:
    """Whether the dynamic loader finds `soname` (and what it needs), as Qt's loading would."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_xcb(environ: Mapping[str, str]) -> bool:
    """Whether Qt will start its X11 (xcb) platform: asked for by name, or the default on an X11
    display. A Wayland session gets Qt's Wayland platform, which needs none of XCB_LIBRARIES."""
    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(";")[0].split(":")[0] == "xcb"
    if environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland":
        return False
    return bool(environ.get("DISPLAY"))


def missing_libraries(environ: Mapping[str, str] = os.environ,
                      loads: Callable[[str], bool] = can_load,
                      platform: str = sys.platform) -> list[SystemLibrary]:
    """The libraries Qt will need here and cannot load; empty off Linux."""
    if not platform.startswith("linux"):
        return []
    needed = QT_GUI_LIBRARIES + (XCB_LIBRARIES if uses_xcb(environ) else ())
    return [library for library in needed if not loads(library.soname)]


def missing_libraries_message(missing: list[SystemLibrary]) -> str:
    """One line naming the missing libraries and the apt and dnf commands that install them."""
    names = ", ".join(library.soname for library in missing)
    debian = " ".join(dict.fromkeys(library.debian for library in missing))
    fedora = " ".join(dict.fromkeys(library.fedora for library in missing))
    return (f"nnstudio: Qt cannot start the window: this system lacks {names}. Install them with "
            f"`sudo apt install {debian}` (Debian, Ubuntu) or `sudo dnf install {fedora}` "
            "(Fedora), then start NN Studio again.")
