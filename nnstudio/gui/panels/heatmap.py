"""Colours for the inspection views, and float32 arrays turned into images.

One diverging scale, as in TensorFlow Playground: orange for negative (and class 0), white near
zero, blue for positive (and class 1). Links, neuron heatmaps, the decision boundary and the
training points all use it, so a colour means the same everywhere. `ColorLegendBar` draws a
scale with the values at its ends, under the pictures that use one.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from nnstudio.data.classes import CLASS_COLORS, class_color

# The diverging scale's ends are the colours of class 0 and class 1 (nnstudio.data.classes).
NEGATIVE_COLOR, POSITIVE_COLOR = CLASS_COLORS[0], CLASS_COLORS[1]
MIDDLE_COLOR = "#f4f4f4"

# The value range each activation's output lies in; None: unbounded, scaled by the values.
ACTIVATION_LEVELS = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0)}


def _rgb(color: str) -> np.ndarray:
    c = QColor(color)
    return np.array([c.red(), c.green(), c.blue()], dtype=np.float64)


def diverging_lut(size: int = 256) -> np.ndarray:
    """(size, 4) uint8 RGBA: orange → white → blue."""
    t = np.linspace(0.0, 1.0, size)[:, None]
    low, mid, high = _rgb(NEGATIVE_COLOR), _rgb(MIDDLE_COLOR), _rgb(POSITIVE_COLOR)
    lower = mid + (low - mid) * np.clip(1 - 2 * t, 0, 1)
    upper = mid + (high - mid) * np.clip(2 * t - 1, 0, 1)
    rgb = np.where(t < 0.5, lower, upper)
    lut = np.empty((size, 4), dtype=np.uint8)
    lut[:, :3] = np.round(rgb).astype(np.uint8)
    lut[:, 3] = 255
    return lut


LUT = diverging_lut()


def faded(lut: np.ndarray, amount: float) -> np.ndarray:
    """`lut` blended `amount` of the way towards white (backgrounds behind coloured points)."""
    out = lut.copy()
    out[:, :3] = np.round(lut[:, :3] + (255 - lut[:, :3].astype(np.float64)) * amount)
    return out


BACKGROUND_LUT = faded(LUT, 0.3)


def levels_for(activation: str | None, values: np.ndarray) -> tuple[float, float]:
    """Fixed levels for an activation's outputs; for unbounded ones symmetric around zero and
    wide enough for `values` (so zero is always white)."""
    if activation in ACTIVATION_LEVELS:
        return ACTIVATION_LEVELS[activation]
    extent = float(np.max(np.abs(values))) if values.size else 1.0
    if not np.isfinite(extent) or extent < 1e-6:
        extent = 1.0
    return -extent, extent


def to_rgba(values: np.ndarray, levels: tuple, lut: np.ndarray = LUT) -> np.ndarray:
    """`values` (any shape) mapped through `lut` between `levels`: uint8 (..., 4).

    `levels` are two numbers, or two arrays that broadcast against `values` (one pair per
    image of a stack). NaN maps to the middle colour.
    """
    low = np.asarray(levels[0], dtype=np.float32)
    high = np.asarray(levels[1], dtype=np.float32)
    span = np.where(high > low, high - low, np.float32(1))
    index = (np.asarray(values, dtype=np.float32) - low) * ((len(lut) - 1) / span)
    index = np.where(np.isnan(index), (len(lut) - 1) / 2, np.clip(index, 0, len(lut) - 1))
    return lut[index.astype(np.intp)]


def qimage(rgba: np.ndarray) -> QImage:
    """A QImage owning a copy of `rgba` (h, w, 4) uint8, first row at the top."""
    rgba = np.ascontiguousarray(rgba)
    height, width = rgba.shape[:2]
    image = QImage(rgba.data, width, height, width * 4, QImage.Format.Format_RGBA8888)
    return image.copy()  # the numpy buffer may go; the image keeps its own pixels


def class_lut(n_classes: int) -> np.ndarray:
    """(n_classes, 3) float RGB of the class colours."""
    return np.array([_rgb(class_color(i)) for i in range(n_classes)])


def class_rgba(probabilities: np.ndarray, discrete: bool = False) -> np.ndarray:
    """Class regions as uint8 RGBA (h, w, 4) from probabilities (k, h, w): the winning class's
    colour, faded towards white where the network is unsure (unless `discrete`)."""
    k = probabilities.shape[0]
    winner = np.argmax(probabilities, axis=0)
    rgb = class_lut(k)[winner]
    if not discrete:
        confidence = np.max(probabilities, axis=0)
        # 1/k (a guess) is white, 1 is the full colour.
        strength = np.clip((confidence - 1.0 / k) / (1.0 - 1.0 / k), 0, 1)[..., None] * 0.85
        rgb = _rgb(MIDDLE_COLOR) + (rgb - _rgb(MIDDLE_COLOR)) * strength
    out = np.empty(winner.shape + (4,), dtype=np.uint8)
    out[..., :3] = np.round(rgb).astype(np.uint8)
    out[..., 3] = 255
    return out


def format_level(value: float) -> str:
    """A legend's number: short, and "0" rather than "-0"."""
    text = f"{float(value):.3g}"
    return "0" if text in ("-0", "0") else text


