"""Sources: Hub models-API dumps converted to the raw contract, and the resumable Hub snapshot download."""

import datetime as dt
import io
import json
import logging
import traceback

import polars as pl
import pytest
import yaml

from conftest import REAL_SAMPLES, raw_frame
from hubshare.atomic import sha256_file
from hubshare.normalize import normalize_snapshot, normalize_snapshot_file
from hubshare.rolling import check_rolling30_conservation, rolling30_panel
from hubshare.schemas import RAW_COLUMNS
from hubshare.sources.api_json import DumpError, convert_api_json
from hubshare.sources.hub import FetchError, fetch_snapshot, snapshot_url

API_DUMPS = REAL_SAMPLES / "hub-api-json"
UTC = dt.timezone.utc


# --- api-json -----------------------------------------------------------------------------------

def dump(**changes) -> dict:
    content = {
        "date": "2026-08-07",
        "fetched_at": "2026-08-07T21:41:45+09:00",
        "source": "huggingface.co/api/models",
        "models": [
            {"id": "org/big", "likes": 7, "downloads": 1200, "pipeline_tag": "text-generation",
             "library_name": "transformers", "createdAt": "2025-01-20T03:46:07.000Z", "lastModified": None},
            {"id": "gpt2", "likes": 3, "downloads": 45, "pipeline_tag": None,
             "library_name": None, "createdAt": "2019-02-19T11:00:00+02:00", "lastModified": None},
            {"id": "user/new", "downloads": 0},
        ],
    }
    content.update(changes)
    return content


def write_dump(tmp_path, content) -> tuple:
    source = tmp_path / "2026-08-07.json"
    source.write_text(json.dumps(content), encoding="utf-8")
    return source, tmp_path / "raw" / "2026-08-07.parquet", tmp_path / "raw" / "2026-08-07.meta.yaml"


def test_dump_becomes_a_raw_contract_snapshot(tmp_path):
    source, parquet, meta_path = write_dump(tmp_path, dump())
    meta = convert_api_json(source, parquet, meta_path)
    frame = pl.read_parquet(parquet)
    assert frame.schema == pl.Schema({name: dtype for name, (dtype, _) in RAW_COLUMNS.items()})
    assert frame["id"].to_list() == ["org/big", "gpt2", "user/new"]
    assert frame["author"].to_list() == ["org", None, "user"]
    assert frame["downloads"].to_list() == [1200, 45, 0]
    assert frame["likes"].to_list() == [7, 3, None]
    assert frame["createdAt"].to_list() == [
        dt.datetime(2025, 1, 20, 3, 46, 7, tzinfo=UTC), dt.datetime(2019, 2, 19, 9, 0, tzinfo=UTC), None
    ]
    assert frame["tags"].to_list() == [[], [], []]
    assert frame["downloadsAllTime"].null_count() == frame["_id"].null_count() == 3
    assert yaml.safe_load(meta_path.read_text()) == meta
    assert meta["sha256"] == sha256_file(parquet)
    assert (meta["rows"], meta["snapshot_date"], meta["source"]) == (3, "2026-08-07", "api-json")
    assert meta["date_accessed"] == "2026-08-07T21:41:45+09:00"
    assert meta["download_measure"] == "rolling30"
    assert meta["license"] == "no licence declared; facts with attribution"
    assert meta["url"] == "https://huggingface.co/api/models"
    normalized, quality = normalize_snapshot(parquet, dt.date(2026, 8, 7))
    assert normalized["downloads_30d"].sum() == 1245
    assert quality.rows_out == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"models": None}, "models"),
        ({"date": "07/08/2026"}, "date"),
        ({"fetched_at": "yesterday"}, "fetched_at"),
        ({"models": [{"downloads": 3}]}, "models[0].id"),
        ({"models": [{"id": "a/b", "downloads": "12"}]}, "models[0].downloads"),
        ({"models": [{"id": "a/b", "downloads": 1.5}]}, "models[0].downloads"),
        ({"models": [{"id": "a/b", "downloads": True}]}, "models[0].downloads"),
        ({"models": [{"id": "a/b", "likes": 2**64}]}, "models[0].likes"),
        ({"models": [{"id": "a/b", "createdAt": "soon"}]}, "models[0].createdAt"),
    ],
)
def test_malformed_dump_names_file_and_field_and_writes_nothing(tmp_path, change, field):
    content = dump(**change)
    if change.get("models") is None and "models" in change:
        del content["models"]
    source, parquet, meta_path = write_dump(tmp_path, content)
    with pytest.raises(DumpError) as error:
        convert_api_json(source, parquet, meta_path)
    assert isinstance(error.value, ValueError)
    assert str(source) in str(error.value) and f"'{field}'" in str(error.value)
    assert not parquet.exists() and not meta_path.exists()


