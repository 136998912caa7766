"""Readers that land raw snapshots from outside sources in the raw contract.

`api_json` converts dumps of the Hub models API; `hub` fetches the weekly
snapshots of the Hub's models table. Both write the snapshot parquet and its
`.meta.yaml` origin record atomically. The Hub transfer is built from small
parts: `http_range` (a remote file read by retried HTTP Range requests),
`thrift_compact` and `parquet_layout` (where a parquet file keeps each
column), `projected` (fetching only the footer and the wanted columns'
chunks, resumably) and `whole_file` (the resumable download of every byte).
"""
