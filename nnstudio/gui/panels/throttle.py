"""A `LivePanel` that redraws less often while a run streams live weights.

The live model refreshes up to ten times a second. Views whose refresh runs the network over a
batch or a split (activations, feature maps, evaluation) redraw at most every
`live_interval_ms` while training feeds live weights, and less often when a redraw is costly
(each panel's redraws stay within `BUSY_SHARE` of the GUI thread's time, and wait, as the
live model's refreshes do, until the views' shared debt is paid), so the Python work they do
holds the GIL for only a small share of the run; any other change (trained weights, a
new network, new data) redraws at once. Hidden views do nothing, as every `LivePanel`, and neither do views whose dock
sits behind another in a tab group (Qt keeps those "visible").
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QDockWidget, QWidget

from nnstudio.gui.live_model import LIVE, MAX_WAIT_S, LivePanel, LiveModel

LIVE_INTERVAL_MS = 250  # at most four redraws a second while weights stream in
# While throttled, a panel's redraws (its update and the painting that follows, in CPU time of
# the GUI thread) may take at most this share of the time: a slow redraw pushes the next one
# further away, so a large network or a slow machine never lets the views crowd out training.
BUSY_SHARE = 0.02


class ThrottledLivePanel(LivePanel):
    """Subclasses implement `update_view()`, as for `LivePanel`."""

    live_interval_ms = LIVE_INTERVAL_MS

    def __init__(self, live: LiveModel, parent: QWidget | None = None):
        self._last_redraw = -float("inf")
        self.last_cost = 0.0  # CPU seconds of the last redraw, its painting included
        self._watched_dock: QDockWidget | None = None
        super().__init__(live, parent)
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self._on_later_timeout)

    def redraw(self) -> None:
        self._last_redraw = time.monotonic()
        started = time.thread_time()
        super().redraw()
        self.last_cost = time.thread_time() - started
        # A zero timer fires once the paints queued now are done: count them too.
        QTimer.singleShot(0, self, lambda: self._measure_painting(started))

    def _measure_painting(self, started: float) -> None:
        self.last_cost = max(self.last_cost, time.thread_time() - started)

    @property
    def throttle_ms(self) -> float:
        """The least time between throttled redraws: `live_interval_ms`, or longer so the last
        redraw's cost stays within `BUSY_SHARE` of the time."""
        return max(self.live_interval_ms, self.last_cost * 1000 / BUSY_SHARE)

    @Slot()
    def _on_live_refreshed(self) -> None:
        self.request_redraw(throttled=self.live.weights_state == LIVE)

    def is_shown(self) -> bool:
        """True when some of the panel is on screen. Qt keeps a dock that sits behind another
        in a tab group "visible" (no hide event), with nothing of it drawn: such a panel waits
        too, and catches up when its tab is chosen (its dock's `visibilityChanged`)."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def request_redraw(self, throttled: bool = True) -> None:
        """Redraw now if shown, or (when `throttled`) once `throttle_ms` have passed since the
        last redraw and the views' shared debt is paid (`LiveModel.wait_ms`; but at least every
        MAX_WAIT_S); a hidden panel only remembers that it is out of date."""
        if not self.is_shown():
            self.stale = True
            return
        if throttled:
            # Its own interval, and the shared debt for at most MAX_WAIT_S since it last drew.
            since_ms = (time.monotonic() - self._last_redraw) * 1000
            wait_ms = max(self.throttle_ms - since_ms,
                          min(self.live.wait_ms(), MAX_WAIT_S * 1000 - since_ms))
            if wait_ms > 0:
                self.stale = True
                if not self._later.isActive():
                    self._later.start(int(wait_ms) + 1)
                return
        self._later.stop()
        self.redraw()

    @Slot()
    def _on_later_timeout(self) -> None:
        if self.stale:  # other views may have drawn meanwhile: the shared debt is asked again
            self.request_redraw(throttled=self.live.weights_state == LIVE)

    @Slot()
    def _catch_up(self) -> None:
        if self.stale and self.is_shown() and self.live.version > 0:
            self.redraw()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        dock = self._dock()
        if dock is not None and dock is not self._watched_dock:
            self._watched_dock = dock
            dock.visibilityChanged.connect(self._on_dock_visibility_changed)

    def _dock(self) -> QDockWidget | None:
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QDockWidget):
            parent = parent.parentWidget()
        return parent

    @Slot(bool)
    def _on_dock_visibility_changed(self, visible: bool) -> None:
        if visible and self.stale:
            # After the tab switch has laid the panel out, so it counts as shown.
            QTimer.singleShot(0, self._catch_up)
