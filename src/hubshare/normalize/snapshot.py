"""Normalize one raw snapshot: project, type, repair (counted), validate, resolve lineage.

Every repair is counted in the returned quality record; input that cannot be
repaired raises `SnapshotError`, whose message names the file, the column and
the rule that was broken.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pyarrow.parquet as pq
import yaml

from hubshare.contracts.raw_tables import MODEL_METADATA_COLUMNS, RAW_COLUMNS, RELATIONS, NormalizedSnapshot
from hubshare.jobs.atomic import sha256_file, write_json, write_parquet, write_text
from hubshare.normalize.distinct import all_distinct
from hubshare.normalize.field_presence import field_counts
from hubshare.normalize.lineage import resolve_roots
from hubshare.sources.raw_forms import FormError, conform
from hubshare.sources.verified_parquet import UNREADABLE, first_unreadable, open_parquet, read_verified

RULE = "normalize"
# The Hub records no creation time before this instant: older repositories all carry it.
HUB_CREATION_FLOOR = dt.datetime(2022, 3, 2, 23, 29, 4, tzinfo=dt.UTC)
TAG_PREFIX = "base_model:"
# No model has come near: the most downloaded have about 1e9 in all. Below this bound a week's sum
# over ten million models stays far inside 64-bit integers.
MAX_COUNT = 10**11
# The Hub's id grammar, as huggingface_hub's `validate_repo_id` states it: `name` or `namespace/name`,
# each part 1-96 ASCII word characters, `-` or `.`, starting and ending with a word character, no `--` or
# `..`, not ending in `.git`. Written for polars so millions of ids are checked at once.
ID_PATTERN = r"^(?-u:(\b[\w\-.]{1,96}\b/)?\b[\w\-.]{1,96}\b)$"


def valid_model_id(ids: pl.Expr) -> pl.Expr:
    """True where an id follows the Hub's id grammar."""
    return (
        ids.str.contains(ID_PATTERN)
        & ~ids.str.contains("--", literal=True)
        & ~ids.str.contains("..", literal=True)
        & ~ids.str.ends_with(".git")
    )


# The Hub opened to models in 2016; an earlier creation time is not a real one.
HUB_OPENED = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)


class SnapshotError(ValueError):
    """Raw input the pipeline refuses, with the file, column and rule named."""

    def __init__(self, path: str | Path, column: str, rule: str, detail: str):
        self.path, self.column, self.rule = str(path), column, rule
        super().__init__(f"{path}: column '{column}' breaks rule '{rule}' (step {RULE}): {detail}")


@dataclass
class QualityRecord:
    """What normalizing one snapshot found and repaired."""

    snapshot_date: str
    file: str
    rows_in: int = 0
    rows_out: int = 0
    extra_columns: list[str] = field(default_factory=list)
    absent_optional_columns: list[str] = field(default_factory=list)
    repairs: dict[str, int] = field(default_factory=dict)
    missing_values: dict[str, int] = field(default_factory=dict)
    lineage: dict[str, int] = field(default_factory=dict)
    lineage_sources: dict[str, int] = field(default_factory=dict)
    created_at_hub_floor: int = 0
    rows_with_object_id: int = 0
    # Rows carrying each raw contract column: what the capability record sums over the snapshots.
    fields: dict[str, int] = field(default_factory=dict)
    # Order-free hash of the normalized rows: equal in two snapshots of one build when their rows are equal.
    content_fingerprint: str = ""

    def count(self, repair: str, n: int) -> None:
        self.repairs[repair] = self.repairs.get(repair, 0) + int(n)


