"""Schema formats of the local registry: parse and validate, canonical form, compatibility.

- AVRO: parsed by Apache Avro (the ``avro`` package), named types of references first;
  compatibility by Avro's own reader/writer checker (``avro.compatibility``), every level.
- JSON: the schema must be a JSON object (or boolean) valid against its draft's meta-schema
  (``jsonschema``). Compatibility: only NONE (no check); any other level is refused with 42205.
- PROTOBUF: compiled by ``protoc`` (references and Google's well-known types as imports), or
  given as a base64 FileDescriptorProto (what confluent-kafka's serializers send), checked by
  protobuf's own descriptor pool. Compatibility: only NONE, as for JSON.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from schema_registry.errors import RegistryError
from schema_registry import protobuf_schema

SCHEMA_TYPES = ("JSON", "PROTOBUF", "AVRO")  # the order Confluent's /schemas/types answers
COMPATIBILITY_LEVELS = (
    "NONE",
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
)
# Levels this registry checks per schema type; the rest is refused (never silently passed).
CHECKED_LEVELS: dict[str, tuple[str, ...]] = {
    "AVRO": COMPATIBILITY_LEVELS,
    "JSON": ("NONE",),
    "PROTOBUF": ("NONE",),
}


@dataclass(frozen=True)
class Reference:
    name: str
    subject: str
    version: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "subject": self.subject, "version": self.version}


@dataclass
class ResolvedSchema:
    """A schema with what its references resolved to (for parsing)."""

    schema_type: str
    text: str
    references: list[Reference] = field(default_factory=list)
    # (reference name, resolved schema) for each reference, in the order given
    resolved_refs: list[tuple[str, ResolvedSchema]] = field(default_factory=list)
    serialized: str | None = None  # Protobuf: base64 FileDescriptorProto as stored


@dataclass(frozen=True)
class ParsedSchema:
    """What the store keeps of a valid schema."""

    schema_type: str
    schema_text: str  # as served
    canonical: str  # what makes two schemas the same (with the type and references)
    serialized: str | None  # Protobuf: base64 FileDescriptorProto
    parsed: Any  # format-specific object (Avro Schema, JSON document, FileDescriptorProto)


def invalid(message: str) -> RegistryError:
    return RegistryError(422, 42201, message)


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def parse(resolved: ResolvedSchema) -> ParsedSchema:
    if resolved.schema_type == "AVRO":
        return _parse_avro(resolved)
    if resolved.schema_type == "JSON":
        return _parse_json(resolved)
    if resolved.schema_type == "PROTOBUF":
        return _parse_protobuf(resolved)
    raise RegistryError(422, 42201, f"Invalid schema type {resolved.schema_type!r}; expected one of {', '.join(SCHEMA_TYPES)}")


def _json_load(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise invalid(f"Invalid schema: {what} is not valid JSON: {err}") from None


def _avro_names_with_refs(resolved: ResolvedSchema, names: Any, seen: set[int]) -> None:
    import avro.errors
    import avro.schema

    for _name, ref in resolved.resolved_refs:
        if id(ref) in seen:
            continue
        seen.add(id(ref))
        _avro_names_with_refs(ref, names, seen)
        try:
            avro.schema.make_avsc_object(_json_load(ref.text, "a referenced schema"), names)
        except avro.errors.SchemaParseException as err:
            if "Duplicate" in str(err) or "already" in str(err):
                continue  # the same named type reached through two references
            raise


def avro_schema_of(resolved: ResolvedSchema) -> Any:
    """The ``avro.schema.Schema`` of a schema, its references' named types known."""
    import avro.errors
    import avro.name
    import avro.schema

    data = _json_load(resolved.text, "the Avro schema")
    names = avro.name.Names()
    try:
        _avro_names_with_refs(resolved, names, set())
        return avro.schema.make_avsc_object(data, names)
    except (avro.errors.AvroException, TypeError, KeyError, ValueError, AttributeError) as err:
        raise invalid(f"Invalid schema: Avro: {err}") from None


def _parse_avro(resolved: ResolvedSchema) -> ParsedSchema:
    schema = avro_schema_of(resolved)
    data = json.loads(resolved.text)
    canonical = json.dumps(schema.to_json(), sort_keys=True, separators=(",", ":"))
    served = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return ParsedSchema("AVRO", served, canonical, None, schema)


def _parse_json(resolved: ResolvedSchema) -> ParsedSchema:
    import jsonschema
    import jsonschema.validators

    data = _json_load(resolved.text, "the JSON Schema")
    if not isinstance(data, (dict, bool)):
        raise invalid(f"Invalid schema: a JSON Schema is an object or a boolean, got {type(data).__name__}")
    if isinstance(data, dict):
        cls = jsonschema.validators.validator_for(data, default=jsonschema.Draft7Validator)
        try:
            cls.check_schema(data)
        except jsonschema.SchemaError as err:
            where = "/".join(str(p) for p in err.absolute_path) or "(root)"
            raise invalid(f"Invalid schema: JSON Schema at {where}: {err.message}") from None
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    served = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return ParsedSchema("JSON", served, canonical, None, data)


def _looks_base64(text: str) -> bytes | None:
    stripped = "".join(text.split())
    if not stripped or any(c in stripped for c in "{};"):
        return None
    try:
        return base64.b64decode(stripped, validate=True)
    except (binascii.Error, ValueError):
        return None


