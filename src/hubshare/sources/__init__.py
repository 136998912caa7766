"""Readers that land raw snapshots from outside sources in the raw contract.

`api_json` converts dumps of the Hub models API; `hub` lists and reads the
weekly snapshots of the Hub's models table through fsspec and pyarrow. Both
write the snapshot parquet and its `.meta.yaml` origin record atomically.
"""
