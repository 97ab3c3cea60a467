"""Dialogs and wizards opened from the menus."""