def _protobuf_dependencies(resolved: ResolvedSchema) -> list[tuple[str, bytes]]:
    """(import name, FileDescriptorProto bytes named by that import) of every reference, deepest first."""
    out: list[tuple[str, bytes]] = []
    seen: set[str] = set()

    def walk(node: ResolvedSchema) -> None:
        for name, ref in node.resolved_refs:
            if name in seen:
                continue
            seen.add(name)
            walk(ref)
            if not ref.serialized:
                raise invalid(f"Invalid schema: the referenced Protobuf schema {name!r} has no compiled form")
            out.append((name, protobuf_schema.renamed(base64.b64decode(ref.serialized), name)))

    walk(resolved)
    return out


def _parse_protobuf(resolved: ResolvedSchema) -> ParsedSchema:
    deps = _protobuf_dependencies(resolved)
    raw = _looks_base64(resolved.text)
    try:
        if raw is not None:
            fdp = protobuf_schema.check_serialized(raw, deps)
        else:
            fdp = protobuf_schema.compile_text(resolved.text, deps)
    except protobuf_schema.ProtobufSchemaError as err:
        raise invalid(f"Invalid schema: Protobuf: {err}") from None
    text = protobuf_schema.to_proto_text(fdp)
    serialized = base64.b64encode(fdp.SerializeToString(deterministic=True)).decode("ascii")
    return ParsedSchema("PROTOBUF", text, text, serialized, fdp)


# ---------------------------------------------------------------------------------------------
# Compatibility
# ---------------------------------------------------------------------------------------------


@dataclass
class CompatibilityOutcome:
    compatible: bool
    messages: list[str]


def check_compatibility(
    level: str,
    new: ResolvedSchema,
    previous: Sequence[tuple[int, ResolvedSchema]],
) -> CompatibilityOutcome:
    """Check ``new`` against the subject's previous versions (oldest first) at ``level``.

    Non-transitive levels compare with the latest version only. Raises 42205 for a level this
    registry does not check for the schema type.
    """
    if level == "NONE" or not previous:
        return CompatibilityOutcome(True, [])
    if level not in CHECKED_LEVELS.get(new.schema_type, ()):
        raise RegistryError(
            422,
            42205,
            f"This local development registry does not check {new.schema_type} compatibility at level {level}: "
            f"it checks {new.schema_type} schemas only at {', '.join(CHECKED_LEVELS[new.schema_type])} "
            "(Avro at every level). Set the subject's compatibility to NONE (PUT /config/<subject> "
            '{"compatibility": "NONE"}) to register without a check, or use Confluent Schema Registry '
            "(the Compose profile `schemas`) for a full check.",
        )
    against = previous if level.endswith("_TRANSITIVE") else previous[-1:]
    base = level.removesuffix("_TRANSITIVE")
    checker = _AVRO_CHECKERS[base]
    new_schema = avro_schema_of(new)
    messages: list[str] = []
    for version, old in reversed(against):
        old_schema = avro_schema_of(old)
        problems = checker(new_schema, old_schema)
        for problem in problems:
            messages.append(f"{problem}, {{oldSchemaVersion: {version}}}, {{oldSchema: '{old.text}'}}, {{compatibility: '{level}'}}")
    return CompatibilityOutcome(not messages, messages)


def _avro_problems(reader: Any, writer: Any, direction: str) -> list[str]:
    import avro.compatibility as compat

    result = compat.ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    if result.compatibility is compat.SchemaCompatibilityType.compatible:
        return []
    kinds = ", ".join(sorted({k.name.upper() for k in result.incompatibilities})) or "INCOMPATIBLE"
    explained = "; ".join(_explanations().get(k, k.name) for k in dict.fromkeys(result.incompatibilities))
    details = ", ".join(sorted(result.messages)) or "-"
    locations = ", ".join(sorted(result.locations))
    return [
        f"{{errorType:'{kinds}', description:'{direction}: {explained} ({details}) at {locations}', additionalInfo:'{details}'}}"
    ]


@functools.cache
def _explanations() -> dict[Any, str]:
    import avro.compatibility as compat

    t = compat.SchemaIncompatibilityType
    return {
        t.name_mismatch: "a named type has another name",
        t.fixed_size_mismatch: "a fixed type has another size",
        t.missing_enum_symbols: "the reader's enum lacks symbols the writer uses",
        t.reader_field_missing_default_value: "a field of the reader is missing in the writer and has no default",
        t.type_mismatch: "a field's type cannot be read as the other's",
        t.missing_union_branch: "the reader's union lacks a branch the writer uses",
    }



def _backward(new: Any, old: Any) -> list[str]:
    return _avro_problems(new, old, "the new schema cannot read data written with the old schema")


def _forward(new: Any, old: Any) -> list[str]:
    return _avro_problems(old, new, "the old schema cannot read data written with the new schema")


def _full(new: Any, old: Any) -> list[str]:
    return _backward(new, old) + _forward(new, old)


_AVRO_CHECKERS: dict[str, Callable[[Any, Any], list[str]]] = {
    "BACKWARD": _backward,
    "FORWARD": _forward,
    "FULL": _full,
}
