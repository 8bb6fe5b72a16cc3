"""Turn Kafka messages into ``message_history`` rows, encoded for PostgreSQL ``COPY``.

Pure Python (no Airflow, no database): the batch consumer calls :func:`encode_batch` on each
polled batch and gets back one COPY text buffer plus what it needs afterwards, namely the
offsets to commit per partition and, per data type, the count and offset ranges that go into
the asset events. Everything a message can carry is kept: a value that PostgreSQL would not
accept as ``jsonb`` is stored as text, and bytes that are not UTF-8 are stored as ``bytea``,
so one odd message never blocks a batch.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import msgspec

if TYPE_CHECKING:
    from workbench_pipeline.schema_decoding import Decoded

UNKNOWN_DATA_TYPE = "unknown"
"""The data type of a message whose value has no ``data_type`` field and no such header."""

DATA_TYPE_FIELD = "data_type"
"""The JSON field (and, failing that, the Kafka header) that names a message's data type."""

MAX_DATA_TYPE_LENGTH = 100
"""Longer data types are cut to this many characters (they also become asset URIs)."""

# Kafka timestamps are producer-supplied milliseconds; anything past 9999-12-31 is nonsense (and
# would not fit the text form below): store NULL instead of failing the batch.
_MAX_TIMESTAMP_MS = 253_402_300_799_999
_TIMESTAMP_NOT_AVAILABLE = 0  # confluent_kafka.TIMESTAMP_NOT_AVAILABLE

# Characters PostgreSQL refuses inside jsonb/text (NUL) or cannot encode (lone surrogates).
_PG_UNSAFE_CHARS = re.compile("[\x00\ud800-\udfff]")


class _DataTypeField(msgspec.Struct):
    """Decodes only ``data_type`` of a JSON object; msgspec still checks the whole document."""

    data_type: object = None


# msgspec is strictly stricter than PostgreSQL's jsonb input except for one thing: it accepts the
# escape \u0000, which jsonb refuses; that case goes through the exact check below. (It rejects
# NaN/Infinity, lone surrogates and nesting deeper than Python's recursion limit, as jsonb would
# or with a margin.) ~10x faster than the json module, which matters at 20,000+ messages/s.
_DATA_TYPE_DECODER = msgspec.json.Decoder(_DataTypeField)
_ANY_DECODER = msgspec.json.Decoder()

COPY_COLUMNS: tuple[str, ...] = (
    "topic",
    "partition",
    "offset",
    "key",
    "key_bytes",
    "value_json",
    "value_text",
    "value_bytes",
    "headers",
    "data_type",
    "message_timestamp",
    "consumer_dag_id",
    "consumer_run_id",
    "dataset_uri",
    "key_schema_id",
    "value_schema_id",
    "schema_error",
)
"""The ``message_history`` columns, in order, of the lines :func:`encode_batch` writes (the
others take their defaults: ``id``, and ``consumed_at`` = the load transaction's time)."""

_NULL = "\\N"


HeaderValue = bytes | str | None
Headers = Sequence[tuple[str, HeaderValue]] | Mapping[str, HeaderValue]
"""Kafka headers as confluent-kafka gives them: (key, value) pairs (consumed messages), or a dict."""


def _header_items(headers: Headers | None) -> Iterable[tuple[str, HeaderValue]]:
    if not headers:
        return ()
    return headers.items() if isinstance(headers, Mapping) else headers


class WireFormatDecoder(Protocol):
    """Decodes Confluent wire-format bytes (``workbench_pipeline.schema_decoding``)."""

    def decode(self, topic: str, data: bytes, *, is_key: bool) -> Decoded: ...


class KafkaRecord(Protocol):
    """The part of ``confluent_kafka.Message`` this module reads."""

    def topic(self) -> str | None: ...
    def partition(self) -> int | None: ...
    def offset(self) -> int | None: ...
    def key(self) -> bytes | str | None: ...
    def value(self) -> bytes | str | None: ...
    def headers(self) -> Headers | None: ...
    def timestamp(self) -> tuple[int, int]: ...


@dataclass
class OffsetRange:
    """Offsets of one data type's messages in one partition: first, last (inclusive), count."""

    topic: str
    partition: int
    first_offset: int
    last_offset: int
    count: int

    def to_json(self) -> dict[str, str | int]:
        return {
            "topic": self.topic,
            "partition": self.partition,
            "first_offset": self.first_offset,
            "last_offset": self.last_offset,
            "count": self.count,
        }


