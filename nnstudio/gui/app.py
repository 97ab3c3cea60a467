"""Start the window: `nnstudio [PROJECT | LESSON] [--screenshot PNG] [--self-test]`.

The window shows first; torch is imported afterwards on a background thread (with one tiny
optimizer step, which pulls in torch._dynamo), so the first Train click does not stall and
nobody waits for torch to see the window.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from nnstudio import __version__

SCREENSHOT_SIZE = (1440, 900)
WARM_UP_THREAD = "warm-torch"
torch_ready = threading.Event()  # set once torch is imported and warmed
_warm_up_planned = threading.Event()  # set before the window is built when a warm-up follows


def torch_warming() -> bool:
    """True from start-up until the background import of torch is done: code that needs torch
    then waits instead of importing it on the GUI thread (which would hold up the first paint,
    or freeze the window until the import finishes). False where no warm-up runs (tests,
    --screenshot)."""
    return _warm_up_planned.is_set() and not torch_ready.is_set()


def parse_args(argv: list[str]) -> argparse.Namespace:
    from nnstudio.commands import SUBCOMMANDS

    parser = argparse.ArgumentParser(
        prog="nnstudio", description="Build, train and understand neural networks.",
        epilog=f"Headless commands: nnstudio {{{','.join(SUBCOMMANDS)}}} --help. An example "
               "project: nnstudio --example NAME -o FILE. For bug reports: nnstudio --check.")
    parser.add_argument("project", nargs="?",
                        help="a .nnstudio project to open, or a .nnlesson lesson to start")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="render the window to this PNG file and exit")
    parser.add_argument("--self-test", action="store_true",
                        help="check that the installed app works, then exit")
    parser.add_argument("--version", action="version", version=f"NN Studio {__version__}")
    return parser.parse_args(argv)


def run_app(argv: list[str]) -> int:
    """Run the window; returns the process exit status."""
    try:
        args = parse_args(list(argv))
    except SystemExit as done:  # --help, --version, or a usage error already printed
        return int(done.code or 0)
    if args.self_test and importlib.util.find_spec("nnstudio.gui.self_test") is None:
        print("nnstudio: --self-test is not available in this build", file=sys.stderr)
        return 2
    if args.screenshot and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no display needed to render a PNG
    if missing_desktop_libraries():
        return 1
    app = make_application()

    from nnstudio.gui.composition import build_window

    one_shot = bool(args.screenshot or args.self_test)  # runs and exits: no user settings, no warm-up
    settings = _throwaway_settings() if one_shot else None
    if not one_shot:
        _warm_up_planned.set()  # before the window exists: its panels must not import torch
    window = build_window(settings=settings)
    if args.project:
        message = _open_argument(window, args.project)
        if message is not None:
            if args.screenshot:
                print(f"nnstudio: {message}", file=sys.stderr)
                window.end_background_work()  # the data read the window began: no thread left
                return 2
            _show_later(window, "Could not open the file", message)
        elif settings is None:
            from nnstudio.gui.settings import remember_recent

            remember_recent(window.settings, window.document.path or args.project)
    if args.screenshot:
        return save_screenshot(window, Path(args.screenshot))
    if importlib.util.find_spec("nnstudio.gui.file_open") is not None:
        from nnstudio.gui.file_open import install_file_open_handler

        install_file_open_handler(window.open_path)  # macOS: Finder's "open with"
    if os.environ.get("NNSTUDIO_STARTUP_PROBE"):
        _report_first_paint(window, app)  # benchmarks/bench_startup.py
    window.show()
    if args.self_test:
        from nnstudio.gui import self_test

        return int(self_test.run(window))
    # Only once the window is on screen: importing torch holds the GIL for seconds.
    # The status bar, not the canvas: the Learn layout puts the canvas away.
    _after_first_paint(window.statusBar(), warm_torch_in_background)
    status = app.exec()
    _end_background_threads(window)
    return status


def _end_background_threads(window) -> None:
    """However the event loop ended (the window closed, or a quit that closed nothing), let no
    thread outlive it: a QThread destroyed while running, or torch still being imported when
    Python exits, aborts the process."""
    window.end_background_work()
    for thread in threading.enumerate():
        if thread.name == WARM_UP_THREAD:
            thread.join()


def missing_desktop_libraries() -> bool:
    """Print one line naming the system libraries Qt would abort on (Linux), and their fix."""
    from nnstudio.gui.desktop_libraries import missing_libraries, missing_libraries_message

    missing = missing_libraries()
    if missing:
        print(missing_libraries_message(missing), file=sys.stderr)
    return bool(missing)


def make_application():
    """The QApplication (made once): names, high-DPI, Fusion style, light or dark palette."""
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from nnstudio.gui.settings import APPLICATION, ORGANIZATION
    from nnstudio.gui.theme import apply_theme

    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication([sys.argv[0] if sys.argv else "nnstudio"])
        QCoreApplication.setOrganizationName(ORGANIZATION)
        QCoreApplication.setApplicationName(APPLICATION)
        QCoreApplication.setApplicationVersion(__version__)
        QGuiApplication.setDesktopFileName("nnstudio")
        _set_window_icon(app)
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):  # the system switched light/dark: follow it
            hints.colorSchemeChanged.connect(lambda scheme: apply_theme(app))
    apply_theme(app)
    return app


def _set_window_icon(app) -> None:
    from PySide6.QtGui import QIcon

    from nnstudio.data.resources import resources_dir

    folder = resources_dir() / "icons" / "app" / "png"
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        if (folder / f"nnstudio-{size}.png").exists():
            icon.addFile(str(folder / f"nnstudio-{size}.png"))
    if not icon.isNull():
        app.setWindowIcon(icon)


def save_screenshot(window, path: Path) -> int:
    """Lay the window out offscreen, let it paint, and save it as a PNG."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    window.resize(*SCREENSHOT_SIZE)
    window.show()
    for _ in range(3):  # layout, the queued fit-to-view, then painting
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        loop = QEventLoop()
        QTimer.singleShot(30, loop.quit)
        loop.exec()
    window.canvas.fit_to_view()
    QApplication.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path), "PNG"):
        print(f"nnstudio: {path}: could not write the screenshot", file=sys.stderr)
        return 1
    window.document.undo_stack.setClean()
    window.close()
    return 0


