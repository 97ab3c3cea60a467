"""How a network *learns*: torch modules built from the spec, the trainer, metrics, devices.

Imports torch, never Qt: the GUI plugs into the trainer through plain callbacks.
"""