@dataclass
class DataTypeStats:
    """What one batch (or one run) saw of one data type."""

    count: int = 0
    ranges: dict[tuple[str, int], OffsetRange] = field(default_factory=dict)

    def merge(self, other: DataTypeStats) -> None:
        """Add another batch's figures (batches of one run are in offset order per partition)."""
        self.count += other.count
        for tp, rng in other.ranges.items():
            mine = self.ranges.get(tp)
            if mine is None:
                self.ranges[tp] = OffsetRange(rng.topic, rng.partition, rng.first_offset, rng.last_offset, rng.count)
            else:
                mine.first_offset = min(mine.first_offset, rng.first_offset)
                mine.last_offset = max(mine.last_offset, rng.last_offset)
                mine.count += rng.count

    def sorted_ranges(self) -> list[OffsetRange]:
        return [self.ranges[tp] for tp in sorted(self.ranges)]


@dataclass
class EncodedBatch:
    """One batch of messages as COPY text, plus the offsets to commit once it is loaded."""

    copy_data: bytes
    row_count: int
    next_offsets: dict[tuple[str, int], int]
    """Per (topic, partition): the highest offset in the batch + 1, i.e. what to commit."""
    by_data_type: dict[str, DataTypeStats]
    first_offsets: dict[tuple[str, int], int] = field(default_factory=dict)

    def describe(self) -> str:
        """'N messages of t[0]@5..9, t[1]@0..3' (for log lines and errors)."""
        parts = [
            f"{t}[{p}]@{self.first_offsets.get((t, p), '?')}..{o - 1}"
            for (t, p), o in sorted(self.next_offsets.items())
        ]
        return f"{self.row_count} messages of {', '.join(parts)}"


@dataclass(frozen=True)
class ClassifiedValue:
    """A message value sorted into the one ``message_history`` column that can hold it."""

    json_text: str | None = None
    text: str | None = None
    raw: bytes | None = None
    parsed: object = None


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON that PostgreSQL accepts")


def _checked_float(text: str) -> float:
    """parse_float: refuse numbers PostgreSQL's numeric cannot hold (huge exponents or lengths)."""
    _, _, exponent = text.lower().partition("e")
    if len(text) > 10_000 or (exponent and abs(int(exponent)) > 100_000):
        raise ValueError(f"number {text[:20]}... is out of PostgreSQL's range")
    return float(text)


# The exact (slower) check: the json module, refusing what jsonb refuses.
_STRICT_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_checked_float)


def _is_pg_safe(obj: object) -> bool:
    """True when no string (key or value) of a parsed JSON document holds NUL or a lone surrogate."""
    if isinstance(obj, str):
        return _PG_UNSAFE_CHARS.search(obj) is None
    if isinstance(obj, dict):
        return all(_is_pg_safe(k) and _is_pg_safe(v) for k, v in obj.items())
    if isinstance(obj, list):
        return all(_is_pg_safe(v) for v in obj)
    return True


def classify_value(raw: bytes | str | None) -> ClassifiedValue:
    """Sort a message value into JSON (jsonb), UTF-8 text, or bytes.

    JSON means: Python's strict parser accepts it AND PostgreSQL's jsonb would too (no NaN or
    Infinity, no ``\\u0000``, no unpaired surrogate escapes). Text means valid UTF-8 without NUL.
    Anything else is kept as bytes. ``None`` (a tombstone) sets no column.
    """
    if raw is None:
        return ClassifiedValue()
    if isinstance(raw, str):
        text = raw
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return ClassifiedValue(raw=raw)
    if "\x00" in text:
        return ClassifiedValue(raw=text.encode("utf-8") if isinstance(raw, str) else raw)
    try:
        parsed = _STRICT_DECODER.decode(text)
    except (ValueError, RecursionError):  # ValueError includes ints longer than 4300 digits
        return ClassifiedValue(text=text)
    # Escapes are the only way to smuggle NUL or a lone surrogate into valid JSON text.
    if "\\u" in text and not _is_pg_safe(parsed):
        return ClassifiedValue(text=text)
    return ClassifiedValue(json_text=text, parsed=parsed)


