"""Conformance of the schema registry with the Confluent Schema Registry REST API.

Driven through the official Python client (confluent-kafka's SchemaRegistryClient and its
Avro/Protobuf/JSON Schema serializers) and plain HTTP for status codes and error bodies; every
plain-HTTP response is checked against Confluent's published OpenAPI description (fixture).
Runs against KAW_SCHEMA_REGISTRY_URL (default the native stack's local registry), so the same
suite runs against Confluent's registry (Compose profile `schemas`).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka.schema_registry import Schema, SchemaReference, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pb2

from schema_registry_support import (
    MEDIA_TYPE,
    REGISTRY_URL,
    RawRegistry,
    SubjectTracker,
    check_against_openapi,
    message_classes,
    order_file,
)

START_HINT = "start it with: bash stack/native/stack.sh up schema-registry"


def avro_record(name: str, *fields: dict[str, Any], namespace: str = "kaw.test") -> str:
    return json.dumps({"type": "record", "name": name, "namespace": namespace, "fields": list(fields)})


USER_V1 = avro_record("User", {"name": "name", "type": "string"}, {"name": "age", "type": "int"})
USER_V2_NO_DEFAULT = avro_record("User", {"name": "name", "type": "string"}, {"name": "age", "type": "int"}, {"name": "email", "type": "string"})
USER_V2_DEFAULT = avro_record(
    "User", {"name": "name", "type": "string"}, {"name": "age", "type": "int"}, {"name": "email", "type": ["null", "string"], "default": None}
)


@pytest.fixture(scope="module")
def raw() -> Iterator[RawRegistry]:
    registry = RawRegistry()
    try:
        registry.request("GET", "/subjects").raise_for_status()
    except Exception as err:  # noqa: BLE001  # any failure means the same: not reachable
        pytest.fail(f"the schema registry at {REGISTRY_URL} does not answer ({err}); {START_HINT}", pytrace=False)
    yield registry
    registry.close()


@pytest.fixture(scope="module")
def is_local(raw: RawRegistry) -> bool:
    """The stack's local registry (it says so on /health); Confluent's has no /health."""
    r = raw.request("GET", "/health")
    return r.status_code == 200 and r.json().get("development_tool") is True


@pytest.fixture()
def client() -> SchemaRegistryClient:
    # A fresh client per test: its caches would otherwise hide the registry's answers.
    return SchemaRegistryClient({"url": REGISTRY_URL})


@pytest.fixture()
def subjects(raw: RawRegistry) -> Iterator[SubjectTracker]:
    tracker = SubjectTracker(raw)
    yield tracker
    tracker.cleanup()


def registry_error(excinfo: pytest.ExceptionInfo[SchemaRegistryError]) -> tuple[int, int, str]:
    err = excinfo.value
    return err.http_status_code, err.error_code, err.error_message


# ---------------------------------------------------------------------------------------------
# Schemas, subjects, versions
# ---------------------------------------------------------------------------------------------


def test_schema_types_lists_avro_json_protobuf(raw: RawRegistry, client: SchemaRegistryClient) -> None:
    assert set(client.get_schema_types()) == {"AVRO", "JSON", "PROTOBUF"}
    check_against_openapi("GET", "/schemas/types", raw.request("GET", "/schemas/types"))


def test_register_avro_then_read_it_back_every_way(raw: RawRegistry, client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    subject = subjects.new("avro-user")
    schema_id = client.register_schema(subject, Schema(USER_V1, "AVRO"))

    fetched = client.get_schema(schema_id)
    assert fetched.schema_type == "AVRO"
    assert json.loads(fetched.schema_str) == json.loads(USER_V1)

    latest = client.get_latest_version(subject)
    assert (latest.subject, latest.version, latest.schema_id) == (subject, 1, schema_id)
    assert client.get_version(subject, 1).schema_id == schema_id
    assert client.get_versions(subject) == [1]
    assert subject in client.get_subjects()
    assert subject in client.get_subjects_by_schema_id(schema_id)
    assert any(v.subject == subject and v.version == 1 for v in client.get_schema_versions(schema_id))
    looked_up = client.lookup_schema(subject, Schema(USER_V1, "AVRO"))
    assert (looked_up.schema_id, looked_up.version) == (schema_id, 1)

    body = check_against_openapi("GET", "/subjects/{subject}/versions/{version}", raw.request("GET", f"/subjects/{subject}/versions/latest"))
    assert (body["subject"], body["version"], body["id"]) == (subject, 1, schema_id)
    body = check_against_openapi("GET", "/schemas/ids/{id}", raw.request("GET", f"/schemas/ids/{schema_id}"))
    assert json.loads(body["schema"]) == json.loads(USER_V1)
    assert check_against_openapi("GET", "/subjects/{subject}/versions", raw.request("GET", f"/subjects/{subject}/versions")) == [1]
    assert subject in check_against_openapi("GET", "/subjects", raw.request("GET", "/subjects"))
    assert subject in check_against_openapi("GET", "/schemas/ids/{id}/subjects", raw.request("GET", f"/schemas/ids/{schema_id}/subjects"))
    versions = check_against_openapi("GET", "/schemas/ids/{id}/versions", raw.request("GET", f"/schemas/ids/{schema_id}/versions"))
    assert {"subject": subject, "version": 1} in versions
    body = check_against_openapi("POST", "/subjects/{subject}", raw.request("POST", f"/subjects/{subject}", {"schema": USER_V1}))
    assert (body["id"], body["version"]) == (schema_id, 1)
    text = raw.request("GET", f"/subjects/{subject}/versions/1/schema")
    assert text.status_code == 200 and json.loads(text.text) == json.loads(USER_V1)
    text = raw.request("GET", f"/schemas/ids/{schema_id}/schema")
    assert text.status_code == 200 and json.loads(text.text) == json.loads(USER_V1)
    listed = check_against_openapi("GET", "/schemas", raw.request("GET", "/schemas", subjectPrefix=subject))
    assert [(s["subject"], s["version"], s["id"]) for s in listed] == [(subject, 1, schema_id)]


def test_same_schema_keeps_its_id_within_and_across_subjects(raw: RawRegistry, client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    first, second = subjects.new("dedupe-a"), subjects.new("dedupe-b")
    schema_id = client.register_schema(first, Schema(USER_V1, "AVRO"))
    # Re-registering (also with other whitespace) returns the same id and adds no version.
    body = check_against_openapi("POST", "/subjects/{subject}/versions", raw.request("POST", f"/subjects/{first}/versions", {"schema": json.dumps(json.loads(USER_V1), indent=2)}))
    assert body["id"] == schema_id
    assert client.get_versions(first) == [1]
    assert SchemaRegistryClient({"url": REGISTRY_URL}).register_schema(second, Schema(USER_V1, "AVRO")) == schema_id
    assert sorted(client.get_subjects_by_schema_id(schema_id)) == sorted([first, second])
    other = client.register_schema(second, Schema(USER_V2_DEFAULT, "AVRO"))
    assert other != schema_id
    assert client.get_versions(second) == [1, 2]


def test_lookup_of_an_unregistered_schema_and_subject(raw: RawRegistry, client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    subject = subjects.new("lookup")
    client.register_schema(subject, Schema(USER_V1, "AVRO"))
    r = raw.request("POST", f"/subjects/{subject}", {"schema": USER_V2_DEFAULT})
    assert r.status_code == 404 and check_against_openapi("POST", "/subjects/{subject}", r)["error_code"] == 40403
    r = raw.request("POST", f"/subjects/{subject}-missing", {"schema": USER_V1})
    assert r.status_code == 404 and check_against_openapi("POST", "/subjects/{subject}", r)["error_code"] == 40401


# ---------------------------------------------------------------------------------------------
# Errors: Confluent's codes and bodies
# ---------------------------------------------------------------------------------------------


def test_not_found_and_invalid_input_errors(raw: RawRegistry, client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    subject = subjects.new("errors")
    client.register_schema(subject, Schema(USER_V1, "AVRO"))
    cases = [
        ("GET", "/subjects/{subject}/versions", f"/subjects/{subject}-none/versions", None, 404, 40401),
        ("GET", "/subjects/{subject}/versions/{version}", f"/subjects/{subject}/versions/7", None, 404, 40402),
        ("GET", "/subjects/{subject}/versions/{version}", f"/subjects/{subject}/versions/0", None, 422, 42202),
        ("GET", "/subjects/{subject}/versions/{version}", f"/subjects/{subject}/versions/one", None, 422, 42202),
        ("GET", "/schemas/ids/{id}", "/schemas/ids/2147480000", None, 404, 40403),
        ("POST", "/subjects/{subject}/versions", f"/subjects/{subject}/versions", {"schema": '{"type": "recrd", "name": "X"}'}, 422, 42201),
        ("POST", "/subjects/{subject}/versions", f"/subjects/{subject}/versions", {"schema": "{not json"}, 422, 42201),
        ("POST", "/subjects/{subject}/versions", f"/subjects/{subject}/versions", {"schema": USER_V1, "schemaType": "XML"}, 422, 42201),
        ("PUT", "/config/{subject}", f"/config/{subject}", {"compatibility": "SIDEWAYS"}, 422, 42203),
        ("PUT", "/mode/{subject}", f"/mode/{subject}", {"mode": "WRITEONLY"}, 422, 42204),
    ]
    for method, template, path, body, status, code in cases:
        r = raw.request(method, path, body)
        assert (r.status_code, r.json().get("error_code")) == (status, code), f"{method} {path}: {r.status_code} {r.text}"
        assert r.json()["message"], f"{method} {path}: empty message"
        check_against_openapi(method, template, r)
    with pytest.raises(SchemaRegistryError) as excinfo:
        client.get_version(subject, 9)
    assert registry_error(excinfo)[:2] == (404, 40402)
    with pytest.raises(SchemaRegistryError) as excinfo:
        client.register_schema(subject, Schema('{"type": "enum", "name": "E", "symbols": ["A", "A"]}', "AVRO"))
    assert registry_error(excinfo)[:2] == (422, 42201)


# ---------------------------------------------------------------------------------------------
# Avro compatibility (Apache Avro's own checker in the local registry)
# ---------------------------------------------------------------------------------------------


def test_backward_refuses_a_new_field_without_default(raw: RawRegistry, client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    subject = subjects.new("backward")
    client.set_compatibility(subject, "BACKWARD")
    client.register_schema(subject, Schema(USER_V1, "AVRO"))
    assert client.test_compatibility(subject, Schema(USER_V2_NO_DEFAULT, "AVRO")) is False
    r = raw.request("POST", f"/compatibility/subjects/{subject}/versions/latest", {"schema": USER_V2_NO_DEFAULT}, verbose="true")
    body = check_against_openapi("POST", "/compatibility/subjects/{subject}/versions/{version}", r)
    assert body["is_compatible"] is False
    assert any("email" in m for m in body["messages"]), body["messages"]
    with pytest.raises(SchemaRegistryError) as excinfo:
        client.register_schema(subject, Schema(USER_V2_NO_DEFAULT, "AVRO"))
    status, code, message = registry_error(excinfo)
    assert status == 409 and code in (409, 40901) and "incompatible" in message
    assert client.test_compatibility(subject, Schema(USER_V2_DEFAULT, "AVRO")) is True
    assert client.register_schema(subject, Schema(USER_V2_DEFAULT, "AVRO")) > 0
    assert client.get_versions(subject) == [1, 2]


def test_forward_and_full(client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    forward = subjects.new("forward")
    client.set_compatibility(forward, "FORWARD")
    client.register_schema(forward, Schema(USER_V1, "AVRO"))
    # Removing a field without a default: old readers cannot read the new data.
    without_age = avro_record("User", {"name": "name", "type": "string"})
    assert client.test_compatibility(forward, Schema(without_age, "AVRO")) is False
    # Adding a field: old readers ignore it.
    assert client.test_compatibility(forward, Schema(USER_V2_NO_DEFAULT, "AVRO")) is True

    full = subjects.new("full")
    client.set_compatibility(full, "FULL")
    client.register_schema(full, Schema(USER_V1, "AVRO"))
    assert client.test_compatibility(full, Schema(USER_V2_NO_DEFAULT, "AVRO")) is False  # not backward
    assert client.test_compatibility(full, Schema(without_age, "AVRO")) is False  # not forward
    assert client.test_compatibility(full, Schema(USER_V2_DEFAULT, "AVRO")) is True


def test_transitive_checks_every_earlier_version(client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    v1 = avro_record("Reading", {"name": "value", "type": "int"})
    v2 = avro_record("Reading", {"name": "unit", "type": "string", "default": "C"})  # drops value
    v3 = avro_record("Reading", {"name": "unit", "type": "string", "default": "C"}, {"name": "value", "type": "string", "default": ""})
    plain, transitive = subjects.new("backward-plain"), subjects.new("backward-transitive")
    for subject, level in ((plain, "BACKWARD"), (transitive, "BACKWARD_TRANSITIVE")):
        client.set_compatibility(subject, level)
        client.register_schema(subject, Schema(v1, "AVRO"))
        client.register_schema(subject, Schema(v2, "AVRO"))
    # v3 reads v2's data (value has a default) but not v1's (value was an int there).
    assert client.test_compatibility(plain, Schema(v3, "AVRO")) is True
    client.register_schema(plain, Schema(v3, "AVRO"))
    with pytest.raises(SchemaRegistryError) as excinfo:
        client.register_schema(transitive, Schema(v3, "AVRO"))
    assert registry_error(excinfo)[0] == 409
    assert client.test_compatibility_all_versions(transitive, Schema(v3, "AVRO")) is False
    assert client.test_compatibility(transitive, Schema(v3, "AVRO"), version=2) is True


def test_none_accepts_anything_of_the_same_type(client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    subject = subjects.new("none")
    client.set_compatibility(subject, "NONE")
    client.register_schema(subject, Schema(USER_V1, "AVRO"))
    client.register_schema(subject, Schema('"string"', "AVRO"))
    assert client.get_versions(subject) == [1, 2]


def test_avro_references(raw: RawRegistry, client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    address_subject, person_subject = subjects.new("address"), subjects.new("person")
    address = avro_record("Address", {"name": "city", "type": "string"})
    address_id = client.register_schema(address_subject, Schema(address, "AVRO"))
    person = avro_record("Person", {"name": "name", "type": "string"}, {"name": "home", "type": "kaw.test.Address"})
    refs = [SchemaReference("kaw.test.Address", address_subject, 1)]
    person_id = client.register_schema(person_subject, Schema(person, "AVRO", refs))
    fetched = client.get_schema(person_id)
    assert [(r.name, r.subject, r.version) for r in fetched.references] == [("kaw.test.Address", address_subject, 1)]
    assert check_against_openapi("GET", "/subjects/{subject}/versions/{version}/referencedby", raw.request("GET", f"/subjects/{address_subject}/versions/1/referencedby")) == [person_id]
    # Without the reference, the named type is unknown.
    r = raw.request("POST", f"/subjects/{person_subject}-noref/versions", {"schema": person})
    assert (r.status_code, r.json()["error_code"]) == (422, 42201)
    # A referenced version cannot be deleted while something references it.
    r = raw.request("DELETE", f"/subjects/{address_subject}/versions/1")
    assert (r.status_code, check_against_openapi("DELETE", "/subjects/{subject}/versions/{version}", r)["error_code"]) == (422, 42206)
    # And the serializers resolve the reference.
    serializer = AvroSerializer(client, Schema(person, "AVRO", refs), conf={"auto.register.schemas": False, "use.latest.version": True, "subject.name.strategy": lambda _ctx, _name: person_subject})
    ctx = SerializationContext("kaw-pytest-refs", MessageField.VALUE)
    data = serializer({"name": "Ada", "home": {"city": "Paris"}}, ctx)
    assert int.from_bytes(data[1:5], "big") == person_id
    assert AvroDeserializer(client)(data, ctx) == {"name": "Ada", "home": {"city": "Paris"}}
    assert address_id != person_id


# ---------------------------------------------------------------------------------------------
# JSON Schema and Protobuf
# ---------------------------------------------------------------------------------------------

ORDER_JSON_SCHEMA = json.dumps(
    {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Order",
        "type": "object",
        "properties": {"id": {"type": "string"}, "amount": {"type": "number"}, "tags": {"type": "array", "items": {"type": "string"}}},
        "required": ["id"],
    }
)


def test_json_schema_registration_validation_and_serdes(raw: RawRegistry, client: SchemaRegistryClient, subjects: SubjectTracker, is_local: bool) -> None:
    subject = subjects.new("json-order")
    schema_id = client.register_schema(subject, Schema(ORDER_JSON_SCHEMA, "JSON"))
    body = check_against_openapi("GET", "/schemas/ids/{id}", raw.request("GET", f"/schemas/ids/{schema_id}"))
    assert body["schemaType"] == "JSON" and json.loads(body["schema"]) == json.loads(ORDER_JSON_SCHEMA)
    bad = json.dumps({"type": "object", "properties": {"id": {"type": "strin"}}})
    r = raw.request("POST", f"/subjects/{subject}/versions", {"schema": bad, "schemaType": "JSON"})
    assert (r.status_code, check_against_openapi("POST", "/subjects/{subject}/versions", r)["error_code"]) == (422, 42201)

    ctx = SerializationContext("kaw-pytest-json", MessageField.VALUE)
    serializer = JSONSerializer(ORDER_JSON_SCHEMA, client, conf={"auto.register.schemas": False, "use.latest.version": True, "subject.name.strategy": lambda _c, _n: subject})
    data = serializer({"id": "o-1", "amount": 12.5, "tags": ["a"]}, ctx)
    assert data[0] == 0 and int.from_bytes(data[1:5], "big") == schema_id
    assert JSONDeserializer(None, schema_registry_client=client)(data, ctx) == {"id": "o-1", "amount": 12.5, "tags": ["a"]}

    wider = json.dumps({**json.loads(ORDER_JSON_SCHEMA), "properties": {**json.loads(ORDER_JSON_SCHEMA)["properties"], "note": {"type": "string"}}})
    client.set_compatibility(subject, "BACKWARD")
    r = raw.request("POST", f"/subjects/{subject}/versions", {"schema": wider, "schemaType": "JSON"})
    if is_local:
        # The local registry does not check JSON Schema compatibility: it refuses, and says how to go on.
        assert (r.status_code, check_against_openapi("POST", "/subjects/{subject}/versions", r)["error_code"]) == (422, 42205)
        assert "NONE" in r.json()["message"]
    else:
        assert r.status_code in (200, 409), r.text
    client.set_compatibility(subject, "NONE")
    assert client.register_schema(subject, Schema(wider, "JSON")) > 0


def test_protobuf_text_registration_serialized_form_and_errors(raw: RawRegistry, client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    subject = subjects.new("proto-text")
    proto = 'syntax = "proto3";\npackage kaw.test;\nimport "google/protobuf/timestamp.proto";\nmessage Ping {\n  string id = 1;\n  google.protobuf.Timestamp at = 2;\n  map<string, int64> counts = 3;\n}\n'
    schema_id = client.register_schema(subject, Schema(proto, "PROTOBUF"))
    body = check_against_openapi("GET", "/schemas/ids/{id}", raw.request("GET", f"/schemas/ids/{schema_id}"))
    assert body["schemaType"] == "PROTOBUF" and "message Ping" in body["schema"]
    serialized = check_against_openapi("GET", "/schemas/ids/{id}", raw.request("GET", f"/schemas/ids/{schema_id}", format="serialized"))["schema"]
    fdp = descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(serialized))
    assert [m.name for m in fdp.message_type] == ["Ping"] and fdp.package == "kaw.test"
    # The text the registry serves registers as the same schema.
    assert client.register_schema(subject, Schema(body["schema"], "PROTOBUF")) == schema_id
    r = raw.request("POST", f"/subjects/{subject}/versions", {"schema": 'syntax = "proto3"; message Bad { strin x = 1; }', "schemaType": "PROTOBUF"})
    assert (r.status_code, check_against_openapi("POST", "/subjects/{subject}/versions", r)["error_code"]) == (422, 42201)
    r = raw.request("POST", f"/subjects/{subject}/versions", {"schema": 'syntax = "proto3"; import "missing.proto"; message M { int32 x = 1; }', "schemaType": "PROTOBUF"})
    assert r.status_code == 422 and r.json()["error_code"] == 42201


def test_protobuf_references(raw: RawRegistry, client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    common_subject, event_subject = subjects.new("proto-common"), subjects.new("proto-event")
    common = 'syntax = "proto3";\npackage kaw.common;\nmessage Money {\n  int64 cents = 1;\n  string currency = 2;\n}\n'
    client.register_schema(common_subject, Schema(common, "PROTOBUF"))
    event = 'syntax = "proto3";\npackage kaw.events;\nimport "kaw/common/money.proto";\nmessage Paid {\n  string id = 1;\n  kaw.common.Money amount = 2;\n}\n'
    refs = [SchemaReference("kaw/common/money.proto", common_subject, 1)]
    event_id = client.register_schema(event_subject, Schema(event, "PROTOBUF", refs))
    assert client.get_referenced_by(common_subject, 1) == [event_id]
    r = raw.request("POST", f"/subjects/{event_subject}-noref/versions", {"schema": event, "schemaType": "PROTOBUF"})
    assert (r.status_code, r.json()["error_code"]) == (422, 42201)


def test_protobuf_serializer_round_trip(client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    subject = subjects.new("proto-order")
    fdp = order_file(f"{subject}.proto", "kaw.pytest.orders")
    classes = message_classes(fdp)
    ctx = SerializationContext(subject.removesuffix("-value"), MessageField.VALUE)
    conf = {"auto.register.schemas": True, "use.deprecated.format": False, "subject.name.strategy": lambda _c, _n: subject}
    order = classes["Order"](id="o-7", amount_cents=1250, status=2, tags=["gift"], card="visa")
    order.created_at.FromDatetime(dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
    order.lines.add(sku="SKU-1", quantity=3)
    data = ProtobufSerializer(classes["Order"], client, conf)(order, ctx)
    schema_id = int.from_bytes(data[1:5], "big")
    assert data[0] == 0 and client.get_latest_version(subject).schema_id == schema_id
    decoded = ProtobufDeserializer(classes["Order"], {"use.deprecated.format": False}, client)(data, ctx)
    assert decoded == order
    # A message other than the file's first: message index 1.
    refund = classes["Refund"](order_id="o-7", reason="late")
    refund_data = ProtobufSerializer(classes["Refund"], client, conf)(refund, ctx)
    assert refund_data[5:7] == b"\x02\x02"  # zigzag varints: one index, value 1
    assert ProtobufDeserializer(classes["Refund"], {"use.deprecated.format": False}, client)(refund_data, ctx) == refund


def test_avro_serializer_round_trip_with_logical_types(client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    subject = subjects.new("avro-payment")
    schema = avro_record(
        "Payment",
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "method", "type": {"type": "enum", "name": "Method", "symbols": ["CARD", "CASH"]}},
        {"name": "note", "type": ["null", "string"], "default": None},
    )
    ctx = SerializationContext("kaw-pytest-payments", MessageField.VALUE)
    serializer = AvroSerializer(client, schema, conf={"subject.name.strategy": lambda _c, _n: subject})
    import decimal
    import uuid as uuid_mod

    value = {
        "id": str(uuid_mod.UUID(int=7)),
        "amount": decimal.Decimal("12.34"),
        "at": dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.timezone.utc),
        "day": dt.date(2026, 1, 2),
        "method": "CASH",
        "note": None,
    }
    data = serializer(value, ctx)
    assert client.get_latest_version(subject).schema_id == int.from_bytes(data[1:5], "big")
    decoded = AvroDeserializer(client)(data, ctx)
    assert {k: decoded[k] for k in ("amount", "at", "day", "method", "note")} == {k: value[k] for k in ("amount", "at", "day", "method", "note")}
    assert str(decoded["id"]) == value["id"]


# ---------------------------------------------------------------------------------------------
# Deletes, config, mode
# ---------------------------------------------------------------------------------------------


def test_soft_and_hard_delete_of_versions_and_subjects(raw: RawRegistry, client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    subject = subjects.new("delete")
    client.set_compatibility(subject, "NONE")
    first = client.register_schema(subject, Schema(avro_record("Only1", {"name": "a", "type": "int"}), "AVRO"))
    client.register_schema(subject, Schema(avro_record("Only2", {"name": "b", "type": "int"}), "AVRO"))

    # Permanent before soft: refused.
    r = raw.request("DELETE", f"/subjects/{subject}/versions/1", permanent="true")
    assert (r.status_code, check_against_openapi("DELETE", "/subjects/{subject}/versions/{version}", r)["error_code"]) == (404, 40407)
    assert client.delete_version(subject, 1) == 1
    assert client.get_versions(subject) == [2]
    assert check_against_openapi("GET", "/subjects/{subject}/versions", raw.request("GET", f"/subjects/{subject}/versions", deleted="true")) == [1, 2]
    r = raw.request("GET", f"/subjects/{subject}/versions/1")
    assert (r.status_code, r.json()["error_code"]) == (404, 40402)
    body = check_against_openapi("GET", "/subjects/{subject}/versions/{version}", raw.request("GET", f"/subjects/{subject}/versions/1", deleted="true"))
    assert body["id"] == first
    # A soft-deleted version's id still decodes.
    assert client.get_schema(first).schema_type == "AVRO"
    r = raw.request("DELETE", f"/subjects/{subject}/versions/1")
    assert (r.status_code, r.json()["error_code"]) == (404, 40406)
    assert check_against_openapi("DELETE", "/subjects/{subject}/versions/{version}", raw.request("DELETE", f"/subjects/{subject}/versions/1", permanent="true")) == 1
    assert check_against_openapi("GET", "/subjects/{subject}/versions", raw.request("GET", f"/subjects/{subject}/versions", deleted="true")) == [2]

    # The subject: permanent before soft refused, soft, soft again refused, then permanent.
    r = raw.request("DELETE", f"/subjects/{subject}", permanent="true")
    assert (r.status_code, check_against_openapi("DELETE", "/subjects/{subject}", r)["error_code"]) == (404, 40405)
    assert client.delete_subject(subject) == [2]
    assert subject not in client.get_subjects()
    assert subject in check_against_openapi("GET", "/subjects", raw.request("GET", "/subjects", deleted="true"))
    r = raw.request("DELETE", f"/subjects/{subject}")
    assert (r.status_code, r.json()["error_code"]) == (404, 40404)
    assert client.delete_subject(subject, permanent=True) == [2]
    assert subject not in check_against_openapi("GET", "/subjects", raw.request("GET", "/subjects", deleted="true"))
    r = raw.request("GET", f"/subjects/{subject}/versions")
    assert (r.status_code, r.json()["error_code"]) == (404, 40401)
    r = raw.request("GET", f"/schemas/ids/{first}")
    assert (r.status_code, check_against_openapi("GET", "/schemas/ids/{id}", r)["error_code"]) == (404, 40403)


def test_config_global_and_per_subject(raw: RawRegistry, client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    body = check_against_openapi("GET", "/config", raw.request("GET", "/config"))
    global_level = body["compatibilityLevel"]
    # Setting the global level to what it is changes nothing for anyone else using the registry.
    assert check_against_openapi("PUT", "/config", raw.request("PUT", "/config", {"compatibility": global_level})) == {"compatibility": global_level}

    subject = subjects.new("config")
    client.register_schema(subject, Schema(USER_V1, "AVRO"))
    r = raw.request("GET", f"/config/{subject}")
    assert (r.status_code, check_against_openapi("GET", "/config/{subject}", r)["error_code"]) == (404, 40408)
    body = check_against_openapi("GET", "/config/{subject}", raw.request("GET", f"/config/{subject}", defaultToGlobal="true"))
    assert body["compatibilityLevel"] == global_level
    assert check_against_openapi("PUT", "/config/{subject}", raw.request("PUT", f"/config/{subject}", {"compatibility": "FULL_TRANSITIVE"})) == {"compatibility": "FULL_TRANSITIVE"}
    assert client.get_compatibility(subject) == "FULL_TRANSITIVE"
    r = raw.request("DELETE", f"/config/{subject}")
    assert r.status_code == 200 and r.headers["content-type"].startswith(MEDIA_TYPE)
    assert r.json()["compatibilityLevel"] == "FULL_TRANSITIVE"
    r = raw.request("GET", f"/config/{subject}")
    assert r.status_code == 404


def test_mode_read_only_subject_refuses_registration(raw: RawRegistry, client: SchemaRegistryClient, subjects: SubjectTracker) -> None:
    assert check_against_openapi("GET", "/mode", raw.request("GET", "/mode"))["mode"] in ("READWRITE", "IMPORT", "READONLY")
    subject = subjects.new("mode")
    client.register_schema(subject, Schema(USER_V1, "AVRO"))
    assert check_against_openapi("PUT", "/mode/{subject}", raw.request("PUT", f"/mode/{subject}", {"mode": "READONLY"})) == {"mode": "READONLY"}
    assert client.get_mode(subject) == "READONLY"
    r = raw.request("POST", f"/subjects/{subject}/versions", {"schema": USER_V2_DEFAULT})
    assert (r.status_code, r.json()["error_code"]) == (422, 42205)
    assert check_against_openapi("DELETE", "/mode/{subject}", raw.request("DELETE", f"/mode/{subject}"))["mode"] == "READONLY"
    assert client.register_schema(subject, Schema(USER_V2_DEFAULT, "AVRO")) > 0


def test_local_registry_says_it_is_a_development_tool(raw: RawRegistry, is_local: bool) -> None:
    r = raw.request("GET", "/health")
    if is_local:
        body = r.json()
        assert body["development_tool"] is True and "Not for production" in body["note"]
        assert body["compatibility_checked"]["AVRO"][0] == "NONE" and "BACKWARD_TRANSITIVE" in body["compatibility_checked"]["AVRO"]
    else:
        assert r.status_code == 404  # Confluent's registry has no /health
