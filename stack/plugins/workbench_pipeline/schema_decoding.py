"""Decode Confluent wire-format keys and values (magic byte 0, 4-byte schema id, for Protobuf the
message indexes, then the payload) with confluent-kafka's own deserializers, for the history.

Used by the batch consumer: a key or value whose bytes start with the magic byte is decoded
with ``AvroDeserializer`` / ``ProtobufDeserializer`` / ``JSONDeserializer`` against the schema
registry and stored as JSON (``value_json``) with its schema id (``value_schema_id``). When it
cannot be decoded (unknown schema id, registry unreachable, bytes that only look like the wire
format, a value that does not match its schema) the bytes are kept and ``schema_error`` says
why; the batch goes on. The registry comes from the Airflow connection
``workbench_schema_registry`` (an http connection whose host is the registry's URL), else from
the environment variable ``KAW_SCHEMA_REGISTRY_URL``.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import math
import os
import time
import uuid
from dataclasses import dataclass
from typing import Any

SCHEMA_REGISTRY_CONN_ID = "workbench_schema_registry"
REGISTRY_URL_ENV = "KAW_SCHEMA_REGISTRY_URL"
MAGIC_BYTE = 0
# A schema id the registry could not give is asked for again after this long (a registry that
# comes back mid-run is used; one that is down costs one request per id per interval).
FAILURE_RETRY_SECONDS = 30.0


@dataclass(frozen=True)
class Decoded:
    """What a wire-format key or value became: JSON text, or the reason it stays bytes."""

    schema_id: int | None
    json_text: str | None
    parsed: object = None
    error: str | None = None


def looks_like_wire_format(data: object) -> bool:
    return isinstance(data, bytes) and len(data) >= 5 and data[0] == MAGIC_BYTE


def registry_url_from_airflow(conn_id: str = SCHEMA_REGISTRY_CONN_ID) -> tuple[str | None, dict[str, str]]:
    """(URL, extra client config) of the registry: the Airflow connection, else the environment."""
    try:
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(conn_id)
    except Exception:  # noqa: BLE001  # no such connection (AirflowNotFoundException and kin)
        conn = None
    conf: dict[str, str] = {}
    if conn is not None and conn.host:
        host = conn.host
        if "://" not in host:
            host = f"{conn.schema or 'http'}://{host}" + (f":{conn.port}" if conn.port else "")
        if conn.login:
            conf["basic.auth.user.info"] = f"{conn.login}:{conn.password or ''}"
        return host.rstrip("/"), conf
    url = os.environ.get(REGISTRY_URL_ENV, "").strip()
    return (url.rstrip("/") or None), conf


def _jsonable(value: Any) -> Any:
    """A decoded value as JSON that PostgreSQL's jsonb accepts (bytes as base64, decimals and
    times as text, NaN/Infinity as text, NUL characters replaced)."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k).replace("\x00", "\ufffd"): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


