"""Normalize and lineage: one raw snapshot projected, repaired (counted), validated, its base models walked to their roots."""
