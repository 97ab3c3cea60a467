"""Choosing one sample of the project's data, for the views that show a single sample."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox

SPLITS = (("test", "Test set"), ("validation", "Validation set"), ("train", "Training set"))


class SampleChoice:
    """Mixin for a `LivePanel`: a split combo and a sample number, redrawing on a change."""

    def _build_sample_row(self, prefix: str) -> QHBoxLayout:
        """The row "Sample: [split] [number] label"; object names start with `prefix`."""
        self.split_combo = QComboBox()
        self.split_combo.setObjectName(f"{prefix}_split_combo")
        for key, label in SPLITS:
            self.split_combo.addItem(label, key)
        self.split_combo.setToolTip("Where the sample comes from.")
        self.sample_spin = QSpinBox()
        self.sample_spin.setObjectName(f"{prefix}_sample_spin")
        self.sample_spin.setToolTip("The sample's number in that set.")
        self.sample_label = QLabel()
        self.sample_label.setObjectName(f"{prefix}_sample_label")
        self.split_combo.currentIndexChanged.connect(self._on_sample_changed)
        self.sample_spin.valueChanged.connect(self._on_sample_changed)
        row = QHBoxLayout()
        row.addWidget(QLabel("Sample:"))
        row.addWidget(self.split_combo)
        row.addWidget(self.sample_spin)
        row.addWidget(self.sample_label, 1)
        return row

    def _part(self):
        prepared = self.live.prepared
        if prepared is None or not self.live.data_fits:
            return None
        return getattr(prepared, self.split_combo.currentData())

    def sample(self) -> np.ndarray | None:
        """The chosen sample's inputs, as the network sees them (None without fitting data)."""
        part = self._part()
        if part is None or part.n_samples == 0:
            return None
        return part.x[min(self.sample_spin.value(), part.n_samples - 1)]

    def choose(self, split: str, index: int) -> None:
        """Show sample `index` of `split` ("train", "validation" or "test")."""
        self.split_combo.setCurrentIndex(self.split_combo.findData(split))
        self.sample_spin.setValue(index)

    @Slot()
    def _on_sample_changed(self) -> None:
        if self.isVisible():
            self.redraw()
        else:
            self.stale = True