def read_raw_snapshot(path: str | Path, quality: QualityRecord) -> pl.DataFrame:
    """Read the contract's columns from one raw parquet file, typed as the contract says."""
    try:
        parquet = open_parquet(path)
    except UNREADABLE as error:
        raise SnapshotError(path, "*", "readable parquet", f"cannot read the file: {error}") from None
    with parquet:
        file_schema = parquet.schema_arrow.names
        for name, (_, required) in RAW_COLUMNS.items():
            if required and name not in file_schema:
                raise SnapshotError(path, name, "required column", "the column is missing from the snapshot")
        quality.extra_columns = sorted(set(file_schema) - set(RAW_COLUMNS))
        quality.absent_optional_columns = sorted(set(RAW_COLUMNS) - set(file_schema))
        _refuse_misspelt_columns(path, quality.extra_columns, quality.absent_optional_columns)
        present = [name for name in RAW_COLUMNS if name in file_schema]
        frame = _read_columns(parquet, path, present)
    typed = []
    for name, (dtype, _) in RAW_COLUMNS.items():
        if name not in frame.columns:
            typed.append(pl.lit(None, dtype=dtype).alias(name))
            continue
        try:
            typed.append(conform(frame.get_column(name), dtype))
        except FormError as error:
            raise SnapshotError(path, name, "column type", str(error)) from None
    frame = frame.select(typed)
    for name in ("downloads", "downloadsAllTime", "likes"):
        largest = frame.get_column(name).max()
        if largest is not None and largest > MAX_COUNT:
            raise SnapshotError(
                path,
                name,
                "physical bound",
                f"a count of {largest:,} exceeds {MAX_COUNT:,}, more than any model has had",
            )
    return frame


def _one_letter_apart(name: str, other: str) -> bool:
    """Equal but for letter case, or for one character (a typo, or one flipped bit in the footer)."""
    if name.casefold() == other.casefold():
        return True
    return len(name) == len(other) and sum(a != b for a, b in zip(name, other, strict=True)) == 1


def _refuse_misspelt_columns(path: str | Path, extra: list[str], absent: list[str]) -> None:
    """An unknown column that is a contract column's name misspelt stands for it: reading the file
    without that column would change every value it carries, so it is refused, not set aside."""
    for name in extra:
        for contract in absent:
            if _one_letter_apart(name, contract):
                raise SnapshotError(
                    path,
                    contract,
                    "column name",
                    f"the file has no column {contract!r} but one named {name!r}: a misspelt or damaged name",
                )


def _read_columns(parquet: pq.ParquetFile, path: str | Path, columns: list[str]) -> pl.DataFrame:
    """The columns' data, pages checked against their CRC-32 where they carry one; damage names the column."""
    try:
        table = read_verified(path, columns)
    except UNREADABLE as error:
        raise SnapshotError(
            path,
            first_unreadable(parquet, columns),
            "decodable column data",
            f"the column's pages do not decode ({error}): the file is damaged",
        ) from None
    try:
        return pl.from_arrow(table)
    # A damaged type in the footer (a time zone that names none, text that is not UTF-8) reads in pyarrow;
    # polars refuses it, panicking rather than raising on some.
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException) as error:
        raise SnapshotError(
            path, "*", "readable parquet", f"its column types do not convert ({error}): the file is damaged"
        ) from None


