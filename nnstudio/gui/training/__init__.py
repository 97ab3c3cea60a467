"""Training from the window: the controller (GUI thread), the worker (a QThread), the Train
menu and toolbar (`actions`), the status readout and the settings forms. The composition root
(`nnstudio.gui.composition`) makes and wires them."""
