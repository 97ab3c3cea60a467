"""Pieces of the exported training script, as plain Python source text.

They are strings, not modules, so the frozen app (which ships no .py sources) can still write
them out; tests run each piece and compare it with the NN Studio code it mirrors.
"""