def test_invalid_json_is_refused(tmp_path):
    source = tmp_path / "broken.json"
    source.write_text('{"models": [', encoding="utf-8")
    with pytest.raises(DumpError, match="broken.json"):
        convert_api_json(source, tmp_path / "x.parquet", tmp_path / "x.meta.yaml")


real = pytest.mark.skipif(not API_DUMPS.is_dir(), reason="../shared/real-samples/hub-api-json is absent")


@pytest.mark.real
@real
def test_real_dumps_convert_without_loss(tmp_path):
    normalized = []
    total = 0
    for source in sorted(API_DUMPS.glob("*.json")):
        models = json.loads(source.read_text(encoding="utf-8"))["models"]
        date = source.stem
        parquet = tmp_path / "raw" / f"{date}.parquet"
        meta = convert_api_json(source, parquet, tmp_path / "raw" / f"{date}.meta.yaml")
        frame = pl.read_parquet(parquet)
        assert frame.height == meta["rows"] == len(models)
        assert frame["id"].null_count() == 0
        assert frame["downloads"].sum() == sum(model["downloads"] for model in models)
        total += frame["downloads"].sum()
        out = tmp_path / "norm" / f"{date}.parquet"
        normalize_snapshot_file(parquet, out, tmp_path / "q" / f"{date}.json", date, tmp_path / "log" / f"{date}.log")
        normalized.append(out)
    assert len(normalized) >= 2
    panel, ledger = rolling30_panel(pl.read_parquet(normalized))
    check_rolling30_conservation(ledger, int(panel["downloads"].sum()))
    lines = dict(zip(ledger["category"], ledger["downloads"], strict=True))
    assert lines["check_sum_of_30d_counts"] == total


# --- hub ------------------------------------------------------------------------------------------

TOKEN = "hf_NotARealTokenButSecret123"
COLUMNS = ["_id", "id", "createdAt", "downloads", "downloadsAllTime"]


@pytest.fixture(autouse=True)
def no_token_in_the_environment(monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)


def snapshot_bytes(rows: int = 3) -> bytes:
    frame = raw_frame([
        {"_id": f"k{i}", "id": f"org/m{i}", "createdAt": dt.date(2024, 1, 1), "downloads": i, "downloadsAllTime": 10 * i}
        for i in range(rows)
    ]).with_columns(pl.lit(0.5).alias("trendingScore"))
    sink = io.BytesIO()
    frame.write_parquet(sink)
    return sink.getvalue()


class CutStream(io.BytesIO):
    """A body that breaks off after `limit` bytes, as a dropped connection does."""

    def __init__(self, data: bytes, limit: int):
        super().__init__(data[:limit])

    def read(self, size=-1):
        chunk = super().read(size)
        if not chunk:
            raise ConnectionResetError("connection reset by peer")
        return chunk


class FakeServer:
    """Serves one file; `plan` lists what the next requests get instead of a normal answer."""

    def __init__(self, body: bytes, plan=(), supports_range: bool = True):
        self.body, self.plan, self.supports_range = body, list(plan), supports_range
        self.requests: list[dict] = []

    def __call__(self, url, headers):
        self.requests.append(dict(headers))
        start = int(headers["Range"].removeprefix("bytes=").rstrip("-")) if "Range" in headers else 0
        size = len(self.body)
        step = self.plan.pop(0) if self.plan else "ok"
        if isinstance(step, Exception):
            raise step
        if isinstance(step, int):
            return step, {}, io.BytesIO(b"")
        if not (start and self.supports_range):
            start = 0
        if start >= size:
            return 416, {"Content-Range": f"bytes */{size}"}, io.BytesIO(b"")
        status = 206 if start else 200
        headers_out = {"Content-Length": str(size - start)}
        if start:
            headers_out["Content-Range"] = f"bytes {start}-{size - 1}/{size}"
        if step == "ok":
            return status, headers_out, io.BytesIO(self.body[start:])
        kind, _, value = step.partition(":")
        if kind == "cut":  # the connection drops after `value` bytes of this answer
            return status, headers_out, CutStream(self.body[start:], int(value))
        if kind == "garbage":  # a body of the announced size that is not the file
            return status, headers_out, io.BytesIO(b"x" * (size - start))
        if kind == "longer":  # more bytes than announced
            return status, headers_out, io.BytesIO(self.body[start:] + b"x" * int(value))
        raise AssertionError(step)