class SchemaDecoder:
    """Decodes wire-format bytes with confluent-kafka's deserializers; one per consumer run.

    The registry client caches schemas by id, so a run asks the registry once per schema id.
    """

    def __init__(self, url: str, client_conf: dict[str, str] | None = None) -> None:
        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.avro import AvroDeserializer
        from confluent_kafka.schema_registry.json_schema import JSONDeserializer

        self.url = url
        conf: dict[str, Any] = {"url": url, "timeout": 10, "max.retries": 1, "retries.wait.ms": 200}
        conf.update(client_conf or {})
        self.client = SchemaRegistryClient(conf)
        self._avro = AvroDeserializer(self.client)
        self._json = JSONDeserializer(None, schema_registry_client=self.client)
        self._protobuf: dict[tuple[int, tuple[int, ...]], Any] = {}
        self._types: dict[int, str] = {}
        self._failures: dict[int, tuple[float, str]] = {}
        self.requests_failed = 0

    # -- schema lookups --------------------------------------------------------------------------
    def _schema_type(self, schema_id: int) -> str:
        known = self._types.get(schema_id)
        if known is not None:
            return known
        failed = self._failures.get(schema_id)
        if failed is not None and time.monotonic() - failed[0] < FAILURE_RETRY_SECONDS:
            raise LookupError(failed[1])
        from confluent_kafka.schema_registry.error import SchemaRegistryError

        try:
            # Always the serialized format: the client caches a schema by id whatever format was
            # asked for, and the Protobuf deserializer needs the serialized descriptor (Avro and
            # JSON Schema are the same in both formats).
            schema = self.client.get_schema(schema_id, fmt="serialized")
        except SchemaRegistryError as err:
            if err.http_status_code == 404:
                reason = f"schema id {schema_id} is not in the schema registry at {self.url} ({err.error_message})"
            else:
                reason = f"the schema registry at {self.url} refused schema id {schema_id}: {err.error_message} (HTTP {err.http_status_code})"
            self._remember_failure(schema_id, reason)
            raise LookupError(reason) from None
        except Exception as err:  # noqa: BLE001  # httpx connection errors, HTML answers, timeouts
            reason = f"the schema registry at {self.url} did not answer for schema id {schema_id}: {_first_line(err)}"
            self._remember_failure(schema_id, reason)
            raise LookupError(reason) from None
        schema_type = (schema.schema_type or "AVRO").upper()
        self._types[schema_id] = schema_type
        return schema_type

    def _remember_failure(self, schema_id: int, reason: str) -> None:
        self.requests_failed += 1
        self._failures[schema_id] = (time.monotonic(), reason)

    def _protobuf_deserializer(self, schema_id: int, indexes: tuple[int, ...]) -> Any:
        key = (schema_id, indexes)
        deserializer = self._protobuf.get(key)
        if deserializer is not None:
            return deserializer
        from confluent_kafka.schema_registry._sync.protobuf import _resolve_named_schema
        from confluent_kafka.schema_registry.common.protobuf import _init_pool, _str_to_proto
        from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
        from google.protobuf.descriptor_pool import DescriptorPool
        from google.protobuf.message_factory import GetMessageClass

        schema = self.client.get_schema(schema_id, fmt="serialized")
        pool = DescriptorPool()
        _init_pool(pool)
        _resolve_named_schema(schema, self.client, pool)
        fdp = _str_to_proto("default", schema.schema_str)
        pool.Add(fdp)
        names: list[str] = []
        messages = fdp.message_type
        for index in indexes or (0,):
            if not 0 <= index < len(messages):
                raise ValueError(f"message index {index} is out of range: the schema has {len(messages)} message type(s) there")
            names.append(messages[index].name)
            messages = messages[index].nested_type
        full_name = ".".join(([fdp.package] if fdp.package else []) + names)
        message_class = GetMessageClass(pool.FindMessageTypeByName(full_name))
        deserializer = ProtobufDeserializer(message_class, {"use.deprecated.format": False}, self.client)
        self._protobuf[key] = deserializer
        return deserializer

    # -- decoding --------------------------------------------------------------------------------
    def decode(self, topic: str, data: bytes, *, is_key: bool) -> Decoded:
        """Decode ``data`` (which looks like the wire format); never raises."""
        from confluent_kafka.serialization import MessageField, SerializationContext

        schema_id = int.from_bytes(data[1:5], "big")
        try:
            schema_type = self._schema_type(schema_id)
        except LookupError as err:
            return Decoded(schema_id, None, error=str(err))
        ctx = SerializationContext(topic, MessageField.KEY if is_key else MessageField.VALUE)
        try:
            if schema_type == "AVRO":
                value: Any = self._avro(data, ctx)
            elif schema_type == "JSON":
                value = self._json(data, ctx)
            elif schema_type == "PROTOBUF":
                value = self._decode_protobuf(schema_id, data, ctx)
            else:
                return Decoded(schema_id, None, error=f"schema id {schema_id} has type {schema_type}, which the history cannot decode")
        except Exception as err:  # noqa: BLE001  # SerializationError, Avro/protobuf decode errors
            return Decoded(schema_id, None, error=f"{schema_type} schema id {schema_id}: the bytes do not decode: {_first_line(err)}")
        parsed = _jsonable(value)
        return Decoded(schema_id, json.dumps(parsed, ensure_ascii=False, separators=(",", ":")), parsed)

    def _decode_protobuf(self, schema_id: int, data: bytes, ctx: Any) -> Any:
        import io

        from confluent_kafka.schema_registry.common.serde import SchemaId
        from google.protobuf import json_format

        header = SchemaId("PROTOBUF")
        header.from_bytes(io.BytesIO(data))
        indexes = tuple(header.message_indexes or ())
        message = self._protobuf_deserializer(schema_id, indexes)(data, ctx)
        return json_format.MessageToDict(message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


class NoRegistry:
    """Stands in for a decoder when no registry is configured: every wire-format message keeps
    its bytes and says how to configure one."""

    url = None
    requests_failed = 0

    def decode(self, topic: str, data: bytes, *, is_key: bool) -> Decoded:  # noqa: ARG002
        schema_id = int.from_bytes(data[1:5], "big")
        return Decoded(
            schema_id,
            None,
            error=(
                f"looks like the Confluent wire format (schema id {schema_id}) but no schema registry is configured: "
                f"set the Airflow connection {SCHEMA_REGISTRY_CONN_ID} (http, host = the registry URL) or {REGISTRY_URL_ENV}"
            ),
        )


class MissingSerdes(NoRegistry):
    """Stands in when confluent-kafka's schema registry support is not installed."""

    def __init__(self, url: str, problem: str) -> None:
        self.url = url
        self.problem = problem

    def decode(self, topic: str, data: bytes, *, is_key: bool) -> Decoded:  # noqa: ARG002
        schema_id = int.from_bytes(data[1:5], "big")
        return Decoded(
            schema_id,
            None,
            error=(
                f"looks like the Confluent wire format (schema id {schema_id}) but confluent-kafka's schema registry "
                f"support is not installed ({self.problem}): pip install 'confluent-kafka[avro,json,protobuf,schemaregistry]'"
            ),
        )


def decoder_for_airflow(conn_id: str = SCHEMA_REGISTRY_CONN_ID) -> SchemaDecoder | NoRegistry:
    url, conf = registry_url_from_airflow(conn_id)
    if not url:
        return NoRegistry()
    try:
        return SchemaDecoder(url, conf)
    except ImportError as err:
        return MissingSerdes(url, _first_line(err))
