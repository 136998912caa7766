"""The projected Hub transfer: only the parquet footer and the wanted column chunks travel.

A local, threaded HTTP server with Range support stands in for the Hub. It
counts the bytes it serves, can fail the next requests with 503/429, drop a
connection mid-answer, ignore Range headers, or serve a truncated or corrupt
file, so every path of the transfer runs offline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import io
import logging
import struct
import threading
import traceback
from pathlib import Path

import polars as pl
import pytest
import yaml

from conftest import raw_frame
from hubshare.atomic import sha256_file
from hubshare.schemas import RAW_COLUMNS
from hubshare.sources.http_range import RangeError, RangeReader, parse_range_header
from hubshare.sources.hub import FetchError, fetch_snapshot
from hubshare.sources.parquet_layout import LayoutError, footer_length, merge, needed_ranges, parse_footer
from hubshare.sources.projected import state_path
from hubshare.sources.thrift_compact import ThriftError, decode_struct

CONTRACT = list(RAW_COLUMNS)
TOKEN = "hf_FakeTokenForTests0123456789"
ROWS, ROW_GROUP, WIDE_BYTES = 3000, 750, 400


# --- fixtures: files and a server ------------------------------------------------------------------

def wide_snapshot(rows: int = ROWS) -> bytes:
    """A snapshot in the raw contract plus a large column the contract does not need, in several row groups."""
    frame = raw_frame([
        {"_id": f"k{i}", "id": f"org{i % 37}/model-{i}", "author": f"org{i % 37}", "createdAt": dt.date(2024, 1, 1),
         "downloads": i * 7 % 1000, "downloadsAllTime": i * 13, "likes": i % 5, "pipeline_tag": "text-generation",
         "tags": ["transformers", f"license:mit-{i % 3}"]}
        for i in range(rows)
    ])
    noise = [hashlib.sha512(f"{i}-{j}".encode()).digest() for i in range(rows) for j in range(WIDE_BYTES // 64)]
    siblings = [b"".join(noise[i * (WIDE_BYTES // 64):(i + 1) * (WIDE_BYTES // 64)]) for i in range(rows)]
    frame = frame.with_columns(pl.Series("siblings", siblings, dtype=pl.Binary), pl.lit(0.5).alias("trendingScore"))
    sink = io.BytesIO()
    frame.write_parquet(sink, row_group_size=ROW_GROUP, compression="zstd")
    return sink.getvalue()


@pytest.fixture(scope="module")
def wide() -> bytes:
    return wide_snapshot()


class RangeServer(http.server.ThreadingHTTPServer):
    """Serves `files` (name -> bytes) on 127.0.0.1 with single-range support; counts what it sends."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files: dict[str, bytes] = {}
        self.plan: list = []  # what the next requests get: a status (int) or "drop:N"
        self.fail_all_with: int | None = None
        self.ignore_ranges = False
        self.bytes_served = 0
        self.requests: list[dict] = []
        self.lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up on purpose (a refused whole-file answer) is not news

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server_port}/{name}"

    def reset_counts(self) -> None:
        self.bytes_served, self.requests = 0, []


class _Handler(http.server.BaseHTTPRequestHandler):
    server: RangeServer

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        server = self.server
        with server.lock:
            server.requests.append(dict(self.headers))
            step = server.plan.pop(0) if server.plan else server.fail_all_with
        data = server.files.get(self.path.lstrip("/"))
        if isinstance(step, int):
            return self._answer(step, {"Retry-After": "0"}, b"")
        if data is None:
            return self._answer(404, {}, b"")
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Accept-Ranges": "bytes"}
        header = self.headers.get("Range")
        if header is None or server.ignore_ranges:
            status, body = 200, data
        else:
            span = parse_range_header(header, len(data))
            if span is None:
                return self._answer(416, {"Content-Range": f"bytes */{len(data)}"}, b"")
            status, body = 206, data[span[0]:span[1]]
            headers["Content-Range"] = f"bytes {span[0]}-{span[1] - 1}/{len(data)}"
        if isinstance(step, str) and step.startswith("drop:"):
            # Announce the whole answer, send part of it, then hang up.
            return self._answer(status, headers, body, send=int(step.partition(":")[2]))
        self._answer(status, headers, body)

    def _answer(self, status: int, headers: dict, body: bytes, send: int | None = None) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        sent = body if send is None else body[:send]
        self.wfile.write(sent)
        self.wfile.flush()
        with self.server.lock:
            self.server.bytes_served += len(sent)
        self.close_connection = True


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    httpd = RangeServer()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def fetch(tmp_path, url, **options):
    target = tmp_path / "raw" / "2025-08-27.parquet"
    meta_path = tmp_path / "raw" / "2025-08-27.meta.yaml"
    delays: list[float] = []
    options = {"columns": CONTRACT, "sleep": delays.append, "backoff_seconds": 0.01, **options}
    meta = fetch_snapshot(url, target, meta_path, snapshot_date="2025-08-27", **options)
    return target, meta_path, meta, delays


