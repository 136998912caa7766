"""Readers that land raw snapshots from outside sources in the raw contract.

`api_json` converts dumps of the Hub models API; `hub` downloads the weekly
snapshots of the Hub's models table. Both write the snapshot parquet and its
`.meta.yaml` origin record atomically.
"""
