"""Message -> row encoding, and loading awkward messages into a real PostgreSQL.

The first group checks the pure classification rules; the second loads every awkward case
through HistoryLoader into a session-private copy of message_history (a temp table of the same
definition shadows the real one), so PostgreSQL itself says whether the COPY encoding holds.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, Producer, TopicPartition

from conftest import TopicFactory
from stack_client import KafkaTool, pg_connect
from workbench_pipeline.assets import history_asset_uri
from workbench_pipeline.history_db import HistoryLoader, HistoryTarget
from workbench_pipeline.message_rows import (
    ClassifiedValue,
    classify_value,
    data_type_of,
    encode_batch,
    headers_to_json,
)


@dataclass
class UnproducibleTimestampMessage:
    """A message with a timestamp a real broker refuses to store (none, or after year 9999).

    Kafka 4 stamps every record and rejects timestamps more than an hour ahead, so these two
    cases cannot be produced for real; everything else in this file goes through Kafka.
    """

    timestamp_: tuple[int, int]
    offset_: int

    def topic(self) -> str:
        return "kaw-pytest-unproducible"

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return self.offset_

    def key(self) -> None:
        return None

    def value(self) -> bytes:
        return b'{"data_type":"order"}'

    def headers(self) -> None:
        return None

    def timestamp(self) -> tuple[int, int]:
        return self.timestamp_


def consume_everything(kafka: KafkaTool, topic: str, expected: int) -> list[Message]:
    """All messages of a topic, read from the beginning without a group commit."""
    consumer = Consumer(
        {"bootstrap.servers": kafka.brokers, "group.id": "kaw-pytest-reader", "enable.auto.commit": False}
    )
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(kafka.partitions(topic))])
        got: list[Message] = []
        deadline = time.monotonic() + 30
        while len(got) < expected and time.monotonic() < deadline:
            got.extend(m for m in consumer.consume(expected - len(got), timeout=1) if m.error() is None)
        assert len(got) == expected, f"read {len(got)} of {expected} messages from {topic}"
        return got
    finally:
        consumer.close()


# --- classification ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "column"),
    [
        (b'{"data_type":"order","n":1}', "json"),
        (b"[1, 2, 3]", "json"),
        (b'"just a string"', "json"),
        (b"plain text, not JSON", "text"),
        (b'{"price": NaN}', "text"),  # Python parses NaN, jsonb does not
        (b'{"x": Infinity}', "text"),
        (b'{"s": "nul \\u0000 inside"}', "text"),  # jsonb rejects \u0000
        (b'{"s": "lone \\ud800 surrogate"}', "text"),
        (b'{"s": "pair \\ud83d\\ude00 ok"}', "json"),
        (b"\xff\xfe\x00binary", "bytes"),
        (b"text with a NUL \x00 byte", "bytes"),
        (b"[" * 5000 + b"]" * 5000, "text"),  # deeper than Python's parser goes
    ],
)
def test_value_goes_to_the_column_postgres_accepts(raw: bytes, column: str) -> None:
    v = classify_value(raw)
    got = (
        "json" if v.json_text is not None else "text" if v.text is not None else "bytes" if v.raw is not None else None
    )
    assert got == column


def test_tombstone_sets_no_value_column() -> None:
    assert classify_value(None) == ClassifiedValue()


@pytest.mark.parametrize(
    ("parsed", "headers", "expected"),
    [
        ({"data_type": "payment"}, None, "payment"),
        ({"data_type": "payment"}, [("data_type", b"user")], "payment"),  # the value wins
        ({"no": "type"}, [("data_type", b"user")], "user"),
        ("not an object", [("data_type", b"page_view")], "page_view"),
        ({"data_type": 7}, None, "unknown"),
        ({"data_type": "  "}, None, "unknown"),
        (None, [("data_type", b"\xff")], "unknown"),
        ({"data_type": "x" * 300}, None, "x" * 100),
    ],
)
def test_data_type_comes_from_the_value_then_a_header(
    parsed: object, headers: list[tuple[str, bytes]] | None, expected: str
) -> None:
    assert data_type_of(parsed, headers) == expected


def test_headers_keep_binary_values_as_base64() -> None:
    encoded = json.loads(headers_to_json([("trace", b"abc"), ("bin", b"\xff\x00"), ("empty", None)]) or "null")
    assert encoded == [
        {"key": "trace", "value": "abc"},
        {"key": "bin", "value_base64": base64.b64encode(b"\xff\x00").decode()},
        {"key": "empty", "value": None},
    ]


def test_batch_tracks_offsets_to_commit_and_ranges_per_data_type(kafka: KafkaTool, topics: TopicFactory) -> None:
    topic = topics.new("ranges", partitions=3)
    order, user = (None, b'{"data_type":"order"}', None), (None, b'{"data_type":"user"}', None)
    # Round-robin over 3 partitions: order p0@0, order p1@0, order p2@0, user p0@1, order p1@1.
    kafka.produce(topic, [order, order, order, user, order], partitions=3)
    msgs = consume_everything(kafka, topic, 5)
    batch = encode_batch(msgs, history_asset_uri)
    assert batch.row_count == 5
    assert batch.next_offsets == {(topic, 0): 2, (topic, 1): 2, (topic, 2): 1}
    assert batch.next_offsets == {(topic, p): o for p, o in kafka.end_offsets(topic).items()}
    ranges = {
        dt: [(r.partition, r.first_offset, r.last_offset, r.count) for r in st.sorted_ranges()]
        for dt, st in batch.by_data_type.items()
    }
    assert ranges == {"order": [(0, 0, 0, 1), (1, 0, 1, 2), (2, 0, 0, 1)], "user": [(0, 1, 1, 1)]}
    assert batch.by_data_type["order"].count == 4


# --- loading into PostgreSQL ------------------------------------------------------------------

AWKWARD: list[tuple[bytes | None, bytes | None, list[tuple[str, bytes | None]] | None]] = [
    (b"k-json", b'{"data_type":"order","text":"tab\\tnewline\\nbackslash\\\\ quote\\" \\u00e9\\ud83d\\ude00"}', None),
    (b"k-raw-tab", b'{"data_type":"user","raw":"a\tb"}'.replace(b"\t", b" \t "), None),  # invalid JSON: raw tab
    (b"k-pretty", b'{\n  "data_type": "page_view",\r\n  "x": 1\n}', [("h\tkey", b"v\nv")]),
    (b"k-nan", b'{"data_type":"payment","amount":NaN}', [("data_type", b"payment")]),
    (b"k-nul-escape", b'{"data_type":"order","s":"\\u0000"}', None),
    (b"k-nul-byte", b"nul\x00byte", [("data_type", b"sensor_reading")]),
    (b"\xff\xfe-binary-key", b"\xc3\x28 invalid utf-8", [("bin", b"\x00\x01\xff")]),
    (None, None, None),  # tombstone
    (b"k-backslash-text", b"C:\\path\\to\\file \\N not null", None),
    (b"k-unicode", "data_type: ünïcødé 漢字 \u2028".encode(), [("data_type", "ünï".encode())]),
]


@pytest.fixture
def private_history(history_db: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """A connection on which message_history is a private temp copy of the real table."""
    conn = pg_connect()
    conn.execute("CREATE TEMP TABLE message_history (LIKE public.message_history INCLUDING ALL)")
    yield conn
    conn.close()


def test_awkward_messages_load_exactly_and_twice_is_once(
    kafka: KafkaTool, topics: TopicFactory, private_history: psycopg.Connection
) -> None:
    topic = topics.new("awkward", partitions=1)
    kafka.produce(topic, AWKWARD)
    msgs = consume_everything(kafka, topic, len(AWKWARD))
    batch = encode_batch(msgs, history_asset_uri, dag_id="test_dag", run_id="test_run")
    loader = HistoryLoader(private_history, HistoryTarget("127.0.0.1", 5432, "workbench", "workbench"))

    assert loader.load(batch) == len(AWKWARD)
    assert (loader.fast_loads, loader.merge_loads) == (1, 0)  # all new: COPY straight in
    assert loader.load(batch) == 0  # the same batch again: nothing new
    assert (loader.fast_loads, loader.merge_loads) == (1, 1)

    rows = private_history.execute(
        """SELECT "offset", key, key_bytes, value_json::text, value_text, value_bytes, headers, data_type,
                  message_timestamp, dataset_uri, consumer_run_id
           FROM message_history ORDER BY "offset" """
    ).fetchall()
    assert len(rows) == len(AWKWARD)
    by_offset = {r[0]: r for r in rows}

    for offset, (key, value, _headers) in enumerate(AWKWARD):
        _, key_text, key_bytes, value_json, value_text, value_bytes, _h, _dt, _ts, _uri, run_id = by_offset[offset]
        assert run_id == "test_run"
        # Nothing lost: whatever column it landed in, the original bytes come back.
        if key is None:
            assert key_text is None and key_bytes is None
        else:
            assert (key_text.encode() if key_text is not None else bytes(key_bytes)) == key
        stored = [c for c in (value_json, value_text, value_bytes) if c is not None]
        if value is None:
            assert stored == []
            continue
        assert len(stored) == 1, f"offset {offset}: exactly one value column must be set"
        if value_json is not None:
            assert json.loads(value_json) == json.loads(value)
        elif value_text is not None:
            assert value_text.encode() == value
        else:
            assert bytes(value_bytes) == value

    assert by_offset[0][3] is not None  # escapes, emoji: still jsonb
    assert by_offset[3][4] is not None and by_offset[3][7] == "payment"  # NaN: text, header type
    assert by_offset[4][4] is not None  # \u0000: text
    assert by_offset[5][5] is not None and by_offset[5][7] == "sensor_reading"
    assert by_offset[6][2] is not None and by_offset[6][5] is not None
    assert by_offset[6][6] == [{"key": "bin", "value_base64": base64.b64encode(b"\x00\x01\xff").decode()}]
    assert by_offset[2][6] == [{"key": "h\tkey", "value": "v\nv"}]
    assert by_offset[0][8] is not None  # the broker's timestamp
    assert by_offset[0][9] == "workbench://message-history/order"
    assert by_offset[9][7] == "ünï" and by_offset[9][9] == "workbench://message-history/%C3%BCn%C3%AF"


def test_timestamps_kafka_cannot_store_become_null(private_history: psycopg.Connection) -> None:
    msgs = [UnproducibleTimestampMessage((0, -1), 0), UnproducibleTimestampMessage((1, 10**15), 1)]
    batch = encode_batch(msgs, history_asset_uri)
    loader = HistoryLoader(private_history, HistoryTarget("127.0.0.1", 5432, "workbench", "workbench"))
    assert loader.load(batch) == 2
    stamps = private_history.execute('SELECT message_timestamp FROM message_history ORDER BY "offset"').fetchall()
    assert stamps == [(None,), (None,)]


def test_an_overlapping_batch_adds_only_the_new_rows_with_exact_timestamps(
    kafka: KafkaTool, topics: TopicFactory, private_history: psycopg.Connection
) -> None:
    topic = topics.new("overlap", partitions=1)
    producer = Producer({"bootstrap.servers": kafka.brokers})
    base_ms = 1_767_225_600_123  # 2026-01-01T00:00:00.123Z
    for n in range(8):
        producer.produce(topic, key=f"k{n}", value=b'{"data_type": "order"}', timestamp=base_ms + n * 1001)
    assert producer.flush(30) == 0
    msgs = consume_everything(kafka, topic, 8)
    loader = HistoryLoader(private_history, HistoryTarget("127.0.0.1", 5432, "workbench", "workbench"))

    assert loader.load(encode_batch(msgs[:5], history_asset_uri, run_id="first")) == 5
    assert loader.load(encode_batch(msgs[3:], history_asset_uri, run_id="second")) == 3  # offsets 5, 6, 7
    assert (loader.fast_loads, loader.merge_loads) == (1, 1)

    rows = private_history.execute(
        'SELECT "offset", consumer_run_id, message_timestamp FROM message_history ORDER BY "offset"'
    ).fetchall()
    assert [r[0] for r in rows] == list(range(8))
    assert [r[1] for r in rows] == ["first"] * 5 + ["second"] * 3
    start = datetime(2026, 1, 1, 0, 0, 0, 123_000, tzinfo=UTC)
    assert [r[2] for r in rows] == [start + timedelta(milliseconds=n * 1001) for n in range(8)]
