"""Protobuf schemas: compile .proto text with protoc, check a serialized FileDescriptorProto with
protobuf's descriptor pool, and print a FileDescriptorProto back as .proto text.

Imports resolve to the referenced schemas (given as FileDescriptorProtos named by their import
path) and to Google's well-known types, ``google/type/*.proto`` and Confluent's
``confluent/meta.proto`` and ``confluent/type/decimal.proto`` (taken from the installed Python packages, so protoc needs no
include directory). ``protoc`` comes from Debian's ``protobuf-compiler`` (`stack.sh install`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence

from google.protobuf import descriptor_pb2, descriptor_pool

INPUT_FILE_NAME = "schema.proto"


class ProtobufSchemaError(ValueError):
    """The schema does not compile; the message is protoc's (or the descriptor pool's)."""


def _builtin_files() -> list[bytes]:
    """Serialized FileDescriptorProtos of the well-known types, dependencies first."""
    from google.protobuf import (
        any_pb2,
        api_pb2,
        descriptor_pb2 as d_pb2,
        duration_pb2,
        empty_pb2,
        field_mask_pb2,
        source_context_pb2,
        struct_pb2,
        timestamp_pb2,
        type_pb2,
        wrappers_pb2,
    )

    modules = [d_pb2, any_pb2, source_context_pb2, type_pb2, api_pb2, duration_pb2, empty_pb2,
               field_mask_pb2, struct_pb2, timestamp_pb2, wrappers_pb2]
    files = [m.DESCRIPTOR.serialized_pb for m in modules]
    try:  # google/type/*.proto (date, money, ...), which Confluent's registry and clients know too
        from google.type import (
            calendar_period_pb2,
            color_pb2,
            date_pb2,
            datetime_pb2,
            dayofweek_pb2,
            expr_pb2,
            fraction_pb2,
            latlng_pb2,
            money_pb2,
            month_pb2,
            postal_address_pb2,
            quaternion_pb2,
            timeofday_pb2,
        )

        files += [m.DESCRIPTOR.serialized_pb for m in (calendar_period_pb2, color_pb2, date_pb2, datetime_pb2, dayofweek_pb2,
                  expr_pb2, fraction_pb2, latlng_pb2, money_pb2, month_pb2, postal_address_pb2, quaternion_pb2, timeofday_pb2)]
    except ImportError:
        pass
    try:  # Confluent's own imports (field metadata, decimal), shipped with confluent-kafka
        from confluent_kafka.schema_registry.confluent import meta_pb2
        from confluent_kafka.schema_registry.confluent.type import decimal_pb2

        files += [meta_pb2.DESCRIPTOR.serialized_pb, decimal_pb2.DESCRIPTOR.serialized_pb]
    except ImportError:
        pass
    return files


_BUILTINS: list[bytes] | None = None


def builtin_files() -> list[bytes]:
    global _BUILTINS
    if _BUILTINS is None:
        _BUILTINS = _builtin_files()
    return _BUILTINS


def builtin_names() -> set[str]:
    return {descriptor_pb2.FileDescriptorProto.FromString(b).name for b in builtin_files()}


def renamed(serialized: bytes, name: str) -> bytes:
    fdp = descriptor_pb2.FileDescriptorProto.FromString(serialized)
    if fdp.name == name:
        return serialized
    fdp.name = name
    return fdp.SerializeToString(deterministic=True)


def _file_set(deps: Sequence[tuple[str, bytes]]) -> descriptor_pb2.FileDescriptorSet:
    fds = descriptor_pb2.FileDescriptorSet()
    names: set[str] = set()
    dep_names = {name for name, _ in deps}
    for raw in builtin_files():
        fdp = descriptor_pb2.FileDescriptorProto.FromString(raw)
        if fdp.name not in dep_names:
            fds.file.append(fdp)
            names.add(fdp.name)
    for name, raw in deps:
        if name not in names:
            fds.file.append(descriptor_pb2.FileDescriptorProto.FromString(raw))
            names.add(name)
    return fds


def protoc_path() -> str | None:
    return os.environ.get("KAW_PROTOC") or shutil.which("protoc")


def compile_text(text: str, deps: Sequence[tuple[str, bytes]]) -> descriptor_pb2.FileDescriptorProto:
    """Compile .proto text with protoc; imports resolve to ``deps`` and the built-in files."""
    protoc = protoc_path()
    if protoc is None:
        raise ProtobufSchemaError(
            "protoc is not installed, so .proto text cannot be checked: install Debian's protobuf-compiler "
            "(`sudo apt-get install protobuf-compiler`, or `stack/native/stack.sh install schema-registry` as root)"
        )
    with tempfile.TemporaryDirectory(prefix="kaw-registry-") as tmp:
        src = os.path.join(tmp, "src")
        os.mkdir(src)
        with open(os.path.join(src, INPUT_FILE_NAME), "w", encoding="utf-8") as fh:
            fh.write(text)
        set_in = os.path.join(tmp, "imports.pb")
        with open(set_in, "wb") as fh:
            fh.write(_file_set(deps).SerializeToString())
        out = os.path.join(tmp, "out.pb")
        proc = subprocess.run(
            [protoc, f"--descriptor_set_in={set_in}", f"--descriptor_set_out={out}", f"--proto_path={src}", INPUT_FILE_NAME],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if proc.returncode != 0:
            message = (proc.stderr or proc.stdout).strip().replace(f"{INPUT_FILE_NAME}:", "line ")
            raise ProtobufSchemaError(message or f"protoc exited with {proc.returncode}")
        with open(out, "rb") as fh:
            fds = descriptor_pb2.FileDescriptorSet.FromString(fh.read())
    for fdp in fds.file:
        if fdp.name == INPUT_FILE_NAME:
            return fdp
    raise ProtobufSchemaError("protoc produced no descriptor for the schema")


def check_serialized(raw: bytes, deps: Sequence[tuple[str, bytes]]) -> descriptor_pb2.FileDescriptorProto:
    """A base64-decoded FileDescriptorProto, checked by building it in a descriptor pool."""
    try:
        fdp = descriptor_pb2.FileDescriptorProto.FromString(raw)
    except Exception as err:  # protobuf raises DecodeError (or others from upb) on bad bytes
        raise ProtobufSchemaError(f"the schema is neither .proto text nor a serialized FileDescriptorProto ({err})") from None
    if not fdp.name:
        fdp.name = INPUT_FILE_NAME
    pool = descriptor_pool.DescriptorPool()
    try:
        for file in _file_set(deps).file:
            if file.name != fdp.name:
                pool.Add(file)
        pool.Add(fdp)
        pool.FindFileByName(fdp.name)
    except (TypeError, KeyError, ValueError) as err:
        raise ProtobufSchemaError(str(err)) from None
    missing = [d for d in fdp.dependency if d not in {f.name for f in _file_set(deps).file}]
    if missing:
        raise ProtobufSchemaError(f"imports without a reference: {', '.join(missing)}")
    return fdp


# ---------------------------------------------------------------------------------------------
# FileDescriptorProto -> .proto text
# ---------------------------------------------------------------------------------------------

_F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {
    _F.TYPE_DOUBLE: "double",
    _F.TYPE_FLOAT: "float",
    _F.TYPE_INT64: "int64",
    _F.TYPE_UINT64: "uint64",
    _F.TYPE_INT32: "int32",
    _F.TYPE_FIXED64: "fixed64",
    _F.TYPE_FIXED32: "fixed32",
    _F.TYPE_BOOL: "bool",
    _F.TYPE_STRING: "string",
    _F.TYPE_BYTES: "bytes",
    _F.TYPE_UINT32: "uint32",
    _F.TYPE_SFIXED32: "sfixed32",
    _F.TYPE_SFIXED64: "sfixed64",
    _F.TYPE_SINT32: "sint32",
    _F.TYPE_SINT64: "sint64",
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _option_value(value: object, field: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, bytes):
        return _quote(value.decode("latin-1"))
    enum_type = getattr(field, "enum_type", None)
    if enum_type is not None and isinstance(value, int):
        return enum_type.values_by_number[value].name
    return str(value)


def _options(options: object) -> list[str]:
    """``name = value`` of the set scalar options (message-valued custom options are left out)."""
    out = []
    for fd, value in options.ListFields():  # type: ignore[attr-defined]
        if fd.label == fd.LABEL_REPEATED or fd.message_type is not None:
            continue
        name = f"({fd.full_name})" if fd.is_extension else fd.name
        out.append(f"{name} = {_option_value(value, fd)}")
    return out


def _ranges(ranges: Sequence[object], exclusive_end: bool) -> str:
    parts = []
    for r in ranges:
        start, end = r.start, r.end - (1 if exclusive_end else 0)  # type: ignore[attr-defined]
        if end >= 536870911:
            parts.append(f"{start} to max")
        elif end == start:
            parts.append(str(start))
        else:
            parts.append(f"{start} to {end}")
    return ", ".join(parts)


class _Printer:
    def __init__(self, fdp: descriptor_pb2.FileDescriptorProto) -> None:
        self.fdp = fdp
        self.proto3 = fdp.syntax == "proto3"
        self.lines: list[str] = []

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("  " * depth + text)

    def field_type(self, f: descriptor_pb2.FieldDescriptorProto) -> str:
        if f.type in _SCALARS:
            return _SCALARS[f.type]
        return f.type_name

    def field_line(self, f: descriptor_pb2.FieldDescriptorProto, maps: dict[str, descriptor_pb2.DescriptorProto], in_oneof: bool) -> str:
        entry = maps.get(f.type_name) if f.label == _F.LABEL_REPEATED else None
        if entry is not None:
            key, value = entry.field[0], entry.field[1]
            head = f"map<{self.field_type(key)}, {self.field_type(value)}>"
        else:
            label = ""
            if not in_oneof:
                if f.label == _F.LABEL_REPEATED:
                    label = "repeated "
                elif f.label == _F.LABEL_REQUIRED:
                    label = "required "
                elif (not self.proto3 and self.fdp.syntax != "editions") or f.proto3_optional:
                    label = "optional "
            head = f"{label}{self.field_type(f)}"
        opts = []
        if f.HasField("default_value"):
            value = f.default_value
            if f.type in (_F.TYPE_STRING, _F.TYPE_BYTES):
                value = _quote(value)
            opts.append(f"default = {value}")
        if f.HasField("options"):
            opts += _options(f.options)
        suffix = f" [{', '.join(opts)}]" if opts else ""
        return f"{head} {f.name} = {f.number}{suffix};"

    def message(self, m: descriptor_pb2.DescriptorProto, depth: int, scope: str) -> None:
        full = f"{scope}.{m.name}"
        maps = {f"{full}.{n.name}": n for n in m.nested_type if n.options.map_entry}
        self.emit(depth, f"message {m.name} {{")
        for opt in _options(m.options) if m.HasField("options") else []:
            if not opt.startswith("map_entry"):
                self.emit(depth + 1, f"option {opt};")
        if m.reserved_range:
            self.emit(depth + 1, f"reserved {_ranges(m.reserved_range, True)};")
        if m.reserved_name:
            self.emit(depth + 1, "reserved " + ", ".join(_quote(n) for n in m.reserved_name) + ";")
        oneof_printed: set[int] = set()
        for f in m.field:
            real_oneof = f.HasField("oneof_index") and not f.proto3_optional
            if real_oneof:
                if f.oneof_index in oneof_printed:
                    continue
                oneof_printed.add(f.oneof_index)
                self.emit(depth + 1, f"oneof {m.oneof_decl[f.oneof_index].name} {{")
                for g in m.field:
                    if g.HasField("oneof_index") and g.oneof_index == f.oneof_index and not g.proto3_optional:
                        self.emit(depth + 2, self.field_line(g, maps, True))
                self.emit(depth + 1, "}")
            else:
                self.emit(depth + 1, self.field_line(f, maps, False))
        for n in m.nested_type:
            if not n.options.map_entry:
                self.message(n, depth + 1, full)
        for e in m.enum_type:
            self.enum(e, depth + 1)
        if m.extension_range:
            self.emit(depth + 1, f"extensions {_ranges(m.extension_range, True)};")
        self.extensions(m.extension, depth + 1)
        self.emit(depth, "}")

    def enum(self, e: descriptor_pb2.EnumDescriptorProto, depth: int) -> None:
        self.emit(depth, f"enum {e.name} {{")
        for opt in _options(e.options) if e.HasField("options") else []:
            self.emit(depth + 1, f"option {opt};")
        if e.reserved_range:
            self.emit(depth + 1, f"reserved {_ranges(e.reserved_range, False)};")
        if e.reserved_name:
            self.emit(depth + 1, "reserved " + ", ".join(_quote(n) for n in e.reserved_name) + ";")
        for v in e.value:
            opts = _options(v.options) if v.HasField("options") else []
            suffix = f" [{', '.join(opts)}]" if opts else ""
            self.emit(depth + 1, f"{v.name} = {v.number}{suffix};")
        self.emit(depth, "}")

    def extensions(self, fields: Sequence[descriptor_pb2.FieldDescriptorProto], depth: int) -> None:
        by_extendee: dict[str, list[descriptor_pb2.FieldDescriptorProto]] = {}
        for f in fields:
            by_extendee.setdefault(f.extendee, []).append(f)
        for extendee, group in by_extendee.items():
            self.emit(depth, f"extend {extendee} {{")
            for f in group:
                self.emit(depth + 1, self.field_line(f, {}, False))
            self.emit(depth, "}")

    def print(self) -> str:
        fdp = self.fdp
        if fdp.syntax == "editions":
            self.emit(0, f'edition = "{descriptor_pb2.Edition.Name(fdp.edition).removeprefix("EDITION_")}";')
        else:
            self.emit(0, f'syntax = "{fdp.syntax or "proto2"}";')
        if fdp.package:
            self.emit(0, f"package {fdp.package};")
        public = set(fdp.public_dependency)
        weak = set(fdp.weak_dependency)
        for i, dep in enumerate(fdp.dependency):
            kind = "public " if i in public else "weak " if i in weak else ""
            self.emit(0, f"import {kind}{_quote(dep)};")
        if fdp.HasField("options"):
            for opt in _options(fdp.options):
                self.emit(0, f"option {opt};")
        scope = f".{fdp.package}" if fdp.package else ""
        for m in fdp.message_type:
            self.lines.append("")
            self.message(m, 0, scope)
        for e in fdp.enum_type:
            self.lines.append("")
            self.enum(e, 0)
        for s in fdp.service:
            self.lines.append("")
            self.emit(0, f"service {s.name} {{")
            for method in s.method:
                cs = "stream " if method.client_streaming else ""
                ss = "stream " if method.server_streaming else ""
                self.emit(1, f"rpc {method.name}({cs}{method.input_type}) returns ({ss}{method.output_type});")
            self.emit(0, "}")
        if fdp.extension:
            self.lines.append("")
            self.extensions(fdp.extension, 0)
        return "\n".join(self.lines) + "\n"


def to_proto_text(fdp: descriptor_pb2.FileDescriptorProto) -> str:
    """The .proto text of a FileDescriptorProto (comments are not kept)."""
    return _Printer(fdp).print()