def _decode_text(raw: bytes | str | None) -> tuple[str | None, bytes | None]:
    """(text, None) for UTF-8 without NUL, (None, bytes) otherwise, (None, None) for None."""
    if raw is None:
        return None, None
    if isinstance(raw, str):
        return (raw, None) if "\x00" not in raw else (None, raw.encode("utf-8"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, raw
    return (text, None) if "\x00" not in text else (None, raw)


def headers_to_json(headers: Headers | None) -> str | None:
    """Kafka headers as a JSON array that jsonb accepts; non-UTF-8 values (and keys) as base64."""
    if not headers:
        return None
    out: list[dict[str, str | None]] = []
    for key, value in _header_items(headers):
        entry: dict[str, str | None] = {}
        if "\x00" in key:
            entry["key_base64"] = base64.b64encode(key.encode("utf-8")).decode("ascii")
        else:
            entry["key"] = key
        text, raw = _decode_text(value)
        if raw is not None:
            entry["value_base64"] = base64.b64encode(raw).decode("ascii")
        else:
            entry["value"] = text
        out.append(entry)
    return json.dumps(out, separators=(",", ":"))


def header_data_type(headers: Headers | None) -> str | None:
    """The value of a ``data_type`` header, when there is one that is usable text."""
    for key, value in _header_items(headers):
        if key == DATA_TYPE_FIELD:
            text, _ = _decode_text(value)
            if text:
                return text
    return None


def data_type_of(parsed_value: object, headers: Headers | None) -> str:
    """The JSON value's ``data_type`` field, else the ``data_type`` header, else ``unknown``."""
    candidate: object = None
    if isinstance(parsed_value, dict):
        candidate = parsed_value.get(DATA_TYPE_FIELD)
    if not isinstance(candidate, str) or not candidate.strip():
        candidate = header_data_type(headers)
    if not isinstance(candidate, str) or not candidate.strip():
        return UNKNOWN_DATA_TYPE
    candidate = candidate.strip()
    if _PG_UNSAFE_CHARS.search(candidate):
        return UNKNOWN_DATA_TYPE
    return candidate[:MAX_DATA_TYPE_LENGTH]


def copy_escape(text: str) -> str:
    """Escape a value for PostgreSQL's COPY text format (backslash, newline, CR, tab)."""
    # Four substring tests are ~15x faster than one regex search over a 500-byte value.
    if "\\" in text or "\n" in text or "\r" in text or "\t" in text:
        return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return text


def copy_bytea(raw: bytes) -> str:
    """A bytea value in COPY text format (hex, with the backslash escaped)."""
    return "\\\\x" + raw.hex()


def _fast_json_data_type(text: str) -> tuple[bool, object]:
    """(is jsonb-safe JSON, the object's ``data_type`` field or None) using msgspec."""
    try:
        field_value = _DATA_TYPE_DECODER.decode(text).data_type
    except msgspec.ValidationError:  # valid so far, but not an object: check the whole value
        try:
            _ANY_DECODER.decode(text)
        except (msgspec.DecodeError, RecursionError):
            return False, None
        field_value = None
    except (msgspec.DecodeError, RecursionError):
        return False, None
    if "\\u0000" in text:  # maybe a NUL escape (or an escaped backslash before "u0000")
        try:
            if not _is_pg_safe(_ANY_DECODER.decode(text)):
                return False, None
        except (msgspec.DecodeError, RecursionError):
            return False, None
    return True, field_value


def _clean_data_type(candidate: object) -> str | None:
    if not isinstance(candidate, str):
        return None
    candidate = candidate.strip()
    if not candidate or _PG_UNSAFE_CHARS.search(candidate):
        return None
    return candidate[:MAX_DATA_TYPE_LENGTH]


def _timestamp_text(ms: int, seconds_cache: dict[int, str]) -> str:
    """Epoch milliseconds as timestamptz text ('2026-01-01 00:00:00.123+00'), seconds cached."""
    seconds, millis = divmod(ms, 1000)
    prefix = seconds_cache.get(seconds)
    if prefix is None:
        prefix = seconds_cache[seconds] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))
    return f"{prefix}.{millis:03d}+00"


