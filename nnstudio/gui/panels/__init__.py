"""Dockable views, one module per panel (data, hyperparameters, metrics, ...)."""
