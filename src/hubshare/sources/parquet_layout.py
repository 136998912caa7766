"""Where a parquet file keeps each column: the byte ranges a column projection needs.

A parquet file is `PAR1`, the column chunks of each row group, the footer
(Thrift `FileMetaData`), the footer's length (4 bytes, little-endian) and
`PAR1` again. `footer_length` reads the last 8 bytes; `parse_footer` reads the
footer into a `Layout`: rows, row groups, top-level columns and, for each
column chunk, the bytes it occupies (dictionary and data pages, plus its page
index and bloom filter when the file has them). `needed_ranges` lists the byte
ranges that a reader of some top-level columns touches, merged where they
touch or nearly touch, so a remote file can be fetched column by column.

Every inconsistency (bad magic, a footer longer than the file, a chunk outside
the data area, row groups that do not add up to the file's row count) raises
`LayoutError`, whose message says what is wrong and where.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hubshare.sources.thrift_compact import ThriftError, decode_struct

MAGIC = b"PAR1"
TAIL_BYTES = 8  # footer length + magic

# Field ids of the parquet Thrift definitions (parquet-format, parquet.thrift).
FILE_SCHEMA, FILE_NUM_ROWS, FILE_ROW_GROUPS = 2, 3, 4
SCHEMA_NAME, SCHEMA_NUM_CHILDREN = 4, 5
GROUP_COLUMNS, GROUP_NUM_ROWS = 1, 3
CHUNK_FILE_PATH, CHUNK_META = 1, 3
CHUNK_OFFSET_INDEX, CHUNK_OFFSET_INDEX_LENGTH, CHUNK_COLUMN_INDEX, CHUNK_COLUMN_INDEX_LENGTH = 4, 5, 6, 7
META_PATH, META_COMPRESSED_SIZE = 3, 7
META_DATA_PAGE, META_INDEX_PAGE, META_DICTIONARY_PAGE = 9, 10, 11
META_BLOOM_OFFSET, META_BLOOM_LENGTH = 14, 15


class LayoutError(ValueError):
    """A parquet file whose tail or footer is not what the format promises; `rule` names the broken rule."""

    def __init__(self, message: str, rule: str = "readable parquet"):
        self.rule = rule
        super().__init__(message)


@dataclass(frozen=True)
class Chunk:
    """The bytes one column chunk (one leaf column in one row group) occupies."""

    column: str  # top-level column the leaf belongs to
    path: tuple[str, ...]
    row_group: int
    ranges: tuple[tuple[int, int], ...]  # half-open [start, end) byte ranges


@dataclass(frozen=True)
class Layout:
    size: int
    footer_start: int
    num_rows: int
    row_group_rows: tuple[int, ...]
    columns: tuple[str, ...]
    chunks: tuple[Chunk, ...] = field(repr=False)

    def column_bytes(self) -> dict[str, int]:
        """Bytes each top-level column occupies in the file (all row groups, all leaves)."""
        totals = dict.fromkeys(self.columns, 0)
        for chunk in self.chunks:
            totals[chunk.column] = totals.get(chunk.column, 0) + sum(end - start for start, end in chunk.ranges)
        return totals


def footer_length(tail: bytes, size: int) -> int:
    """The footer's length from the file's last 8 bytes, checked against the file's `size`."""
    if size < len(MAGIC) + TAIL_BYTES or len(tail) < TAIL_BYTES:
        raise LayoutError(f"the file has {size} bytes, too few for a parquet file")
    magic = tail[-len(MAGIC):]
    if magic == b"PARE":
        raise LayoutError("the file has an encrypted footer, which this reader does not support")
    if magic != MAGIC:
        raise LayoutError(f"the file does not end with the parquet magic {MAGIC!r} (truncated, or not parquet)")
    length = int.from_bytes(tail[-TAIL_BYTES:-len(MAGIC)], "little")
    if length <= 0 or length > size - len(MAGIC) - TAIL_BYTES:
        raise LayoutError(f"the footer claims {length} bytes, more than the {size}-byte file can hold (truncated?)")
    return length