def encode_batch(
    messages: Iterable[KafkaRecord],
    uri_for_data_type: Callable[[str], str],
    *,
    dag_id: str = "",
    run_id: str = "",
    strict: bool = False,
    decoder: WireFormatDecoder | None = None,
) -> EncodedBatch:
    """Encode polled messages (no error messages among them) as COPY lines of ``COPY_COLUMNS``.

    ``uri_for_data_type`` names the asset (dataset) URI that rows of a data type belong to;
    it is called once per data type per batch. ``dag_id``/``run_id`` name the consumer run.
    ``strict`` checks every JSON value with the json module (slower, the fallback when
    PostgreSQL refused a value of the fast path).
    ``decoder`` decodes keys and values in the Confluent wire format (magic byte 0, schema id):
    the decoded JSON goes to ``value_json`` (a key's to ``key``) with the schema id in
    ``value_schema_id`` / ``key_schema_id``; what cannot be decoded keeps its bytes and
    ``schema_error`` says why. Without a decoder such bytes are stored as bytes, as before.
    """
    run_columns = f"{copy_escape(dag_id) if dag_id else _NULL}\t{copy_escape(run_id) if run_id else _NULL}"
    seconds_cache: dict[int, str] = {}
    lines: list[str] = []
    next_offsets: dict[tuple[str, int], int] = {}
    stats: dict[str, DataTypeStats] = {}
    uri_cache: dict[str, str] = {}
    partition_text: dict[tuple[str, int], str] = {}
    first_offsets: dict[tuple[str, int], int] = {}
    escape = copy_escape
    for msg in messages:
        topic = msg.topic() or ""
        partition = msg.partition()
        offset = msg.offset()
        if partition is None or offset is None:
            raise ValueError(f"message from topic {topic!r} has no partition/offset; it cannot be stored")
        tp = (topic, partition)
        prefix = partition_text.get(tp)
        if prefix is None:
            prefix = partition_text[tp] = f"{topic}\t{partition}\t"
            first_offsets[tp] = offset

        # Value -> exactly one of value_json / value_text / value_bytes.
        raw_value = msg.value()
        value_json = value_text = value_bytes = key_schema_id = value_schema_id = _NULL
        schema_errors: list[str] = []
        field_value: object = None
        if raw_value is not None:
            text: str | None
            if isinstance(raw_value, bytes):
                try:
                    text = raw_value.decode("utf-8")
                except UnicodeDecodeError:
                    text = None
            else:
                text = raw_value
            if decoder is not None and isinstance(raw_value, bytes) and len(raw_value) >= 5 and raw_value[0] == 0:
                decoded = decoder.decode(topic, raw_value, is_key=False)
                value_schema_id = str(decoded.schema_id)
                if decoded.json_text is not None:
                    value_json = escape(decoded.json_text)
                    if isinstance(decoded.parsed, dict):
                        field_value = decoded.parsed.get(DATA_TYPE_FIELD)
                else:
                    value_bytes = copy_bytea(raw_value)
                    schema_errors.append(f"value: {decoded.error}")
            elif text is None or "\x00" in text:
                value_bytes = copy_bytea(raw_value if isinstance(raw_value, bytes) else raw_value.encode("utf-8"))
            elif strict:
                classified = classify_value(text)
                if classified.json_text is not None:
                    value_json = escape(text)
                    if isinstance(classified.parsed, dict):
                        field_value = classified.parsed.get(DATA_TYPE_FIELD)
                else:
                    value_text = escape(text)
            else:
                is_json, field_value = _fast_json_data_type(text)
                if is_json:
                    value_json = escape(text)
                else:
                    value_text = escape(text)

        headers = msg.headers()
        # From msgspec/json a string holds no NUL or lone surrogate: only trim and cut it.
        data_type = field_value.strip()[:MAX_DATA_TYPE_LENGTH] if type(field_value) is str else None
        if not data_type:
            data_type = _clean_data_type(header_data_type(headers)) if headers else None
            if data_type is None:
                data_type = UNKNOWN_DATA_TYPE

        raw_key = msg.key()
        key_text = key_bytes = _NULL
        if decoder is not None and isinstance(raw_key, bytes) and len(raw_key) >= 5 and raw_key[0] == 0:
            decoded_key = decoder.decode(topic, raw_key, is_key=True)
            key_schema_id = str(decoded_key.schema_id)
            if decoded_key.json_text is not None:
                key_text = escape(decoded_key.json_text)
            else:
                key_bytes = copy_bytea(raw_key)
                schema_errors.insert(0, f"key: {decoded_key.error}")
        elif raw_key is not None:
            key_str, key_raw = _decode_text(raw_key)
            if key_str is not None:
                key_text = escape(key_str)
            elif key_raw is not None:
                key_bytes = copy_bytea(key_raw)
        headers_json = headers_to_json(headers) if headers else None
        ts_type, ts_ms = msg.timestamp()
        timestamp = (
            _timestamp_text(ts_ms, seconds_cache)
            if ts_type != _TIMESTAMP_NOT_AVAILABLE and 0 <= ts_ms <= _MAX_TIMESTAMP_MS
            else _NULL
        )

        uri = uri_cache.get(data_type)
        if uri is None:
            uri = uri_cache[data_type] = escape(uri_for_data_type(data_type))

        lines.append(
            f"{prefix}{offset}\t{key_text}\t{key_bytes}\t{value_json}\t{value_text}\t{value_bytes}\t"
            f"{_NULL if headers_json is None else escape(headers_json)}\t{escape(data_type)}\t{timestamp}\t"
            f"{run_columns}\t{uri}\t{key_schema_id}\t{value_schema_id}\t"
            f"{escape('; '.join(schema_errors)) if schema_errors else _NULL}"
        )

        if offset >= next_offsets.get(tp, 0):
            next_offsets[tp] = offset + 1
        st = stats.get(data_type)
        if st is None:
            st = stats[data_type] = DataTypeStats()
        st.count += 1
        rng = st.ranges.get(tp)
        if rng is None:
            st.ranges[tp] = OffsetRange(topic, partition, offset, offset, 1)
        else:
            rng.first_offset = min(rng.first_offset, offset)
            rng.last_offset = max(rng.last_offset, offset)
            rng.count += 1

    data = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    return EncodedBatch(
        copy_data=data, row_count=len(lines), next_offsets=next_offsets, by_data_type=stats, first_offsets=first_offsets
    )
