"""Reading parquet so that a damaged file ends in an error naming the column, not in quietly wrong values.

A parquet page may carry a CRC-32 of its bytes (pyarrow writes one with
`write_page_checksum=True`; polars and pyarrow's defaults write none). Every
reader here checks it where it is present. A page without one is checked only
as far as its decoding goes: a compressed page whose bytes changed usually
fails to decompress, an uncompressed one decodes to whatever its bytes now say
(tests/bad_inputs/README.md lists what each kind of damage gives).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

# What pyarrow raises for a file or page that does not decode: thrift, decompression, checksum and I/O errors,
# and text in the footer that is not UTF-8.
UNREADABLE = (pa.ArrowException, OSError, UnicodeDecodeError)


def open_parquet(source: str | Path | BinaryIO) -> pq.ParquetFile:
    """A parquet file whose pages are checked against their CRC-32 where they carry one."""
    return pq.ParquetFile(source, page_checksum_verification=True)


def read_verified(path: str | Path, columns: Sequence[str]) -> pa.Table:
    """The columns of a whole file, pages checked as `open_parquet` checks them.

    Read through the dataset reader, which fetches and decodes the row groups
    in parallel (about half the time of `ParquetFile.read` on a
    2.7-million-row snapshot), into jemalloc's pool: pyarrow's default
    (mimalloc) spent 1-4 s of system time a read of such a snapshot in page
    faults, jemalloc about 1 s, with a tenth less peak memory. The system
    allocator is as fast alone, but in weekly jobs that are threads of one
    process its per-thread arenas kept memory the next jobs did not reuse
    (bench/README.md).
    """
    checked = ds.ParquetFileFormat(
        default_fragment_scan_options=ds.ParquetFragmentScanOptions(page_checksum_verification=True)
    )
    return ds.dataset(str(path), format=checked).to_table(columns=list(columns), memory_pool=_read_pool())


def _read_pool() -> pa.MemoryPool:
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc (Windows)
        return pa.system_memory_pool()


def first_unreadable(parquet: pq.ParquetFile, columns: Sequence[str], group: int | None = None) -> str:
    """The first of `columns` whose data does not decode (in row group `group`, else anywhere), or `*`."""
    for name in columns:
        try:
            if group is None:
                parquet.read(columns=[name])
            else:
                parquet.read_row_group(group, columns=[name])
        except UNREADABLE:
            return name
    return "*"
