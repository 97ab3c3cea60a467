"""The layer editor: palette, canvas, inspector and problems list."""

from nnstudio.gui.editor.canvas import CanvasScene, CanvasView
from nnstudio.gui.editor.inspector import InspectorWidget
from nnstudio.gui.editor.palette import LAYER_MIME_TYPE, PaletteWidget
from nnstudio.gui.editor.problems import ProblemsWidget

__all__ = ["CanvasScene", "CanvasView", "InspectorWidget", "LAYER_MIME_TYPE", "PaletteWidget",
           "ProblemsWidget"]