def local_projection(data: bytes, tmp_path: Path) -> pl.DataFrame:
    source = tmp_path / "local-copy.parquet"
    source.write_bytes(data)
    return pl.read_parquet(source, columns=CONTRACT)


# --- the projected transfer -------------------------------------------------------------------------

def test_projected_transfer_moves_only_the_contract_columns(tmp_path, server, wide):
    server.files["models.parquet"] = wide
    target, meta_path, meta, delays = fetch(tmp_path, server.url("models.parquet"))
    assert pl.read_parquet(target).equals(local_projection(wide, tmp_path))
    layout = parse_footer(wide[-8 - footer_length(wide[-8:], len(wide)):-8], len(wide))
    contract_bytes = sum(size for name, size in layout.column_bytes().items() if name in CONTRACT)
    # Everything served counted once, and far less than the file: the wide column never travels.
    assert meta["bytes_transferred"] == server.bytes_served
    assert contract_bytes < server.bytes_served < contract_bytes + 2 * 65536
    assert server.bytes_served < 0.25 * len(wide)
    assert all("Range" in request for request in server.requests) and delays == []
    assert meta["requests"] == len(server.requests)
    # The origin record.
    assert yaml.safe_load(meta_path.read_text()) == meta
    assert meta["url"] == server.url("models.parquet") and meta["license"] == "ODbL-1.0"
    assert meta["transfer"] == "projected" and meta["columns"] == CONTRACT
    assert (meta["rows"], meta["remote_bytes"]) == (ROWS, len(wide))
    assert meta["remote_etag"] == '"' + hashlib.sha256(wide).hexdigest()[:16] + '"'
    assert meta["sha256"] == sha256_file(target) and meta["bytes"] == target.stat().st_size
    assert meta["download_measure"] == "alltime_diff" and meta["bytes_resumed"] == 0
    dt.datetime.fromisoformat(meta["date_accessed"])
    assert sorted(p.name for p in target.parent.iterdir()) == [meta_path.name, target.name]


def test_whole_transfer_moves_every_byte_and_gives_the_same_table(tmp_path, server, wide):
    server.files["models.parquet"] = wide
    target, _, meta, _ = fetch(tmp_path, server.url("models.parquet"), transfer="whole")
    assert server.bytes_served == len(wide) == meta["download_bytes"]
    assert meta["transfer"] == "whole" and pl.read_parquet(target).equals(local_projection(wide, tmp_path))


def test_file_mirror_is_read_by_ranges_too(tmp_path, wide):
    source = tmp_path / "mirror" / "2025-08-27" / "models.parquet"
    source.parent.mkdir(parents=True)
    source.write_bytes(wide)
    target, _, meta, _ = fetch(tmp_path, source.as_uri(), token_env="")
    assert meta["bytes_transferred"] < 0.25 * len(wide)
    assert pl.read_parquet(target).equals(local_projection(wide, tmp_path))


def test_a_footer_longer_than_the_first_request_is_fetched_in_full(tmp_path, server, wide, monkeypatch):
    monkeypatch.setattr("hubshare.sources.projected.TAIL_GUESS_BYTES", 512)
    server.files["models.parquet"] = wide
    target, _, meta, _ = fetch(tmp_path, server.url("models.parquet"))
    footer = footer_length(wide[-8:], len(wide))
    assert footer > 512 and server.requests[1]["Range"] == f"bytes={len(wide) - 8 - footer}-{len(wide) - 1}"
    assert meta["bytes_transferred"] == server.bytes_served
    assert pl.read_parquet(target).equals(local_projection(wide, tmp_path))


def test_transient_failures_are_retried_with_backoff(tmp_path, server, wide):
    server.files["models.parquet"] = wide
    server.plan = [503, 429, "drop:1000"]
    target, _, meta, delays = fetch(tmp_path, server.url("models.parquet"))
    assert delays == [0.01, 0.02, 0.04]  # backoff_seconds * 2**i, per range
    # The dropped footer request was resumed, not repeated: bytes served once only.
    assert meta["bytes_transferred"] == server.bytes_served
    assert [request["Range"] for request in server.requests[:3]] == ["bytes=-65536"] * 3
    assert server.requests[3]["Range"] == f"bytes={len(wide) - 65536 + 1000}-{len(wide) - 1}"
    assert pl.read_parquet(target).equals(local_projection(wide, tmp_path))


