"""Readers that land raw snapshots from outside sources in the raw contract.

`api_json` converts dumps of the Hub models API, `csv_counts` per-date CSV
files of 30-day counts (with `converted` the origin fields they share); `hub`
fetches the weekly snapshots of the Hub's models table. All write the snapshot parquet and its
`.meta.yaml` origin record atomically. The Hub transfer is built from small
parts: `http_range` (a remote file read by retried HTTP Range requests),
`thrift_compact` and `parquet_layout` (where a parquet file keeps each
column), `projected` (fetching only the footer and the wanted columns'
chunks, resumably) and `whole_file` (the resumable download of every byte).
"""
