"""Training in the window: Train menu and toolbar, the status readout, locks and messages.

`install(window)` (via `nnstudio.gui.training`) makes one `TrainingController` for the window's
document, docks the data, hyperparameter and metrics panels, and ties them together:

- Train (F5), Pause/Resume (F6), Stop (Shift+F5), Step one epoch (F10), Reset weights
  (Ctrl+Shift+R), in the Train menu and a toolbar, enabled as the run's state allows;
- while a run is active, edits that change the network are refused with a message (moving
  layers still works), the palette and inspector are disabled and so are Undo and Redo;
- a failed run shows its message in a dialog; notices go to the status bar;
- closing the window or opening another project first stops the run and records it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle, QToolBar
from shiboken6 import isValid

from nnstudio.gui.training.controller import IDLE, PAUSED, RUNNING, TrainingController
from nnstudio.gui.training.status import EpochStrip, TrainingStatusWidget

if TYPE_CHECKING:
    from nnstudio.gui.main_window import MainWindow

LOCK_MESSAGE = ("The network is training: stop training (Shift+F5) before changing its layers. "
                "Moving layers is fine.")


class TrainingActions(QObject):
    """The window's training commands and the glue between the controller and the window."""

    def __init__(self, window: MainWindow, controller: TrainingController):
        super().__init__(window)
        self.window = window
        self.controller = controller
        style = window.style()
        icon = style.standardIcon
        self.train_action = self._action("&Train", "train_action", controller.train,
                                         icon(QStyle.StandardPixmap.SP_MediaPlay), ["F5"],
                                         "Train the network (from its current weights)")
        self.pause_action = self._action("&Pause", "pause_action", controller.toggle_pause,
                                         icon(QStyle.StandardPixmap.SP_MediaPause), ["F6"],
                                         "Pause training; press again to resume")
        self.stop_action = self._action("&Stop", "stop_action", controller.stop,
                                        icon(QStyle.StandardPixmap.SP_MediaStop), ["Shift+F5"],
                                        "Stop after the current batch; what was learned stays")
        self.step_action = self._action("Step &One Epoch", "step_action", controller.step,
                                        icon(QStyle.StandardPixmap.SP_MediaSkipForward), ["F10"],
                                        "Train one more epoch, then pause")
        self.reset_action = self._action("&Reset Weights", "reset_weights_action",
                                         controller.reset_weights,
                                         icon(QStyle.StandardPixmap.SP_BrowserReload),
                                         ["Ctrl+Shift+R"],
                                         "Forget the trained weights: the next run starts fresh")
        self.regenerate_action = self._action(
            "Re&generate Data", "regenerate_action", self._regenerate,
            icon(QStyle.StandardPixmap.SP_DialogResetButton), ["Ctrl+Shift+G"],
            "New points for the generated dataset (its next seed); Undo brings them back")
        self.actions = [self.train_action, self.pause_action, self.stop_action,
                        self.step_action, self.reset_action, self.regenerate_action]
        menu = window.menu("Train")
        for action in self.actions:
            if action is self.reset_action:
                menu.addSeparator()
            menu.addAction(action)
        self.toolbar = QToolBar("Training", window)
        self.toolbar.setObjectName("training_toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in self.actions:
            self.toolbar.addAction(action)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.status = TrainingStatusWidget(controller)
        window.statusBar().insertPermanentWidget(0, self.status, 1)
        self.epoch_strip = EpochStrip(controller)
        window.statusBar().insertPermanentWidget(1, self.epoch_strip)

        controller.state_changed.connect(self._on_controller_state_changed)
        window.document.data_config_changed.connect(self._enable_regenerate)
        controller.run_failed.connect(self._on_controller_run_failed)
        controller.notice.connect(self._on_controller_notice)
        stack = window.document.undo_stack
        # After the undo actions' own enabling (connected first), so a lock wins.
        stack.canUndoChanged.connect(self._keep_undo_locked)
        stack.canRedoChanged.connect(self._keep_undo_locked)
        window.add_close_guard(controller.shutdown)
        window.add_running_work(lambda: "A training run" if controller.is_active else "")
        self._on_controller_state_changed(controller.state)

    def _action(self, text: str, name: str, slot, icon, keys: list[str], tip: str) -> QAction:
        action = QAction(icon, text, self.window)
        action.setObjectName(name)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        shortcut = QKeySequence(keys[0]).toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({shortcut})")
        action.setStatusTip(tip)
        action.triggered.connect(lambda checked=False: slot())
        self.window.addAction(action)  # shortcuts work with the toolbar hidden too
        return action

    # ---- state ----
    @Slot(str)
    def _on_controller_state_changed(self, state: str) -> None:
        idle = state == IDLE
        self.train_action.setEnabled(idle)
        self.step_action.setEnabled(idle or state == PAUSED)
        self.reset_action.setEnabled(idle)
        self.pause_action.setEnabled(state in (RUNNING, PAUSED))
        self.pause_action.setText("&Resume" if state == PAUSED else "&Pause")
        icon = QStyle.StandardPixmap.SP_MediaPlay if state == PAUSED else \
            QStyle.StandardPixmap.SP_MediaPause
        self.pause_action.setIcon(self.window.style().standardIcon(icon))
        self.stop_action.setEnabled(state in (RUNNING, PAUSED))
        self._lock(not idle)
        self._enable_regenerate()

    @Slot()
    def _enable_regenerate(self) -> None:
        from nnstudio.gui.regenerate import can_regenerate

        self.regenerate_action.setEnabled(self.controller.state == IDLE and can_regenerate(
            self.window.document.project.data))

    def _regenerate(self) -> None:
        from nnstudio.gui.regenerate import regenerate

        self.window.statusBar().showMessage(regenerate(self.window.document), 8000)

    def _lock(self, locked: bool) -> None:
        window = self.window
        window.document.lock_edits(LOCK_MESSAGE if locked else None)
        for widget in (window.palette_widget, window.inspector):
            widget.setEnabled(not locked)
        self._keep_undo_locked()

    @Slot()
    def _keep_undo_locked(self, *args: Any) -> None:
        window = self.window
        stack = window.document.undo_stack
        if not isValid(stack):  # the stack's last signals while its document is torn down
            return
        locked = window.document.edit_lock is not None
        for action, can in ((window.undo_action, stack.canUndo()),
                            (window.redo_action, stack.canRedo())):
            action.setEnabled(can and not locked)

    # ---- messages ----
    @Slot(str, str)
    def _on_controller_run_failed(self, title: str, message: str) -> None:
        # After this slot returns: the run's state and curves are all in place under the dialog.
        QTimer.singleShot(0, lambda: self.window.show_error(title, message))

    @Slot(str)
    def _on_controller_notice(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 8000)