def parse_footer(footer: bytes, size: int) -> Layout:
    """The layout of a `size`-byte parquet file whose footer bytes are `footer`."""
    footer_start = size - TAIL_BYTES - len(footer)
    try:
        meta = decode_struct(footer)
    except ThriftError as error:
        raise LayoutError(f"the footer is not readable: {error}") from None
    num_rows = _int(meta, FILE_NUM_ROWS, "footer num_rows")
    columns = _top_level_columns(meta.get(FILE_SCHEMA) or [])
    chunks, group_rows = [], []
    for index, group in enumerate(meta.get(FILE_ROW_GROUPS) or []):
        group_rows.append(_int(group, GROUP_NUM_ROWS, f"row group {index} num_rows"))
        for column_chunk in group.get(GROUP_COLUMNS) or []:
            chunks.append(_chunk(column_chunk, index, footer_start))
    if sum(group_rows) != num_rows:
        raise LayoutError(f"the row groups hold {sum(group_rows)} rows but the footer says the file has {num_rows}",
                          rule="row count")
    strays = sorted({chunk.column for chunk in chunks} - set(columns))
    if strays:
        raise LayoutError(f"column chunks for {strays}, which the footer's schema does not list")
    return Layout(size, footer_start, num_rows, tuple(group_rows), tuple(columns), tuple(chunks))


def needed_ranges(layout: Layout, columns: Iterable[str], merge_gap: int = 0) -> list[tuple[int, int]]:
    """Byte ranges a reader of `columns` needs besides the footer, sorted and merged across gaps <= `merge_gap`."""
    wanted = set(columns)
    spans = [(0, len(MAGIC))]
    spans += [span for chunk in layout.chunks if chunk.column in wanted for span in chunk.ranges]
    return merge(spans, merge_gap)


def merge(spans: Iterable[tuple[int, int]], gap: int = 0) -> list[tuple[int, int]]:
    """Sorted, disjoint ranges covering `spans`; ranges at most `gap` bytes apart become one."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + gap:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _top_level_columns(schema: Sequence[dict]) -> list[str]:
    """Names of the root's children in the depth-first schema list."""
    if not schema:
        raise LayoutError("the footer has no schema")
    names, position = [], 1

    def skip(index: int) -> int:
        if index >= len(schema):
            raise LayoutError("the footer's schema lists fewer elements than its groups claim")
        end = index + 1
        for _ in range(schema[index].get(SCHEMA_NUM_CHILDREN, 0)):
            end = skip(end)
        return end

    for _ in range(schema[0].get(SCHEMA_NUM_CHILDREN, 0)):
        if position >= len(schema):
            raise LayoutError("the footer's schema lists fewer elements than its root claims")
        names.append(_text(schema[position].get(SCHEMA_NAME, b"")))
        position = skip(position)
    return names


def _chunk(column_chunk: dict, row_group: int, footer_start: int) -> Chunk:
    where = f"row group {row_group}"
    if column_chunk.get(CHUNK_FILE_PATH):
        raise LayoutError(f"{where} keeps a column chunk in another file, which this reader does not support")
    meta = column_chunk.get(CHUNK_META)
    if not isinstance(meta, dict):
        raise LayoutError(f"{where} has a column chunk without metadata (encrypted columns are not supported)")
    path = tuple(_text(part) for part in meta.get(META_PATH) or [])
    if not path:
        raise LayoutError(f"{where} has a column chunk without a column path")
    where = f"column '{'.'.join(path)}' in {where}"
    start = _int(meta, META_DATA_PAGE, f"{where}: data page offset")
    for key in (META_DICTIONARY_PAGE, META_INDEX_PAGE):
        offset = meta.get(key)
        if isinstance(offset, int) and len(MAGIC) <= offset < start:
            start = offset
    spans = [(start, start + _int(meta, META_COMPRESSED_SIZE, f"{where}: compressed size"))]
    for offset_key, length_key in ((CHUNK_OFFSET_INDEX, CHUNK_OFFSET_INDEX_LENGTH),
                                   (CHUNK_COLUMN_INDEX, CHUNK_COLUMN_INDEX_LENGTH)):
        if isinstance(column_chunk.get(offset_key), int) and isinstance(column_chunk.get(length_key), int):
            spans.append((column_chunk[offset_key], column_chunk[offset_key] + column_chunk[length_key]))
    if isinstance(meta.get(META_BLOOM_OFFSET), int) and isinstance(meta.get(META_BLOOM_LENGTH), int):
        spans.append((meta[META_BLOOM_OFFSET], meta[META_BLOOM_OFFSET] + meta[META_BLOOM_LENGTH]))
    for first, end in spans:
        if not len(MAGIC) <= first <= end <= footer_start:
            raise LayoutError(f"{where} claims bytes {first}-{end}, "
                              f"outside the data area 4-{footer_start} (truncated?)")
    return Chunk(path[0], path, row_group, tuple(merge(spans)))


def _int(struct: dict, key: int, what: str) -> int:
    value = struct.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise LayoutError(f"the footer's {what} is missing or invalid ({value!r})")
    return value


def _text(raw: object) -> str:
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    return str(raw)
