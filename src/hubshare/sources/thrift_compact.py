"""A reader of the Thrift compact protocol, enough to decode a parquet footer.

Parquet stores its footer (`FileMetaData`) as a Thrift struct in the compact
protocol. `decode_struct` turns such bytes into nested dicts keyed by field id
(lists become Python lists, binary fields stay `bytes`), so the caller picks
the fields it knows and ignores the rest, as Thrift readers do. Only decoding
is needed: the footer is read, never written.
"""

from __future__ import annotations

import struct
from typing import Any

STOP, TRUE, FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT, UUID = range(14)
MAX_DEPTH = 64


class ThriftError(ValueError):
    """Bytes that are not a well-formed compact-protocol struct."""


def decode_struct(data: bytes) -> dict[int, Any]:
    """Decode one struct from the start of `data`; raises `ThriftError` on malformed or short input."""
    reader = _Reader(memoryview(data))
    try:
        return reader.struct(0)
    except IndexError:
        raise ThriftError(f"input ends inside a struct (at byte {reader.pos} of {len(data)})") from None


class _Reader:
    def __init__(self, data: memoryview):
        self.data, self.pos = data, 0

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def varint(self) -> int:
        result = shift = 0
        while True:
            value = self.byte()
            result |= (value & 0x7F) << shift
            if not value & 0x80:
                return result
            shift += 7
            if shift > 70:
                raise ThriftError(f"varint longer than 10 bytes at byte {self.pos}")

    def zigzag(self) -> int:
        value = self.varint()
        return (value >> 1) ^ -(value & 1)

    def take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise ThriftError(f"field of {size} bytes at byte {self.pos} runs past the end ({len(self.data)} bytes)")
        chunk = bytes(self.data[self.pos:self.pos + size])
        self.pos += size
        return chunk

    def value(self, kind: int, depth: int) -> Any:
        if kind in (TRUE, FALSE):  # inside a list a bool is a whole byte: 1 true, anything else false
            return kind == TRUE
        if kind == BYTE:
            return struct.unpack("b", self.take(1))[0]
        if kind in (I16, I32, I64):
            return self.zigzag()
        if kind == DOUBLE:
            return struct.unpack("<d", self.take(8))[0]
        if kind == BINARY:
            return self.take(self.varint())
        if kind == UUID:
            return self.take(16)
        if kind in (LIST, SET):
            return self.sequence(depth)
        if kind == MAP:
            return self.mapping(depth)
        if kind == STRUCT:
            return self.struct(depth + 1)
        raise ThriftError(f"unknown compact type {kind} at byte {self.pos}")

    def sequence(self, depth: int) -> list:
        header = self.byte()
        size, kind = header >> 4, header & 0x0F
        if size == 15:
            size = self.varint()
        if size > len(self.data) - self.pos and kind not in (TRUE, FALSE):
            raise ThriftError(f"list of {size} items at byte {self.pos} cannot fit in the input")
        if kind in (TRUE, FALSE):
            return [self.byte() == 1 for _ in range(size)]
        return [self.value(kind, depth) for _ in range(size)]

    def mapping(self, depth: int) -> dict:
        size = self.varint()
        if not size:
            return {}
        kinds = self.byte()
        key_kind, value_kind = kinds >> 4, kinds & 0x0F
        return {self._key(self.value(key_kind, depth)): self.value(value_kind, depth) for _ in range(size)}

    @staticmethod
    def _key(key: Any) -> Any:
        return tuple(key) if isinstance(key, list) else key

    def struct(self, depth: int) -> dict[int, Any]:
        if depth > MAX_DEPTH:
            raise ThriftError(f"structs nested deeper than {MAX_DEPTH} levels")
        fields: dict[int, Any] = {}
        last = 0
        while True:
            header = self.byte()
            kind = header & 0x0F
            if kind == STOP:
                return fields
            delta = header >> 4
            field_id = last + delta if delta else self.zigzag()
            fields[field_id] = self.value(kind, depth)
            last = field_id
