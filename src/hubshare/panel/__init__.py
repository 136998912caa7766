"""The panel: downloads per model per week from the snapshot chain, the 30-day estimator, the conservation ledger and the data-quality report."""