def normalize_snapshot(
    path: str | Path, snapshot_date: dt.date, capture_lag_days: int = 0
) -> tuple[pl.DataFrame, QualityRecord]:
    """Return the validated, lineage-resolved snapshot and its quality record.

    `capture_lag_days`: how long after its date a snapshot was captured (the
    Hub dataset's folder dated D shows the Hub about D + 6); models created up
    to the capture are real, not dated in the future.
    """
    quality = QualityRecord(snapshot_date=snapshot_date.isoformat(), file=str(path))
    raw = read_raw_snapshot(path, quality)
    quality.rows_in = raw.height
    if raw.is_empty():
        raise SnapshotError(path, "*", "non-empty snapshot", "the snapshot has no rows")

    without_id = raw.get_column("id").null_count()
    quality.count("rows_without_id_dropped", without_id)
    invalid = raw.select((pl.col("id").is_not_null() & ~valid_model_id(pl.col("id"))).sum()).item()
    quality.count("invalid_model_id_dropped", invalid)
    # Filtering copies every column; most snapshots have nothing to drop.
    frame = raw.filter(valid_model_id(pl.col("id")).fill_null(False)) if without_id or invalid else raw
    del raw  # its columns live on in `frame` only as far as they are kept
    if frame.is_empty():
        raise SnapshotError(path, "id", "non-empty snapshot", "no row has a model id")

    frame = _repair_counts(frame, quality, snapshot_date + dt.timedelta(days=capture_lag_days))
    quality.created_at_hub_floor = int((frame.get_column("createdAt") == HUB_CREATION_FLOOR).sum() or 0)
    frame = _deduplicate(frame, quality)
    quality.rows_with_object_id = int(frame.get_column("_id").is_not_null().sum())
    frame = _derive_columns(frame, snapshot_date, quality)
    roots = resolve_roots(frame.select("model_id", "base_parents"))
    # `resolve_roots` keeps the input order, so its columns line up with the frame's.
    frame = pl.concat([frame, roots.drop("model_id")], how="horizontal")
    quality.lineage = {
        row["lineage_status"]: row["len"]
        for row in frame.group_by("lineage_status").len().sort("lineage_status").iter_rows(named=True)
    }
    quality.missing_values = {
        name: int(frame.get_column(name).null_count())
        for name in (
            "created_at",
            "downloads_all_time",
            "pipeline_tag",
            "library_name",
            "params_total",
            "base_relation",
        )
    }
    quality.rows_out = frame.height
    quality.fields = field_counts(frame)
    quality.content_fingerprint = content_fingerprint(frame.drop("snapshot_date"))
    return validate_normalized(frame.with_columns(metadata_hash(frame)), path), quality


# Rows hashed at a time: hashing 2.7 million rows at once held a third of a GiB more (the content
# fingerprint), or 0.6 GiB more and took twice as long (the metadata hash, as one struct).
HASHED_ROWS = 1 << 18


def metadata_hash(frame: pl.DataFrame, batch_rows: int = HASHED_ROWS) -> pl.Series:
    """The `metadata_hash` column: each row's hash of the columns a model's properties and family are read from."""
    hashed = frame.select(MODEL_METADATA_COLUMNS)
    batches = [hashed.slice(start, batch_rows).hash_rows(seed=0) for start in range(0, hashed.height, batch_rows)]
    return pl.concat(batches or [pl.Series(dtype=pl.UInt64)]).alias("metadata_hash")


def content_fingerprint(frame: pl.DataFrame, batch_rows: int = HASHED_ROWS) -> str:
    """Rows and an order-free sum of their hashes: a repeated export gives the same value, whatever its row order."""
    total = sum(
        int(frame.slice(start, batch_rows).hash_rows(seed=0).cast(pl.UInt64).sum() or 0)
        for start in range(0, frame.height, batch_rows)
    )
    return f"{frame.height}:{total % 2**64:016x}"