def test_a_dropped_range_resumes_inside_the_range(tmp_path, server, wide):
    server.files["models.parquet"] = wide
    server.plan = [None, None, "drop:300"]  # the third request is the second column range
    _, _, meta, delays = fetch(tmp_path, server.url("models.parquet"))
    dropped, resumed = server.requests[2]["Range"], server.requests[3]["Range"]
    first, last = dropped.removeprefix("bytes=").split("-")
    assert resumed == f"bytes={int(first) + 300}-{last}" and delays == [0.01]
    assert meta["bytes_transferred"] == server.bytes_served


def test_a_server_ignoring_ranges_gets_the_whole_transfer(tmp_path, server, wide, caplog):
    server.files["models.parquet"] = wide
    server.ignore_ranges = True
    target, _, meta, _ = fetch(tmp_path, server.url("models.parquet"))
    assert "ignores Range requests" in caplog.text and meta["transfer"] == "whole"
    assert meta["download_bytes"] == len(wide) and [r.get("Range") for r in server.requests] == ["bytes=-65536", None]
    assert pl.read_parquet(target).equals(local_projection(wide, tmp_path))


def test_exhausted_retries_keep_the_progress_and_the_next_run_resumes(tmp_path, server, wide):
    server.files["models.parquet"] = wide
    server.plan = [None, None, None]  # the tail and two ranges get through, then the server fails
    server.fail_all_with = 503
    with pytest.raises(FetchError, match=r"after 2 attempts, last: HTTP 503; progress kept") as error:
        fetch(tmp_path, server.url("models.parquet"), retries=1)
    assert server.url("models.parquet") in str(error.value)
    part = tmp_path / "raw" / "2025-08-27.parquet.part"
    assert part.exists() and len(yaml.safe_load(state_path(part).read_text())["done"]) == 2
    assert not (tmp_path / "raw" / "2025-08-27.parquet").exists()

    server.fail_all_with = None
    server.reset_counts()
    target, _, meta, _ = fetch(tmp_path, server.url("models.parquet"))
    assert meta["bytes_resumed"] > 0 and meta["bytes_transferred"] == server.bytes_served
    fresh, _, fresh_meta, _ = fetch(tmp_path / "fresh", server.url("models.parquet"))
    assert meta["bytes_transferred"] + meta["bytes_resumed"] == fresh_meta["bytes_transferred"]
    assert pl.read_parquet(target).equals(pl.read_parquet(fresh))
    assert not part.exists() and not state_path(part).exists()


def leave_progress_behind(tmp_path, server, wide) -> None:
    """A projected fetch that fails after its first requests, leaving its sparse copy and progress file."""
    server.files["models.parquet"] = wide
    server.plan = [None, None]
    server.fail_all_with = 503
    with pytest.raises(FetchError):
        fetch(tmp_path, server.url("models.parquet"), retries=0)
    server.fail_all_with = None


def test_progress_for_a_changed_remote_file_is_thrown_away(tmp_path, server, wide):
    leave_progress_behind(tmp_path, server, wide)
    newer = wide_snapshot(ROWS + 10)
    server.files["models.parquet"] = newer
    target, _, meta, _ = fetch(tmp_path, server.url("models.parquet"))
    assert meta["bytes_resumed"] == 0 and meta["rows"] == ROWS + 10
    assert pl.read_parquet(target).equals(local_projection(newer, tmp_path))


def test_a_whole_transfer_does_not_resume_from_a_sparse_copy(tmp_path, server, wide):
    leave_progress_behind(tmp_path, server, wide)
    target, _, meta, _ = fetch(tmp_path, server.url("models.parquet"), transfer="whole")
    assert meta["download_sha256"] == hashlib.sha256(wide).hexdigest()
    assert pl.read_parquet(target).equals(local_projection(wide, tmp_path))


# --- refusals ------------------------------------------------------------------------------------------

def footer_of(data: bytes) -> dict:
    length = footer_length(data[-8:], len(data))
    return decode_struct(data[-8 - length:-8])


def overwrite_footer_start(data: bytes) -> bytes:
    start = len(data) - 8 - footer_length(data[-8:], len(data))
    return data[:start] + b"\xff" * 16 + data[start + 16:]