def fetch(tmp_path, server, **options):
    """The whole-file transfer against a simulated server (the projected one: tests/test_hub_transfer.py)."""
    target = tmp_path / "raw" / "2024-07-24.parquet"
    meta_path = tmp_path / "raw" / "2024-07-24.meta.yaml"
    delays = []
    options = {"columns": COLUMNS, "opener": server, "sleep": delays.append, "transfer": "whole", **options}
    meta = fetch_snapshot("https://example.test/2024-07-24/models.parquet", target, meta_path, **options)
    return target, meta_path, meta, delays


def test_snapshot_url_formats_the_date():
    base = "https://huggingface.co/datasets/hfmlsoc/hub_weekly_snapshots/resolve/main/"
    assert snapshot_url(base, "{date}/models.parquet", "2024-07-24") == base + "2024-07-24/models.parquet"
    assert snapshot_url("https://h/x", "/models_{date:%Y%m%d}.parquet", dt.date(2024, 7, 24)) == "https://h/x/models_20240724.parquet"
    with pytest.raises(ValueError, match="placeholder"):
        snapshot_url(base, "models.parquet", "2024-07-24")


def test_fetch_projects_verifies_and_records_origin(tmp_path):
    body = snapshot_bytes()
    server = FakeServer(body)
    target, meta_path, meta, delays = fetch(tmp_path, server, snapshot_date="2024-07-24")
    frame = pl.read_parquet(target)
    assert frame.columns == COLUMNS and frame.height == 3
    assert frame["downloadsAllTime"].to_list() == [0, 10, 20]
    assert not target.with_name(target.name + ".part").exists()
    assert delays == [] and "Authorization" not in server.requests[0]
    assert yaml.safe_load(meta_path.read_text()) == meta
    assert meta["license"] == "ODbL-1.0"
    assert meta["url"] == "https://example.test/2024-07-24/models.parquet"
    assert (meta["rows"], meta["bytes"], meta["sha256"]) == (3, target.stat().st_size, sha256_file(target))
    assert meta["download_bytes"] == len(body)
    assert meta["download_measure"] == "alltime_diff"
    assert meta["snapshot_date"] == "2024-07-24"
    dt.datetime.fromisoformat(meta["date_accessed"])


def test_fetch_resumes_a_partial_download(tmp_path):
    body = snapshot_bytes()
    part = tmp_path / "raw" / "2024-07-24.parquet.part"
    part.parent.mkdir()
    part.write_bytes(body[:100])
    server = FakeServer(body)
    target, _, meta, _ = fetch(tmp_path, server)
    assert server.requests[0]["Range"] == "bytes=100-"
    assert meta["download_bytes"] == len(body) and pl.read_parquet(target).height == 3


def test_fetch_restarts_when_the_server_ignores_ranges(tmp_path):
    body = snapshot_bytes()
    part = tmp_path / "raw" / "2024-07-24.parquet.part"
    part.parent.mkdir()
    part.write_bytes(b"stale bytes from another file")
    target, _, meta, _ = fetch(tmp_path, FakeServer(body, supports_range=False))
    assert meta["download_bytes"] == len(body) and pl.read_parquet(target).height == 3


def test_complete_partial_file_is_not_downloaded_again(tmp_path):
    body = snapshot_bytes()
    part = tmp_path / "raw" / "2024-07-24.parquet.part"
    part.parent.mkdir()
    part.write_bytes(body)
    server = FakeServer(body)
    target, _, meta, _ = fetch(tmp_path, server)
    assert server.requests == [{"Range": f"bytes={len(body)}-"}]
    assert meta["download_bytes"] == len(body) and pl.read_parquet(target).height == 3


