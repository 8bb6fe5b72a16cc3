"""The reference side of the serde round trips (test/integration/schemaSerdes.test.ts).

Python confluent-kafka's own serializers and deserializers (AvroSerializer/AvroDeserializer,
ProtobufSerializer/ProtobufDeserializer, JSONSerializer/JSONDeserializer) with its
SchemaRegistryClient, run in the stack's Airflow 3 venv:

    bash stack/native/stack.sh exec airflow3 python test/integration/serdes_peer.py JOB.json

JOB.json: {"mode": "produce" | "consume", "brokers", "registry", "topic", "kind": "avro" |
"protobuf" | "json", "subject", "schema" (Avro or JSON Schema text), "values" (produce: the
values in the workbench's JSON form), "count" (consume), "protobuf": {"files": [base64
FileDescriptorProto, dependencies first], "message": full name}}.

Consume prints {"values": [...]} in the workbench's JSON form (see src/schemas/serdesBundle.ts):
decimals as strings with the schema's scale, timestamp-millis/-micros as ISO 8601 with 3/6
fraction digits and Z, dates as YYYY-MM-DD, uuids as text, bytes as base64; Protobuf as
json_format's proto3 JSON with the .proto field names. Produce converts that form back to the
Python values the serializers take.
"""
import base64
import datetime
import decimal
import json
import sys
import uuid

from confluent_kafka import DeserializingConsumer, SerializingProducer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import StringDeserializer, StringSerializer
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

UTC = datetime.timezone.utc


# ---------------------------------------------------------------- Avro: JSON form <-> Python values

def _named(schema, names, namespace=None):
    """Collects named types (records, enums, fixed) by full and short name."""
    if isinstance(schema, list):
        for branch in schema:
            _named(branch, names, namespace)
    elif isinstance(schema, dict):
        kind = schema.get("type")
        if kind in ("record", "error", "enum", "fixed"):
            ns = schema.get("namespace", namespace)
            name = schema["name"]
            full = name if "." in name or not ns else f"{ns}.{name}"
            names[full] = schema
            names[name.split(".")[-1]] = schema
            for field in schema.get("fields", []):
                _named(field["type"], names, ns)
        elif kind == "array":
            _named(schema["items"], names, namespace)
        elif kind == "map":
            _named(schema["values"], names, namespace)


def _resolve(schema, names):
    if isinstance(schema, str) and schema in names:
        return names[schema]
    return schema


def _kind(schema):
    if isinstance(schema, str):
        return schema
    if isinstance(schema, list):
        return "union"
    return schema.get("logicalType") or schema["type"]


def _iso(value, digits):
    value = value.astimezone(UTC)
    fraction = f"{value.microsecond:06d}"[:digits]
    return value.strftime("%Y-%m-%dT%H:%M:%S") + f".{fraction}Z"


def avro_to_form(schema, value, names):
    schema = _resolve(schema, names)
    kind = _kind(schema)
    if value is None:
        return None
    if kind == "union":
        branches = [_resolve(b, names) for b in schema if b != "null"]
        for branch in branches:
            if _python_matches(branch, value, names):
                return avro_to_form(branch, value, names)
        raise ValueError(f"no union branch for {value!r}")
    if kind == "decimal":
        return f"{value:.{schema.get('scale', 0)}f}"
    if kind == "timestamp-millis":
        return _iso(value, 3)
    if kind == "timestamp-micros":
        return _iso(value, 6)
    if kind == "date":
        return value.isoformat()
    if kind == "uuid":
        return str(value)
    if kind in ("bytes", "fixed"):
        return base64.b64encode(value).decode()
    if kind in ("record", "error"):
        return {f["name"]: avro_to_form(f["type"], value.get(f["name"]), names) for f in schema["fields"]}
    if kind == "array":
        return [avro_to_form(schema["items"], v, names) for v in value]
    if kind == "map":
        return {k: avro_to_form(schema["values"], v, names) for k, v in value.items()}
    return value


def _python_matches(schema, value, names):
    kind = _kind(_resolve(schema, names))
    return {
        "decimal": lambda: isinstance(value, decimal.Decimal),
        "timestamp-millis": lambda: isinstance(value, datetime.datetime),
        "timestamp-micros": lambda: isinstance(value, datetime.datetime),
        "date": lambda: isinstance(value, datetime.date),
        "uuid": lambda: isinstance(value, (str, uuid.UUID)),
        "string": lambda: isinstance(value, str),
        "enum": lambda: isinstance(value, str),
        "bytes": lambda: isinstance(value, bytes),
        "fixed": lambda: isinstance(value, bytes),
        "boolean": lambda: isinstance(value, bool),
        "int": lambda: isinstance(value, int) and not isinstance(value, bool),
        "long": lambda: isinstance(value, int) and not isinstance(value, bool),
        "float": lambda: isinstance(value, float),
        "double": lambda: isinstance(value, float),
        "record": lambda: isinstance(value, dict),
        "map": lambda: isinstance(value, dict),
        "array": lambda: isinstance(value, list),
    }.get(kind, lambda: False)()


