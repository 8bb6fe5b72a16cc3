"""Schema'd messages in the history: Avro, Protobuf and JSON Schema messages produced with
confluent-kafka's serializers to a real topic are decoded by the batch consumer's encoding (with
confluent-kafka's deserializers against the schema registry) and loaded into message_history
with their schema ids; what cannot be decoded keeps its bytes and says why. The last test runs
the kafka_batch_consumer DAG itself on such a topic.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from confluent_kafka import Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from conftest import TopicFactory, unique
from schema_registry_support import REGISTRY_URL, RawRegistry, SubjectTracker, message_classes, order_file
from stack_client import AirflowApi, KafkaTool, pg_connect
from test_message_rows import consume_everything
from workbench_pipeline.assets import history_asset_uri
from workbench_pipeline.history_db import HistoryLoader, HistoryTarget
from workbench_pipeline.message_rows import encode_batch
from workbench_pipeline.schema_decoding import NoRegistry, SchemaDecoder

PAYMENT_SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Payment",
        "namespace": "kaw.pytest",
        "fields": [
            {"name": "data_type", "type": "string"},
            {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
            {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
            {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
            {"name": "day", "type": {"type": "int", "logicalType": "date"}},
            {"name": "method", "type": {"type": "enum", "name": "Method", "symbols": ["CARD", "CASH"]}},
            {"name": "payer", "type": {"type": "record", "name": "Payer", "fields": [{"name": "name", "type": "string"}, {"name": "tags", "type": {"type": "array", "items": "string"}}]}},
            {"name": "note", "type": ["null", "string"], "default": None},
            {"name": "raw", "type": "bytes"},
        ],
    }
)
KEY_SCHEMA = json.dumps({"type": "record", "name": "PaymentKey", "namespace": "kaw.pytest", "fields": [{"name": "id", "type": "string"}]})
READING_JSON_SCHEMA = json.dumps(
    {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Reading",
        "type": "object",
        "properties": {"data_type": {"type": "string"}, "sensor": {"type": "string"}, "celsius": {"type": "number"}},
        "required": ["data_type", "sensor", "celsius"],
    }
)


def payment(n: int) -> dict[str, Any]:
    return {
        "data_type": "payment",
        "id": str(uuid.UUID(int=n + 1)),
        "amount": decimal.Decimal(f"{n}.25"),
        "at": dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC),
        "day": dt.date(2026, 1, 2),
        "method": "CASH" if n % 2 else "CARD",
        "payer": {"name": f"payer {n}", "tags": ["a", "b"]},
        "note": None if n % 2 else "first",
        "raw": b"\x00\x01\xff",
    }


def payment_json(n: int) -> dict[str, Any]:
    """What the history holds for payment(n): decimals and times as text, bytes as base64."""
    p = payment(n)
    return {
        **p,
        "amount": f"{n}.25",
        "at": "2026-01-02T03:04:05.678000+00:00",
        "day": "2026-01-02",
        "raw": base64.b64encode(b"\x00\x01\xff").decode(),
    }


@pytest.fixture()
def subjects() -> Iterator[SubjectTracker]:
    raw = RawRegistry()
    tracker = SubjectTracker(raw)
    yield tracker
    tracker.cleanup()
    raw.close()


@pytest.fixture()
def registry() -> SchemaRegistryClient:
    return SchemaRegistryClient({"url": REGISTRY_URL})


@pytest.fixture()
def private_history(history_db: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """A connection on which message_history is a private temp copy of the real table."""
    conn = pg_connect()
    conn.execute("CREATE TEMP TABLE message_history (LIKE public.message_history INCLUDING ALL)")
    yield conn
    conn.close()


def produce_schema_messages(kafka: KafkaTool, topic: str, registry: SchemaRegistryClient, subjects: SubjectTracker) -> dict[str, Any]:
    """Produces (in this order, one partition): 3 Avro payments with Avro keys, a Protobuf Order
    and a Protobuf Refund (message index 1), 2 JSON Schema readings, then the faults: a wire-format
    value with an unknown schema id, a truncated Avro value and a plain JSON value."""
    value_subject, key_subject = subjects.new("hist-payment-value"), subjects.new("hist-payment-key")
    proto_subject, json_subject = subjects.new("hist-order-value"), subjects.new("hist-reading-value")
    value_ctx = SerializationContext(topic, MessageField.VALUE)
    key_ctx = SerializationContext(topic, MessageField.KEY)
    avro_value = AvroSerializer(registry, PAYMENT_SCHEMA, conf={"subject.name.strategy": lambda _c, _n: value_subject})
    avro_key = AvroSerializer(registry, KEY_SCHEMA, conf={"subject.name.strategy": lambda _c, _n: key_subject})
    classes = message_classes(order_file(f"{proto_subject}.proto", "kaw.pytest.history"))
    proto_conf = {"use.deprecated.format": False, "subject.name.strategy": lambda _c, _n: proto_subject}
    json_value = JSONSerializer(READING_JSON_SCHEMA, registry, conf={"subject.name.strategy": lambda _c, _n: json_subject})

    order = classes["Order"](id="o-1", amount_cents=1999, status=1, tags=["gift"], cash_cents=2000)
    order.created_at.FromDatetime(dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    order.lines.add(sku="SKU-9", quantity=2)
    refund = classes["Refund"](order_id="o-1", reason="damaged")

    records: list[tuple[bytes | None, bytes]] = []
    for n in range(3):
        records.append((avro_key({"id": f"p-{n}"}, key_ctx), avro_value(payment(n), value_ctx)))
    records.append((b"o-1", ProtobufSerializer(classes["Order"], registry, proto_conf)(order, value_ctx)))
    records.append((b"o-1", ProtobufSerializer(classes["Refund"], registry, proto_conf)(refund, value_ctx)))
    for n in range(2):
        records.append((f"s-{n}".encode(), json_value({"data_type": "sensor_reading", "sensor": f"s-{n}", "celsius": 20.5 + n}, value_ctx)))
    unknown_id = 2_147_483_000
    records.append((b"bad-id", b"\x00" + unknown_id.to_bytes(4, "big") + b"\x02\x04hi"))
    records.append((b"truncated", records[0][1][:9]))
    records.append((b"plain", b'{"data_type": "order", "plain": true}'))
    producer = Producer({"bootstrap.servers": kafka.brokers})
    for key, value in records:
        producer.produce(topic, key=key, value=value)
    assert producer.flush(30) == 0
    payment_id = registry.get_latest_version(value_subject).schema_id
    return {
        "payment_id": payment_id,
        "key_id": registry.get_latest_version(key_subject).schema_id,
        "proto_id": registry.get_latest_version(proto_subject).schema_id,
        "json_id": registry.get_latest_version(json_subject).schema_id,
        "unknown_id": unknown_id,
        "count": len(records),
    }


HISTORY_COLUMNS = """"offset", key, key_bytes, value_json, value_text, value_bytes, data_type,
                     key_schema_id, value_schema_id, schema_error"""


def check_history_rows(rows: list[tuple[Any, ...]], ids: dict[str, Any]) -> None:
    by_offset = {r[0]: r[1:] for r in rows}
    assert sorted(by_offset) == list(range(ids["count"]))
    for n in range(3):
        key, key_bytes, value_json, value_text, value_bytes, data_type, key_sid, value_sid, error = by_offset[n]
        assert value_json == payment_json(n) and value_text is None and value_bytes is None
        assert json.loads(key) == {"id": f"p-{n}"} and key_bytes is None
        assert (data_type, key_sid, value_sid, error) == ("payment", ids["key_id"], ids["payment_id"], None)
    order = by_offset[3]
    assert order[2] == {
        "id": "o-1",
        "amount_cents": "1999",  # int64 as a string: protobuf's JSON mapping
        "status": "STATUS_NEW",
        "tags": ["gift"],
        "created_at": "2026-01-02T03:04:05Z",
        "lines": [{"sku": "SKU-9", "quantity": 2}],
        "cash_cents": "2000",
    }
    assert (order[0], order[6], order[7], order[8]) == ("o-1", None, ids["proto_id"], None)
    refund = by_offset[4]
    assert refund[2] == {"order_id": "o-1", "reason": "damaged"} and refund[7] == ids["proto_id"]
    for n, offset in enumerate((5, 6)):
        reading = by_offset[offset]
        assert reading[2] == {"data_type": "sensor_reading", "sensor": f"s-{n}", "celsius": 20.5 + n}
        assert (reading[5], reading[7], reading[8]) == ("sensor_reading", ids["json_id"], None)
    bad_id = by_offset[7]
    assert bad_id[2] is None and bytes(bad_id[4]).startswith(b"\x00") and bad_id[7] == ids["unknown_id"]
    assert f"schema id {ids['unknown_id']} is not in the schema registry" in bad_id[8]
    truncated = by_offset[8]
    assert truncated[2] is None and bytes(truncated[4]) and truncated[7] == ids["payment_id"]
    assert "do not decode" in truncated[8] and truncated[8].startswith("value: AVRO")
    plain = by_offset[9]
    assert plain[2] == {"data_type": "order", "plain": True} and plain[5] == "order"
    assert (plain[7], plain[8]) == (None, None)


def test_schema_messages_decode_into_history_with_their_ids(
    kafka: KafkaTool, topics: TopicFactory, registry: SchemaRegistryClient, subjects: SubjectTracker, private_history: psycopg.Connection
) -> None:
    topic = topics.new("schemas", partitions=1)
    ids = produce_schema_messages(kafka, topic, registry, subjects)
    msgs = consume_everything(kafka, topic, ids["count"])
    decoder = SchemaDecoder(REGISTRY_URL)
    batch = encode_batch(msgs, history_asset_uri, dag_id="test_dag", run_id="test_run", decoder=decoder)
    loader = HistoryLoader(private_history, HistoryTarget("127.0.0.1", 5432, "workbench", "workbench"))
    assert loader.load(batch) == ids["count"]
    assert set(batch.by_data_type) == {"payment", "sensor_reading", "order", "unknown"}
    rows = private_history.execute(f'SELECT {HISTORY_COLUMNS} FROM message_history ORDER BY "offset"').fetchall()
    check_history_rows(rows, ids)
    # The strict encoding (the fallback path) gives the same rows.
    strict = encode_batch(msgs, history_asset_uri, dag_id="test_dag", run_id="test_run", decoder=decoder, strict=True)
    assert strict.copy_data == batch.copy_data


def test_registry_down_or_missing_keeps_the_bytes_and_says_why(
    kafka: KafkaTool, topics: TopicFactory, registry: SchemaRegistryClient, subjects: SubjectTracker, private_history: psycopg.Connection
) -> None:
    topic = topics.new("schemas-down", partitions=1)
    ids = produce_schema_messages(kafka, topic, registry, subjects)
    msgs = consume_everything(kafka, topic, ids["count"])
    # Nothing listens on port 9 (discard) here: the registry is unreachable.
    down = SchemaDecoder("http://127.0.0.1:9")
    batch = encode_batch(msgs, history_asset_uri, decoder=down)
    loader = HistoryLoader(private_history, HistoryTarget("127.0.0.1", 5432, "workbench", "workbench"))
    assert loader.load(batch) == ids["count"]
    rows = private_history.execute(f'SELECT {HISTORY_COLUMNS} FROM message_history ORDER BY "offset"').fetchall()
    for row in rows[:9]:
        assert row[3] is None and row[5] is not None, row  # bytes kept
        assert "did not answer" in row[9] and "http://127.0.0.1:9" in row[9], row[9]
    assert rows[0][9].startswith("key: ") and "; value: " in rows[0][9]
    assert rows[9][3] == {"data_type": "order", "plain": True}
    # One request per distinct schema id, not one per message.
    assert down.requests_failed == 5  # key, payment, order, reading, unknown id

    batch = encode_batch(msgs, history_asset_uri, decoder=NoRegistry())
    assert b"no schema registry is configured" in batch.copy_data


def test_kafka_batch_consumer_dag_stores_decoded_messages(
    airflow: AirflowApi, kafka: KafkaTool, topics: TopicFactory, registry: SchemaRegistryClient, subjects: SubjectTracker, history_db: psycopg.Connection
) -> None:
    topic = topics.new("schemas-dag", partitions=1)
    ids = produce_schema_messages(kafka, topic, registry, subjects)
    run_id = unique("schemas")
    airflow.trigger("kafka_batch_consumer", run_id, {"topics": [topic], "group_id": unique("kaw-pytest-schemas"), "batch_size": 4})
    state = airflow.wait_run("kafka_batch_consumer", run_id, timeout=240)
    if state != "success":
        pytest.fail(f"kafka_batch_consumer run {run_id} ended {state}:\n{airflow.task_log('kafka_batch_consumer', run_id, 'consume_and_load')[-4000:]}")
    rows = history_db.execute(f'SELECT {HISTORY_COLUMNS} FROM message_history WHERE topic = %s ORDER BY "offset"', (topic,)).fetchall()
    check_history_rows(rows, ids)
