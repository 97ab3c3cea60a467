"""Colours and the light/dark palette: one place, so every view agrees.

The app follows the system's colour scheme (Qt 6.5+ reports it); `NNSTUDIO_THEME=dark|light`
forces one, which is how the dark screenshots and tests are made.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

# One colour per palette category: the node header on the canvas and the palette icon.
CATEGORY_COLORS = {
    "Input": "#2f7ed8",
    "Core": "#7b4fc4",
    "Convolution": "#13907a",
    "Sequence": "#d9731a",
    "Normalization": "#56708a",
    "Regularization": "#a88a12",
    "Activation": "#2e9d4f",
    "Merge": "#c8407e",
}
ERROR_COLOR = "#d93a3a"


def category_color(category: str) -> QColor:
    return QColor(CATEGORY_COLORS.get(category, "#777777"))


def error_color() -> QColor:
    return QColor(ERROR_COLOR)


def wants_dark() -> bool:
    """True when the user or the system asks for a dark window."""
    forced = os.environ.get("NNSTUDIO_THEME", "").lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return scheme is not None and scheme() == Qt.ColorScheme.Dark


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether the palette in use is dark (its window colour is dark)."""
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def dark_palette() -> QPalette:
    """A calm dark palette for the Fusion style."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2d31",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f2023",
        QPalette.ColorRole.AlternateBase: "#2a2c30",
        QPalette.ColorRole.ToolTipBase: "#3a3d42",
        QPalette.ColorRole.ToolTipText: "#f0f0f0",
        QPalette.ColorRole.PlaceholderText: "#8a8d93",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#33363b",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Link: "#6aa9ff",
        QPalette.ColorRole.Highlight: "#3d7bd9",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Light: "#45484e",
        QPalette.ColorRole.Midlight: "#3a3d42",
        QPalette.ColorRole.Mid: "#2f3136",
        QPalette.ColorRole.Dark: "#1b1c1f",
        QPalette.ColorRole.Shadow: "#111214",
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    disabled = QColor("#7a7d83")
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def apply_theme(app) -> None:
    """Fusion style with a light or dark palette chosen from the system or NNSTUDIO_THEME."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(dark_palette() if wants_dark() else app.style().standardPalette())


def muted(palette: QPalette) -> QColor:
    """Secondary text: half-way between text and background."""
    text = palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    return QColor((text.red() + base.red()) // 2, (text.green() + base.green()) // 2,
                  (text.blue() + base.blue()) // 2)
