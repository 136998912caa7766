"""Figures of the paper: one shared style and the plotting functions that use it."""
