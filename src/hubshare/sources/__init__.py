"""Readers that land raw snapshots from outside sources in the raw contract.

`api_json` converts dumps of the Hub models API, `csv_counts` per-date CSV
files of 30-day counts (with `converted` the origin fields they share); `hub`
lists and reads the weekly snapshots of the Hub's models table through fsspec
and pyarrow. All write the snapshot parquet and its `.meta.yaml` origin record
atomically; `folder` lists the source folders' files.
"""
