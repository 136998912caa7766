"""Who gets the downloads of open models on the Hugging Face Hub.

The importable library behind the workflow: pure functions from raw weekly
snapshots to attributed download panels, shares, concentration, trend tests,
figures and the manuscript's variables. Nothing here imports snakemake.
"""

__version__ = "0.1.0"