def warm_torch_in_background() -> threading.Thread:
    """Import torch and take one Adam step on a daemon thread; sets `torch_ready` when done."""
    _warm_up_planned.set()
    thread = threading.Thread(target=_warm_torch, name=WARM_UP_THREAD, daemon=True)
    thread.start()
    return thread


def _warm_torch() -> None:
    started = time.perf_counter()
    try:
        import torch

        weight = torch.zeros(2, requires_grad=True)
        optimizer = torch.optim.Adam([weight], lr=0.1)
        weight.sum().backward()
        optimizer.step()
    except Exception:  # training will report a broken torch with a proper message
        pass
    finally:
        torch_ready.set()
        if os.environ.get("NNSTUDIO_DEBUG_STARTUP"):
            print(f"torch warmed in {time.perf_counter() - started:.2f} s", file=sys.stderr)


def _report_first_paint(window, app) -> None:
    """Print the wall-clock time of the window's first paint, then quit (for the benchmark)."""

    def report() -> None:
        from PySide6.QtCore import QTimer

        print(f"NNSTUDIO_SHOWN {time.time():.6f} torch_imported={'torch' in sys.modules}",
              flush=True)
        QTimer.singleShot(0, app.quit)  # not inside the paint: quitting there can crash Qt

    _after_first_paint(window.statusBar(), report, at_once=True)


def _after_first_paint(widget, callback, at_once: bool = False) -> None:
    """Call `callback` once `widget` has painted for the first time.

    By default the call waits for the next turn of the event loop, so the paint is finished.
    """
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                watched.removeEventFilter(self)
                callback() if at_once else QTimer.singleShot(0, callback)
            return False

    widget.installEventFilter(FirstPaint(widget))  # parented to the widget: lives as long


def _throwaway_settings():
    """Settings in a temporary file, so a screenshot never reads or writes the user's."""
    from PySide6.QtCore import QSettings

    folder = tempfile.mkdtemp(prefix="nnstudio-screenshot-")
    return QSettings(os.path.join(folder, "settings.ini"), QSettings.Format.IniFormat)


def _open_argument(window, path: str) -> str | None:
    """Open the project, or start the lesson, named on the command line; the reason when it
    cannot be read. A lesson opens like Help → Lessons: its project as an untitled copy."""
    from nnstudio.core.errors import NNStudioError
    from nnstudio.core.lessons import LESSON_SUFFIX
    from nnstudio.gui.panels.lesson_panel import LESSON_DOCK

    if not path.endswith(LESSON_SUFFIX):
        return window.document.open(path)
    panel = window.panels.get(LESSON_DOCK)
    if panel is None:
        return f"{path}: this window has no Lesson panel"
    try:
        panel.start_lesson_file(path, ask=False)  # nothing to ask about yet
    except NNStudioError as error:
        return str(error)
    return None


def _show_later(window, title: str, message: str) -> None:
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, lambda: window.show_error(title, message))


if __name__ == "__main__":
    sys.exit(run_app(sys.argv[1:]))
