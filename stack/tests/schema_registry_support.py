"""Helpers of the schema registry tests: the registry under test, subjects that clean up after
themselves, Confluent's OpenAPI description as a response checker, and Protobuf test types
built as descriptors (no generated code, no protoc needed on the test side).

The registry is the one at KAW_SCHEMA_REGISTRY_URL (default: the native stack's local registry,
http://127.0.0.1:8085); point it at Confluent's (Compose profile `schemas`: http://127.0.0.1:8081
from the host) to run the same suite there.
"""

from __future__ import annotations

import os
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import yaml
from google.protobuf import descriptor_pb2, descriptor_pool, timestamp_pb2
from google.protobuf.message_factory import GetMessageClass

REGISTRY_URL = os.environ.get("KAW_SCHEMA_REGISTRY_URL", "http://127.0.0.1:8085").rstrip("/")
MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"
SPEC_FILE = Path(__file__).resolve().parent / "fixtures" / "confluent-schema-registry-openapi" / "schema-registry-api-spec.yaml"


def unique_subject(purpose: str) -> str:
    return f"kaw-pytest-{purpose}-{uuid.uuid4().hex[:8]}"


class RawRegistry:
    """Plain HTTP to the registry (for status codes and error bodies the client hides)."""

    def __init__(self, url: str = REGISTRY_URL) -> None:
        self.http = httpx.Client(base_url=url, timeout=30, headers={"Accept": MEDIA_TYPE})

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        kwargs: dict[str, Any] = {"params": params} if params else {}
        if body is not None:
            kwargs["json"] = body
            kwargs["headers"] = {"Content-Type": MEDIA_TYPE}
        return self.http.request(method, path, **kwargs)

    def close(self) -> None:
        self.http.close()


class SubjectTracker:
    """Subjects a test made; deleted (soft, then hard) at the end, newest first so referencing
    schemas go before the ones they reference."""

    def __init__(self, raw: RawRegistry) -> None:
        self.raw = raw
        self.names: list[str] = []

    def new(self, purpose: str) -> str:
        name = unique_subject(purpose)
        self.names.append(name)
        return name

    def cleanup(self) -> None:
        for name in reversed(self.names):
            self.raw.request("DELETE", f"/subjects/{name}")
            self.raw.request("DELETE", f"/subjects/{name}", permanent="true")
            self.raw.request("DELETE", f"/config/{name}")
            self.raw.request("DELETE", f"/mode/{name}")


# ---------------------------------------------------------------------------------------------
# Confluent's OpenAPI description
# ---------------------------------------------------------------------------------------------


@cache
def openapi() -> dict[str, Any]:
    with SPEC_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def response_schema(method: str, template: str, status: int) -> dict[str, Any]:
    """The JSON schema Confluent's description gives for a response (errors: ErrorMessage)."""
    spec = openapi()
    if status >= 400:
        return {"$ref": "#/components/schemas/ErrorMessage"}
    op = spec["paths"][template][method.lower()]
    content = op["responses"][str(status)]["content"]
    return content[MEDIA_TYPE]["schema"]


def check_against_openapi(method: str, template: str, response: httpx.Response) -> Any:
    """Assert the response's content type and body match Confluent's description; returns the body."""
    assert response.headers["content-type"].startswith(MEDIA_TYPE), (
        f"{method} {template}: content type {response.headers['content-type']!r}, expected {MEDIA_TYPE}"
    )
    body = response.json()
    schema = dict(response_schema(method, template, response.status_code))
    schema["components"] = openapi()["components"]
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, f"{method} {template} -> {response.status_code} {body!r} does not match Confluent's OpenAPI: " + "; ".join(
        f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors
    )
    if response.status_code >= 400:
        assert set(body) >= {"error_code", "message"}, body
    return body


# ---------------------------------------------------------------------------------------------
# Protobuf test types, built as descriptors
# ---------------------------------------------------------------------------------------------

_F = descriptor_pb2.FieldDescriptorProto


def _field(msg: descriptor_pb2.DescriptorProto, name: str, number: int, ftype: int, type_name: str = "", repeated: bool = False, oneof: int | None = None) -> None:
    f = msg.field.add(name=name, number=number, type=ftype, label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL)
    if type_name:
        f.type_name = type_name
    if oneof is not None:
        f.oneof_index = oneof


def order_file(file_name: str, package: str) -> descriptor_pb2.FileDescriptorProto:
    """``Order`` (enum, nested message, repeated, oneof, Timestamp) and ``Refund`` (message index 1)."""
    fdp = descriptor_pb2.FileDescriptorProto(name=file_name, package=package, syntax="proto3")
    fdp.dependency.append("google/protobuf/timestamp.proto")
    status = fdp.enum_type.add(name="Status")
    for i, n in enumerate(("STATUS_UNKNOWN", "STATUS_NEW", "STATUS_PAID")):
        status.value.add(name=n, number=i)
    order = fdp.message_type.add(name="Order")
    line = order.nested_type.add(name="Line")
    _field(line, "sku", 1, _F.TYPE_STRING)
    _field(line, "quantity", 2, _F.TYPE_INT32)
    order.oneof_decl.add(name="payment")
    _field(order, "id", 1, _F.TYPE_STRING)
    _field(order, "amount_cents", 2, _F.TYPE_INT64)
    _field(order, "status", 3, _F.TYPE_ENUM, f".{package}.Status")
    _field(order, "tags", 4, _F.TYPE_STRING, repeated=True)
    _field(order, "created_at", 5, _F.TYPE_MESSAGE, ".google.protobuf.Timestamp")
    _field(order, "lines", 6, _F.TYPE_MESSAGE, f".{package}.Order.Line", repeated=True)
    _field(order, "card", 7, _F.TYPE_STRING, oneof=0)
    _field(order, "cash_cents", 8, _F.TYPE_INT64, oneof=0)
    refund = fdp.message_type.add(name="Refund")
    _field(refund, "order_id", 1, _F.TYPE_STRING)
    _field(refund, "reason", 2, _F.TYPE_STRING)
    return fdp


def message_classes(fdp: descriptor_pb2.FileDescriptorProto) -> dict[str, type]:
    """Message classes of a file (its imports: the well-known Timestamp)."""
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(timestamp_pb2.DESCRIPTOR.serialized_pb)
    pool.Add(fdp)
    return {m.name: GetMessageClass(pool.FindMessageTypeByName(f"{fdp.package}.{m.name}")) for m in fdp.message_type}
