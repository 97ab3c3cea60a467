"""A decision boundary for one trained network and its data, outside the live views.

The window's boundary panel follows the document's live weights; twin runs need one per
twin, from weights that are not the document's. This view draws the same picture (the
panel's colours and heatmap helpers, the engine's display model and planes): the network's
output over the plane of the two inputs (or the first two principal components), with the
training points on top.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from nnstudio.core.errors import NNStudioError
from nnstudio.gui.experiments.plots import make_plot
from nnstudio.data.classes import class_color
from nnstudio.gui.panels.heatmap import BACKGROUND_LUT, class_rgba, levels_for

RESOLUTION = 80  # grid points per side


def _softmax(values: np.ndarray) -> np.ndarray:
    shifted = values - values.max(axis=0, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=0, keepdims=True)


class BoundaryView(QWidget):
    """A title, and the output of one network over its input plane with the data on top."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel(title)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.plot = make_plot(self, "", "")
        self.plot.setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("w", width=0.8))
        self.plot.addItem(self.points)
        self.note = QLabel("Trains, then draws here.")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.note)
        self.stack.addWidget(self.plot)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)
        self.values: np.ndarray | None = None  # the output over the grid, as drawn

    def set_title(self, text: str) -> None:
        self.title.setText(text)

    def clear(self, text: str = "Trains, then draws here.") -> None:
        self.values = None
        self.note.setText(text)
        self.stack.setCurrentWidget(self.note)

    def show_model(self, network: Any, weights: dict[str, np.ndarray], data: Any) -> bool:
        """Draw `network` with `weights` over the plane of `data`'s training inputs.
        False (and a note saying why) when there is no plane to draw on."""
        from nnstudio.engine.probes import DisplayModel, feature_plane, pca_plane

        try:
            display = DisplayModel(network)
        except NNStudioError as error:
            self.clear(str(error))
            return False
        if not display.load(weights):
            self.clear("These weights do not fit the network.")
            return False
        shape = display.input_shape
        if len(shape) != 1:
            size = "×".join(map(str, shape))
            self.clear(f"This network's input is an image or a sequence ({size}), not a list "
                       "of features, so there is no input plane to draw a decision boundary "
                       "on.")
            return False
        if shape[0] < 2:
            self.clear("This network takes a single input feature: there is no plane of two "
                       "features to draw a decision boundary on.")
            return False
        train = data.train
        x = np.asarray(train.x, dtype=np.float64).reshape(train.n_samples, -1)
        plane = feature_plane(x, 0, 1, train.feature_names) if shape[0] == 2 else pca_plane(x)
        values = display.plane_probe(plane, RESOLUTION, (display.output_id,)).values[
            display.output_id]
        self.values = values
        activation = display.model.output_activation
        if values.shape[0] > 1:
            probabilities = values if activation == "softmax" else _softmax(values)
            self.image.setImage(class_rgba(probabilities), autoLevels=False, levels=(0, 255),
                                lut=None)
        else:
            image = np.ascontiguousarray(values[0], dtype=np.float32)
            levels = (0.0, 1.0) if activation == "sigmoid" else levels_for(None, image)
            self.image.setImage(image, autoLevels=False, levels=levels, lut=BACKGROUND_LUT)
        left, bottom, width, height = plane.pixel_rect(RESOLUTION)
        self.image.setRect(QRectF(left, bottom, width, height))
        coordinates = plane.project(x)
        if train.task == "regression":
            self.points.setData(coordinates[:, 0], coordinates[:, 1], brush=pg.mkBrush("#555"))
        else:
            brushes = [pg.mkBrush(class_color(int(label))) for label in train.y]
            self.points.setData(coordinates[:, 0], coordinates[:, 1], brush=brushes)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", plane.labels[0])
        item.setLabel("left", plane.labels[1])
        item.setRange(xRange=plane.x_range, yRange=plane.y_range, padding=0)
        self.stack.setCurrentWidget(self.plot)
        return True