def _repair_counts(frame: pl.DataFrame, quality: QualityRecord, captured: dt.date) -> pl.DataFrame:
    for column in ("downloads", "downloadsAllTime", "likes"):
        negative = frame.get_column(column) < 0
        quality.count(f"negative_{column}_set_null", int(negative.sum() or 0))
        frame = frame.with_columns(pl.when(pl.col(column) < 0).then(None).otherwise(pl.col(column)).alias(column))
    end_of_day = dt.datetime.combine(captured + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    future = frame.get_column("createdAt") >= end_of_day
    quality.count("created_after_snapshot_set_null", int(future.sum() or 0))
    early = frame.get_column("createdAt") < HUB_OPENED
    quality.count("created_before_hub_opened_set_null", int(early.sum() or 0))
    created = pl.col("createdAt")
    return frame.with_columns(
        pl.when((created >= end_of_day) | (created < HUB_OPENED)).then(None).otherwise(created).alias("createdAt")
    )


def _keep_highest_count(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """One row per `key`: the one with the highest cumulative count (then the first), in input order."""
    if all_distinct(frame.get_column(key)):
        return frame  # the usual case; sorting millions of string keys costs seconds
    return (
        frame.with_row_index("_order")
        .sort([key, "downloadsAllTime", "_order"], descending=[False, True, False], nulls_last=True)
        .unique(subset=key, keep="first", maintain_order=True)
        .sort("_order")
        .drop("_order")
    )


def _deduplicate(frame: pl.DataFrame, quality: QualityRecord) -> pl.DataFrame:
    """One row per model key, then one per id, each keeping the highest cumulative count."""
    keyed = frame.with_columns(pl.coalesce("_id", "id").alias("model_key"))
    deduplicated = _keep_highest_count(keyed, "model_key")
    quality.count("duplicate_model_rows_removed", keyed.height - deduplicated.height)
    # One id under two stable ids (a re-created repository): the id must be unique for the
    # base-model walk.
    unique_ids = _keep_highest_count(deduplicated, "id")
    quality.count("duplicate_id_rows_removed", deduplicated.height - unique_ids.height)
    return unique_ids


def _derive_columns(frame: pl.DataFrame, snapshot_date: dt.date, quality: QualityRecord) -> pl.DataFrame:
    id_namespace = pl.when(pl.col("id").str.contains("/")).then(pl.col("id").str.split("/").list.first())
    quality.count(
        "author_missing_namespace_from_id",
        frame.filter(pl.col("author").is_null() & pl.col("id").str.contains("/")).height,
    )
    lineage = _declared_lineage(frame, quality)
    return pl.concat(
        [
            frame.select(
                pl.lit(snapshot_date).alias("snapshot_date"),
                "model_key",
                pl.col("id").alias("model_id"),
                # The id prefix is authoritative: `author` is missing on some rows and
                # absent from some sources, and equals the prefix wherever both exist.
                pl.coalesce(id_namespace, pl.col("author")).alias("namespace"),
                pl.col("createdAt").alias("created_at"),
                pl.col("downloadsAllTime").alias("downloads_all_time"),
                pl.col("downloads").alias("downloads_30d"),
                "likes",
                "pipeline_tag",
                "library_name",
                "tags",
            ),
            lineage,
            frame.select(pl.col("safetensors").struct.field("total").alias("params_total")),
        ],
        how="horizontal",
    )


def _declared_lineage(frame: pl.DataFrame, quality: QualityRecord) -> pl.DataFrame:
    """`base_relation` and `base_parents`, row for row, from `baseModels`, else from the `base_model:` tags;
    each source counted.

    Before the Hub exported `baseModels`, lineage lived only in tags of the
    forms `base_model:<id>` and `base_model:<relation>:<id>` (model ids hold
    no colon). A tag gives the relation when every relation-form tag of the
    model agrees; otherwise the relation is null and counted. Tags are read
    only for models without declared parents: one pass over the tags of those
    models, not one per derived value.
    """
    declared = frame.select(
        pl.col("baseModels").struct.field("relation").alias("declared_relation"),
        pl.col("baseModels")
        .struct.field("models")
        .list.eval(pl.element().struct.field("id"))
        .list.drop_nulls()
        .alias("declared_parents"),
    ).with_columns((pl.col("declared_parents").list.len() > 0).fill_null(False).alias("has_declared"))
    edges = (
        frame.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"), "tags")
        .filter(~declared.get_column("has_declared"))
        .explode("tags")
        .filter(pl.col("tags").str.starts_with(TAG_PREFIX))
        .select("row", pl.col("tags").str.strip_prefix(TAG_PREFIX).alias("edge"))
    )
    tagged = edges.group_by("row", maintain_order=True).agg(
        pl.col("edge").str.split(":").list.last().unique(maintain_order=True).alias("tag_parents"),
        pl.col("edge").filter(pl.col("edge").str.contains(":")).str.split(":").list.first().unique().alias("relations"),
    )
    by_tags = pl.DataFrame({"row": pl.int_range(frame.height, dtype=pl.UInt32, eager=True)}).join(
        tagged, on="row", how="left", maintain_order="left"
    )
    lineage = pl.concat([declared, by_tags.drop("row")], how="horizontal")
    has_declared = pl.col("has_declared")
    quality.lineage_sources = {"baseModels": int(declared.get_column("has_declared").sum()), "tags": tagged.height}
    unknown, conflicting = lineage.select(
        (pl.col("declared_relation").is_not_null() & ~pl.col("declared_relation").is_in(RELATIONS)).sum(),
        (pl.col("relations").list.len() > 1).sum(),
    ).row(0)
    quality.count("unknown_base_relation_set_null", int(unknown))
    quality.count("base_model_tags_conflicting_relations_set_null", int(conflicting))
    tag_relation = pl.when(pl.col("relations").list.len() == 1).then(pl.col("relations").list.first())
    relation = pl.when(has_declared).then(pl.col("declared_relation")).otherwise(tag_relation)
    return lineage.select(
        pl.when(relation.is_in(RELATIONS)).then(relation).alias("base_relation"),
        pl.when(has_declared).then(pl.col("declared_parents")).otherwise(pl.col("tag_parents")).alias("base_parents"),
    )


def validate_normalized(frame: pl.DataFrame, path: str | Path) -> pl.DataFrame:
    """Validate against `NormalizedSnapshot`; a failure names the file, column and check."""
    try:
        return NormalizedSnapshot.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        first = cases.row(0, named=True)
        raise SnapshotError(
            path,
            str(first.get("column")),
            str(first.get("check")),
            f"{cases.height} failing value(s), e.g. {first.get('failure_case')!r}",
        ) from errors


def verify_landed(raw_path: str | Path, meta_path: str | Path) -> None:
    """Raise unless the raw file still has the sha256 (and size) its origin record gave it when it landed."""
    record = yaml.safe_load(Path(meta_path).read_text(encoding="utf-8")) or {}
    recorded = record.get("sha256")
    if recorded is None:
        raise SnapshotError(raw_path, "*", "landed checksum", f"its origin record {meta_path} holds no sha256")
    actual = sha256_file(raw_path)
    if recorded != actual:
        size = Path(raw_path).stat().st_size
        sizes = f" and size {size:,} bytes (recorded {record['bytes']:,})" if record.get("bytes", size) != size else ""
        raise SnapshotError(
            raw_path,
            "*",
            "landed checksum",
            f"its sha256 is {actual}{sizes}, but {meta_path} recorded {recorded} when it landed: the raw "
            "file changed after landing (raw files are never edited: land it again; for a `dir` folder, "
            "delete the record to accept the file as it now is)",
        )


def check_snapshot_date(snapshot_date: dt.date, path: str | Path, today: dt.date | None = None) -> None:
    """A snapshot cannot be dated after the day the pipeline runs."""
    today = today or dt.datetime.now(dt.UTC).date()
    if snapshot_date > today:
        raise SnapshotError(path, "*", "snapshot date", f"dated {snapshot_date}, after today ({today})")


def normalize_snapshot_file(
    raw_path: str | Path,
    table_path: str | Path,
    quality_path: str | Path,
    snapshot_date: str,
    log_path: str | Path,
    capture_lag_days: int = 0,
    meta_path: str | Path | None = None,
) -> None:
    """File-to-file form of `normalize_snapshot`, for one workflow job per snapshot.

    `meta_path`: the raw file's origin record, whose sha256 the file must
    still have (written when a source lands the file, or a build first reads a `dir` snapshot).
    """
    date = dt.date.fromisoformat(snapshot_date)
    check_snapshot_date(date, raw_path)
    if meta_path is not None:
        verify_landed(raw_path, meta_path)
    frame, quality = normalize_snapshot(raw_path, date, capture_lag_days)
    write_parquet(frame, table_path, statistics=False)
    write_json(asdict(quality), quality_path)
    repairs = ", ".join(f"{k}={v}" for k, v in sorted(quality.repairs.items()) if v) or "none"
    write_text(f"{raw_path}: {quality.rows_in} rows in, {quality.rows_out} out; repairs: {repairs}\n", log_path)
