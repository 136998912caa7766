"""Per-date CSV files of download counts -> one raw-contract snapshot and its origin record.

Some public series of Hub downloads are kept as one CSV file per run, with a
row per model: the model (`id`, or a `model_url` on huggingface.co) and its
rolling 30-day `downloads` on that date (for example the monthly series of the
National Library of Sweden's models, `<YYYY-MM-DD>_hf.csv` with columns
`model_url, downloads, organization, model_name, date`). Other columns of the
raw contract are read when a file has them under their contract name;
columns outside the contract are ignored. Like the API dumps, such files
carry no cumulative count, so the panel uses the `rolling30` measure.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from hubshare.contracts.raw_tables import RAW_COLUMNS
from hubshare.jobs.atomic import write_parquet, write_yaml
from hubshare.sources.converted import converted_fields

SOURCE = "csv"
DOWNLOAD_MEASURE = "rolling30"
HUB_ADDRESS = "https://huggingface.co/"
# Flat contract columns a CSV file can carry under their own name.
FLAT_COLUMNS = ("_id", "author", "createdAt", "downloadsAllTime", "likes", "pipeline_tag", "library_name")


class CsvSourceError(ValueError):
    """A CSV file the source cannot read, with the file and column named."""

    def __init__(self, path: str | Path, column: str, detail: str):
        self.path, self.column = str(path), column
        super().__init__(f"{path}: column '{column}' {detail}")


def counts_frame(csv_path: str | Path) -> pl.DataFrame:
    """The file's models with every `RAW_COLUMNS` column, typed as the contract says."""
    try:
        given = pl.read_csv(csv_path, infer_schema=False)
    except pl.exceptions.PolarsError as error:
        raise CsvSourceError(csv_path, "*", f"is not a readable CSV file: {error}") from error
    if "id" in given.columns:
        model_id = pl.col("id")
    elif "model_url" in given.columns:
        model_id = pl.col("model_url").str.strip_prefix(HUB_ADDRESS)
    else:
        raise CsvSourceError(csv_path, "id", "is missing (give `id`, or `model_url` on huggingface.co)")
    if "downloads" not in given.columns:
        raise CsvSourceError(csv_path, "downloads", "is missing (the 30-day download count)")
    schema = {name: dtype for name, (dtype, _) in RAW_COLUMNS.items()}
    columns = {"id": model_id, "downloads": pl.col("downloads")}
    columns |= {name: pl.col(name) for name in FLAT_COLUMNS if name in given.columns}
    frame = given.select(**columns)
    try:
        typed = frame.select(
            pl.col(name).str.to_datetime(time_zone="UTC", time_unit="us")
            if name == "createdAt"
            else pl.col(name).cast(schema[name], strict=True)
            for name in frame.columns
        )
    except pl.exceptions.PolarsError as error:
        raise CsvSourceError(csv_path, "*", f"has a value of the wrong type: {error}") from error
    return typed.select(
        pl.col(name) if name in typed.columns else pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in schema.items()
    )


def origin_metadata(frame: pl.DataFrame, csv_path: str | Path, parquet_path: str | Path, date: str) -> dict:
    """The `.meta.yaml` record of a converted file (same fields as the other sources)."""
    return {
        "title": f"Download counts {date} ({Path(csv_path).name})",
        "description": (
            "One run of a series of per-model download counts kept as CSV, converted to the raw contract. "
            "`downloads` is the Hub's rolling 30-day count on that date; the file lists only the models its "
            "keeper chose, not the whole Hub."
        ),
        "producer": "the keeper of the CSV series",
        "url": str(Path(csv_path).resolve().parent),
        "date_accessed": date,
        "license": "no licence declared; facts with attribution",
        **converted_fields(frame, SOURCE, DOWNLOAD_MEASURE, date, parquet_path, csv_path),
    }


def convert_csv_counts(csv_path: str | Path, parquet_path: str | Path, meta_path: str | Path, date: str) -> dict:
    """Write the file as a raw-contract parquet and its `.meta.yaml`, both atomically; return the metadata."""
    frame = counts_frame(csv_path)
    write_parquet(frame, parquet_path)
    meta = origin_metadata(frame, csv_path, parquet_path, date)
    write_yaml(meta, meta_path)
    return meta