class ColorLegendBar(QWidget):
    """A colour scale from `levels[0]` (left) to `levels[1]` (right) through `lut`, with the
    low, middle and high values written under it, as under Playground's output picture;
    `inline`: one text line high, the low and high values at the bar's ends (for a tool row)."""

    BAR_HEIGHT = 10
    MAX_WIDTH = 320

    def __init__(self, parent: QWidget | None = None, inline: bool = False):
        super().__init__(parent)
        self.setObjectName("color_legend")
        self.lut, self.levels, self.title = LUT, (-1.0, 1.0), ""
        self.inline = inline
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(120)
        text_height = int(QFontMetricsF(self.font()).height())
        self.setFixedHeight(text_height + 2 if inline else self.BAR_HEIGHT + text_height + 6)

    def set_scale(self, levels: tuple[float, float], lut: np.ndarray = LUT,
                  title: str = "") -> None:
        """Show `lut` between `levels`; `title` says what the colour measures (a tooltip)."""
        levels = (float(levels[0]), float(levels[1]))
        if (levels, title) == (self.levels, self.title) and lut is self.lut:
            return
        self.lut, self.levels, self.title = lut, levels, title
        self.setToolTip(f"Colour scale: {title}" if title else "Colour scale")
        self.update()

    def texts(self) -> tuple[str, str, str]:
        """The numbers written at the left end, the middle and the right end."""
        low, high = self.levels
        return format_level(low), format_level((low + high) / 2), format_level(high)

    def bar_rect(self) -> QRectF:
        if self.inline:  # between the low and high values' texts
            metrics = QFontMetricsF(self.font())
            low, _, high = self.texts()
            left, right = metrics.horizontalAdvance(low) + 6, metrics.horizontalAdvance(high) + 6
            return QRectF(left, (self.height() - self.BAR_HEIGHT) / 2,
                          max(self.width() - left - right, 10.0), self.BAR_HEIGHT)
        width = min(float(self.width()) - 8, self.MAX_WIDTH)
        return QRectF((self.width() - width) / 2, 2, width, self.BAR_HEIGHT)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        bar = self.bar_rect()
        strip = qimage(np.ascontiguousarray(self.lut[None, :, :]))
        painter.drawImage(bar, strip)
        painter.setPen(self.palette().color(QPalette.ColorRole.Mid))
        painter.drawRect(bar)
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        if self.inline:
            low, _, high = self.texts()
            flags = Qt.AlignmentFlag.AlignVCenter
            painter.drawText(QRectF(0, 0, bar.left() - 4, self.height()),
                             flags | Qt.AlignmentFlag.AlignRight, low)
            painter.drawText(QRectF(bar.right() + 4, 0, self.width(), self.height()),
                             flags | Qt.AlignmentFlag.AlignLeft, high)
            painter.end()
            return
        text_row = QRectF(bar.left(), bar.bottom() + 2, bar.width(),
                          self.height() - bar.bottom() - 2)
        for text, align in zip(self.texts(), (Qt.AlignmentFlag.AlignLeft,
                                              Qt.AlignmentFlag.AlignHCenter,
                                              Qt.AlignmentFlag.AlignRight)):
            painter.drawText(text_row, align | Qt.AlignmentFlag.AlignTop, text)
        painter.end()