def corrupt_column(data: bytes, column: str) -> bytes:
    """`data` with the bytes of `column`'s chunk in row group 1 overwritten."""
    layout = parse_footer(data[-8 - footer_length(data[-8:], len(data)):-8], len(data))
    start, end = next(c.ranges[0] for c in layout.chunks if c.column == column and c.row_group == 1)  # the pages
    return data[:start] + bytes((i * 37 + 11) % 256 for i in range(end - start)) + data[end:]


@pytest.mark.parametrize(
    ("damage", "column", "rule", "detail"),
    [
        (lambda data: data[:len(data) // 2], "*", "readable parquet", "truncated"),
        (lambda data: data[:-8] + (10**9).to_bytes(4, "little") + b"PAR1", "*", "readable parquet", "footer claims"),
        (lambda data: overwrite_footer_start(data), "*", "readable parquet", "footer is not readable"),
        (lambda data: corrupt_column(data, "id"), "id", "decodable column data", "cannot be decoded"),
        (lambda data: with_footer_rows(data, ROWS + 1), "*", "row count", f"footer says the file has {ROWS + 1}"),
    ],
    ids=["truncated", "footer-length", "footer-bytes", "column-chunk", "row-count"],
)
def test_a_bad_remote_file_is_refused_naming_file_column_and_rule(tmp_path, server, wide, damage, column, rule, detail):
    server.files["models.parquet"] = damage(wide)
    with pytest.raises(FetchError) as error:
        fetch(tmp_path, server.url("models.parquet"))
    message = str(error.value)
    assert server.url("models.parquet") in message and "2025-08-27.parquet" in message
    assert f"column '{column}' breaks rule '{rule}'" in message and detail in message
    assert list((tmp_path / "raw").iterdir()) == []


def test_a_missing_file_is_a_permanent_error(tmp_path, server):
    with pytest.raises(FetchError, match="HTTP 404") as error:
        fetch(tmp_path, server.url("absent.parquet"))
    assert "removed" in str(error.value) and len(server.requests) == 1


def test_rows_are_checked_against_the_footer(wide):
    meta = footer_of(wide)
    assert meta[3] == ROWS and sum(group[3] for group in meta[4]) == ROWS
    with pytest.raises(LayoutError, match=f"row groups hold {ROWS} rows but the footer says the file has {ROWS - 1}"):
        data = with_footer_rows(wide, ROWS - 1)
        parse_footer(data[-8 - footer_length(data[-8:], len(data)):-8], len(data))


# --- the token --------------------------------------------------------------------------------------------

def test_token_is_sent_but_never_logged_recorded_or_shown(tmp_path, server, wide, monkeypatch, caplog):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    caplog.set_level(logging.DEBUG, logger="hubshare")
    server.files["models.parquet"] = wide
    server.plan = [503, "drop:10"]
    _, meta_path, _, _ = fetch(tmp_path, server.url("models.parquet"))
    assert {request.get("Authorization") for request in server.requests} == {f"Bearer {TOKEN}"}
    assert "HTTP 503" in caplog.text and TOKEN not in caplog.text and TOKEN not in meta_path.read_text()

    server.plan = [None, None]
    server.fail_all_with = 503
    with pytest.raises(FetchError) as error:
        fetch(tmp_path / "again", server.url("models.parquet"), retries=0)
    part = tmp_path / "again" / "raw" / "2025-08-27.parquet.part"
    assert TOKEN not in state_path(part).read_text()
    server.fail_all_with = 401
    with pytest.raises(FetchError, match="HTTP 401") as denied:
        fetch(tmp_path / "denied", server.url("models.parquet"))
    for raised in (error.value, denied.value):
        assert TOKEN not in "".join(traceback.format_exception(raised))
    assert TOKEN not in caplog.text


def test_a_token_inside_an_error_is_redacted(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)

    def leaky(url, headers):
        raise ConnectionError(f"proxy refused header {headers['Authorization']}")

    with pytest.raises(FetchError, match="proxy refused") as error:
        fetch(tmp_path, "https://example.test/models.parquet", opener=leaky, retries=1)
    assert TOKEN not in "".join(traceback.format_exception(error.value)) and "***" in str(error.value)


# --- the pieces ---------------------------------------------------------------------------------------------

def test_range_reader_is_a_seekable_file(server, wide):
    server.files["models.parquet"] = wide
    reader = RangeReader(server.url("models.parquet"), sleep=lambda _: None)
    assert reader.seek(0, 2) == len(wide)
    reader.seek(1000)
    assert reader.read(500) == wide[1000:1500] and reader.tell() == 1500
    reader.seek(-10, 2)
    assert reader.read(100) == wide[-10:] and reader.read(1) == b""
    assert reader.bytes_transferred == 1 + 500 + 10  # the size probe, then exactly what was read


def test_range_reader_stops_when_the_remote_file_changes(server, wide):
    server.files["models.parquet"] = wide
    reader = RangeReader(server.url("models.parquet"), sleep=lambda _: None)
    reader.tail(100)
    server.files["models.parquet"] = wide + b"more"
    with pytest.raises(RangeError, match="changed size"):
        reader.copy(0, 10, lambda chunk: None)


def test_range_header_parsing():
    assert parse_range_header("bytes=0-9", 100) == (0, 10)
    assert parse_range_header("bytes=90-", 100) == (90, 100)
    assert parse_range_header("bytes=-10", 100) == (90, 100)
    assert parse_range_header("bytes=-500", 100) == (0, 100)
    assert parse_range_header("bytes=95-200", 100) == (95, 100)
    assert parse_range_header("bytes=100-", 100) is None


def test_layout_accounts_for_every_byte_and_merges_ranges(wide):
    length = footer_length(wide[-8:], len(wide))
    layout = parse_footer(wide[-8 - length:-8], len(wide))
    assert layout.columns == (*CONTRACT, "siblings", "trendingScore")
    assert layout.row_group_rows == (ROW_GROUP,) * (ROWS // ROW_GROUP)
    in_chunks = sum(layout.column_bytes().values())
    # Magic, chunks with their page indexes, footer, length, magic; the rest is the writer's optional
    # copy of each chunk's metadata after its pages, which no reader needs.
    assert 0.99 * len(wide) < in_chunks + length + 8 + 4 < len(wide)
    assert layout.column_bytes()["siblings"] > 0.8 * len(wide)
    id_chunks = [chunk for chunk in layout.chunks if chunk.column == "id"]
    assert len(id_chunks) == len(layout.row_group_rows)
    ranges = needed_ranges(layout, ["id"])
    assert ranges == sorted([(0, 4), *(span for chunk in id_chunks for span in chunk.ranges)])
    assert len(needed_ranges(layout, ["id"], merge_gap=len(wide))) == 1
    assert merge([(0, 4), (4, 9), (20, 30), (25, 26)]) == [(0, 9), (20, 30)]
    assert merge([(0, 4), (10, 12)], gap=6) == [(0, 12)]


def test_thrift_decoder_refuses_short_input():
    with pytest.raises(ThriftError, match="ends inside"):
        decode_struct(b"\x15\x04\x19")
    assert decode_struct(b"\x15\x04\x18\x02hi\x00") == {1: 2, 2: b"hi"}


# --- a minimal compact-protocol writer, to forge footers ---------------------------------------------------------

def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _zigzag(value: int) -> bytes:
    return _varint((value << 1) ^ (value >> 63))


def _kind(value) -> int:
    if isinstance(value, bool):
        return 1
    return {int: 6, float: 7, bytes: 8, list: 9, dict: 12}[type(value)]


def _encode_value(value) -> bytes:
    if isinstance(value, bool):
        return b"\x01" if value else b"\x02"
    if isinstance(value, int):
        return _zigzag(value)
    if isinstance(value, float):
        return struct.pack("<d", value)
    if isinstance(value, bytes):
        return _varint(len(value)) + value
    if isinstance(value, list):
        kind = _kind(value[0]) if value else 12
        header = bytes([(min(len(value), 15) << 4) | kind]) + (_varint(len(value)) if len(value) >= 15 else b"")
        return header + b"".join(_encode_value(item) for item in value)
    return _encode_struct(value)


def _encode_struct(fields: dict) -> bytes:
    out, last = bytearray(), 0
    for field_id in sorted(fields):
        value = fields[field_id]
        kind = (1 if value else 2) if isinstance(value, bool) else _kind(value)
        delta = field_id - last
        out += bytes([(delta << 4) | kind]) if 0 < delta <= 15 else bytes([kind]) + _zigzag(field_id)
        if not isinstance(value, bool):
            out += _encode_value(value)
        last = field_id
    return bytes(out) + b"\x00"


def with_footer_rows(data: bytes, rows: int) -> bytes:
    """`data` with a re-written footer whose file-level row count is `rows`."""
    length = footer_length(data[-8:], len(data))
    footer = footer_of(data)
    assert decode_struct(_encode_struct(footer)) == footer  # the writer round-trips
    footer[3] = rows
    encoded = _encode_struct(footer)
    return data[:-8 - length] + encoded + len(encoded).to_bytes(4, "little") + b"PAR1"