def avro_from_form(schema, value, names):
    schema = _resolve(schema, names)
    kind = _kind(schema)
    if value is None:
        return None
    if kind == "union":
        for branch in (_resolve(b, names) for b in schema if b != "null"):
            if _form_matches(branch, value, names):
                return avro_from_form(branch, value, names)
        raise ValueError(f"no union branch for {value!r}")
    if kind == "decimal":
        return decimal.Decimal(value)
    if kind in ("timestamp-millis", "timestamp-micros"):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if kind == "date":
        return datetime.date.fromisoformat(value)
    if kind == "uuid":
        return uuid.UUID(value)
    if kind in ("bytes", "fixed"):
        return base64.b64decode(value)
    if kind in ("record", "error"):
        return {f["name"]: avro_from_form(f["type"], value.get(f["name"]), names) for f in schema["fields"]}
    if kind == "array":
        return [avro_from_form(schema["items"], v, names) for v in value]
    if kind == "map":
        return {k: avro_from_form(schema["values"], v, names) for k, v in value.items()}
    return value


def _form_matches(schema, value, names):
    kind = _kind(_resolve(schema, names))
    if isinstance(value, str):
        return kind in ("string", "enum", "uuid", "decimal", "timestamp-millis", "timestamp-micros", "date", "bytes", "fixed")
    if isinstance(value, bool):
        return kind == "boolean"
    if isinstance(value, int):
        return kind in ("int", "long", "float", "double")
    if isinstance(value, float):
        return kind in ("float", "double")
    if isinstance(value, dict):
        return kind in ("record", "map")
    if isinstance(value, list):
        return kind == "array"
    return False


# ---------------------------------------------------------------- Protobuf: classes from descriptors

def protobuf_class(spec):
    pool = descriptor_pool.Default()
    for encoded in spec["files"]:
        proto = descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(encoded))
        try:
            pool.FindFileByName(proto.name)
        except KeyError:
            pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(spec["message"]))


def protobuf_to_form(message):
    return json_format.MessageToDict(message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


# ---------------------------------------------------------------- produce and consume

def serializer(job, registry):
    kind = job["kind"]
    # The subject the test registered (not <topic>-value), with its latest version.
    conf = {"auto.register.schemas": False, "use.latest.version": True, "subject.name.strategy": lambda ctx, record_name: job["subject"]}
    if kind == "avro":
        names = {}
        schema = json.loads(job["schema"])
        _named(schema, names)
        return AvroSerializer(registry, job["schema"], lambda value, ctx: avro_from_form(schema, value, names), conf)
    if kind == "protobuf":
        cls = protobuf_class(job["protobuf"])
        return ProtobufSerializer(cls, registry, {**conf, "use.deprecated.format": False})
    if kind == "json":
        return JSONSerializer(job["schema"], registry, conf=conf)
    raise ValueError(kind)


def produce(job, registry):
    kind = job["kind"]
    value_serializer = serializer(job, registry)
    producer = SerializingProducer({
        "bootstrap.servers": job["brokers"],
        "key.serializer": StringSerializer("utf_8"),
        "value.serializer": value_serializer,
    })
    cls = protobuf_class(job["protobuf"]) if kind == "protobuf" else None
    for i, value in enumerate(job["values"]):
        if cls is not None:
            value = json_format.ParseDict(value, cls())
        producer.produce(topic=job["topic"], key=f"k{i}", value=value, partition=0)
    producer.flush(30)
    return {"produced": len(job["values"])}


def consume(job, registry):
    kind = job["kind"]
    if kind == "avro":
        names = {}
        schema = json.loads(job["schema"])
        _named(schema, names)
        deserializer = AvroDeserializer(registry)
        convert = lambda value: avro_to_form(schema, value, names)  # noqa: E731
    elif kind == "protobuf":
        cls = protobuf_class(job["protobuf"])
        deserializer = ProtobufDeserializer(cls, {"use.deprecated.format": False})
        convert = protobuf_to_form
    else:
        deserializer = JSONDeserializer(job["schema"], schema_registry_client=registry)
        convert = lambda value: value  # noqa: E731
    consumer = DeserializingConsumer({
        "bootstrap.servers": job["brokers"],
        "group.id": f"serdes-peer-{job['topic']}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "key.deserializer": StringDeserializer("utf_8"),
        "value.deserializer": deserializer,
    })
    consumer.subscribe([job["topic"]])
    values = []
    try:
        while len(values) < job["count"]:
            message = consumer.poll(20)
            if message is None:
                raise TimeoutError(f"read {len(values)} of {job['count']} messages of {job['topic']} in 20 s")
            if message.error():
                raise RuntimeError(str(message.error()))
            values.append({"offset": message.offset(), "value": convert(message.value())})
    finally:
        consumer.close()
    values.sort(key=lambda v: v["offset"])
    return {"values": [v["value"] for v in values]}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    registry = SchemaRegistryClient({"url": job["registry"]})
    result = produce(job, registry) if job["mode"] == "produce" else consume(job, registry)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
