"""What a network *is*: layer registry, graph, shapes, edit commands, project files.

Pure Python and numpy: never imports torch or Qt.
"""
