"""Plot axes in the data's own units over a plot drawn in the network's scaled numbers.

The decision boundary is computed and drawn where the network works: on standardized (or
min-max scaled) inputs. A person reads the data in its own units, though (millimetres, not
"1.3 standard deviations"), so `RawUnitsAxis` places its ticks at round values of the raw
feature, `scaled * scale + shift`, and labels them so. The mapping is exact: the preprocessor
that scaled the data is affine per feature.
"""

from __future__ import annotations

import pyqtgraph as pg


class RawUnitsAxis(pg.AxisItem):
    """An axis whose tick labels read `value * scale + shift` (scale > 0)."""

    def __init__(self, orientation: str, **kwargs):
        super().__init__(orientation, **kwargs)
        self.unit_shift, self.unit_scale = 0.0, 1.0  # (AxisItem has its own .scale)

    def set_units(self, shift: float, scale: float) -> None:
        """Label ticks with `scaled * scale + shift`; (0, 1) shows the plot's own numbers."""
        shift, scale = float(shift), float(scale)
        if (shift, scale) != (self.unit_shift, self.unit_scale):
            self.unit_shift, self.unit_scale = shift, scale
            self.picture = None  # pyqtgraph's cached drawing of the ticks
            self.update()

    def raw(self, value: float) -> float:
        """The data's own value at plot coordinate `value`."""
        return value * self.unit_scale + self.unit_shift

    def tickValues(self, minVal, maxVal, size):
        # Round numbers of the raw feature, placed where they fall in scaled coordinates.
        low, high = sorted((self.raw(minVal), self.raw(maxVal)))
        levels = super().tickValues(low, high, size)
        return [(spacing / self.unit_scale,
                 [(value - self.unit_shift) / self.unit_scale for value in values])
                for spacing, values in levels]

    def tickStrings(self, values, scale, spacing):
        return super().tickStrings([self.raw(value) for value in values], scale,
                                   spacing * self.unit_scale)