def test_body_longer_than_announced_is_refused(tmp_path):
    with pytest.raises(FetchError, match="more than the .* announced"):
        fetch(tmp_path, FakeServer(snapshot_bytes(), plan=["longer:7"]))
    assert list((tmp_path / "raw").iterdir()) == []


def test_transient_errors_are_retried_with_backoff_and_resume(tmp_path):
    body = snapshot_bytes()
    server = FakeServer(body, plan=[503, ConnectionError("refused"), "cut:150", 429])
    target, _, _, delays = fetch(tmp_path, server, backoff_seconds=2.0)
    assert delays == [2.0, 4.0, 8.0, 16.0]
    assert [r.get("Range") for r in server.requests] == [None, None, None, "bytes=150-", "bytes=150-"]
    assert pl.read_parquet(target).height == 3


def test_retries_exhausted_keep_the_partial_file_for_the_next_run(tmp_path):
    server = FakeServer(snapshot_bytes(), plan=["cut:50", 503, 503])
    with pytest.raises(FetchError, match=r"https://example.test/.*after 3 attempts") as error:
        fetch(tmp_path, server, retries=2)
    assert "HTTP 503" in str(error.value)
    part = tmp_path / "raw" / "2024-07-24.parquet.part"
    assert part.stat().st_size == 50 and not (tmp_path / "raw" / "2024-07-24.parquet").exists()


def test_permanent_http_error_is_not_retried(tmp_path):
    server = FakeServer(snapshot_bytes(), plan=[404])
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(tmp_path, server)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("body", "options", "message"),
    [
        ("garbage", {}, "not a readable parquet"),
        (raw_frame([{"id": "a/b"}]).drop("downloads"), {}, "required column"),
        (raw_frame([{"id": "a/b"}]), {"expected_min_rows": 2}, "fewer than the 2 expected"),
    ],
)
def test_bad_download_is_refused_and_leaves_no_file(tmp_path, body, options, message):
    if isinstance(body, pl.DataFrame):
        sink = io.BytesIO()
        body.write_parquet(sink)
        server = FakeServer(sink.getvalue())
    else:
        server = FakeServer(snapshot_bytes(), plan=["garbage"])
    with pytest.raises(FetchError, match=message) as error:
        fetch(tmp_path, server, **options)
    assert "https://example.test/2024-07-24/models.parquet" in str(error.value)
    assert "2024-07-24.parquet.part" in str(error.value)
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == []


def test_local_file_through_the_default_opener(tmp_path):
    source = tmp_path / "fixture.parquet"
    source.write_bytes(snapshot_bytes())
    target = tmp_path / "raw" / "s.parquet"
    for transfer in ("whole", "projected"):
        meta = fetch_snapshot(source.as_uri(), target, tmp_path / "raw" / "s.meta.yaml", columns=COLUMNS,
                              token_env="", transfer=transfer)
        assert meta["rows"] == 3 and pl.read_parquet(target).columns == COLUMNS and meta["transfer"] == transfer
    assert sorted(p.name for p in target.parent.iterdir()) == ["s.meta.yaml", "s.parquet"]


def test_token_is_sent_but_never_logged_recorded_or_shown(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    caplog.set_level(logging.DEBUG, logger="hubshare.sources.hub")
    leaky = ConnectionError(f"proxy refused header Authorization: Bearer {TOKEN}")
    server = FakeServer(snapshot_bytes(), plan=[leaky])
    _, meta_path, _, _ = fetch(tmp_path, server)
    assert server.requests[0]["Authorization"] == f"Bearer {TOKEN}"
    assert "proxy refused" in caplog.text
    assert TOKEN not in caplog.text and TOKEN not in meta_path.read_text()

    for plan, shown_error in (([leaky, 401], "HTTP 401"), ([leaky, leaky], "proxy refused")):
        with pytest.raises(FetchError) as error:
            fetch(tmp_path / "again", FakeServer(snapshot_bytes(), plan=plan), retries=1)
        shown = "".join(traceback.format_exception(error.value))
        assert shown_error in shown and TOKEN not in shown and TOKEN not in caplog.text
