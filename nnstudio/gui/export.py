"""Plugs the export dialogs into the main window (listed in `main_window.EXTENSION_MODULES`)."""

from nnstudio.gui.dialogs.export_dialog import install

__all__ = ["install"]
