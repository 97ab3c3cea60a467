"""The problems list: every shape and graph error of the network and, once the data is loaded,
everything a run would refuse about the network against that data (input shape, output units
and final activation against the task, classes and loss); clicking one shows the layer."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QVBoxLayout, QWidget

from nnstudio.core.output_fit import data_problems
from nnstudio.gui.document import ProjectDocument

NODE_ROLE = Qt.ItemDataRole.UserRole


class ProblemsWidget(QWidget):
    """One line per problem; activating a line asks for its layer to be selected and centred."""

    node_activated = Signal(str)
    changed = Signal()  # the list was filled again

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.train_data = None  # the training split (a Dataset) once loaded; None until then
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        # Two lines are enough to see that there are problems; a taller minimum would push the
        # window past a small laptop screen's height.
        self.list.setMinimumHeight(self.list.fontMetrics().lineSpacing() * 2
                                   + 2 * self.list.frameWidth() + 4)
        self.list.itemClicked.connect(self._on_list_item_clicked)
        self.list.itemActivated.connect(self._on_list_item_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        document.network_changed.connect(self.refresh)
        document.training_config_changed.connect(self.refresh)
        document.project_replaced.connect(self._on_document_project_replaced)
        self.refresh()

    def set_data(self, train) -> None:
        """Check the network against `train` (a Dataset; None while no data is loaded) too."""
        if train is self.train_data:
            return  # the same data again (the live views refresh at every epoch)
        self.train_data = train
        self.refresh()

    def messages(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())
                if self.list.item(i).data(NODE_ROLE) is not None]

    @Slot()
    def refresh(self) -> None:
        errors = list(self.document.report.errors)
        if self.train_data is not None:
            training = self.document.project.training
            errors += data_problems(self.document.network, self.train_data, training.loss,
                                    training.batch_size)
        self.list.clear()
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for node_id, message in errors:
            item = QListWidgetItem(warning, message)
            item.setData(NODE_ROLE, node_id or "")
            item.setToolTip(message + ("\n\nClick to show the layer." if node_id else ""))
            self.list.addItem(item)
        if not errors:
            item = QListWidgetItem("No problems: every layer's shapes fit"
                                   + (" and the network fits the data." if self.train_data
                                      is not None else "."))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(item)
        self.changed.emit()

    @Slot()
    def _on_document_project_replaced(self) -> None:
        self.set_data(None)  # another project's data says nothing about this one

    @Slot(QListWidgetItem)
    def _on_list_item_clicked(self, item: QListWidgetItem) -> None:
        node_id = item.data(NODE_ROLE)
        if node_id:
            self.node_activated.emit(node_id)
