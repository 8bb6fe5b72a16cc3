"""The stack's local schema registry: the Confluent Schema Registry REST API that clients use,
schemas stored in PostgreSQL. A development tool for the native stack (no auth, no clustering,
127.0.0.1 only); Docker users get Confluent's own registry (Compose profile ``schemas``).

Run: ``uvicorn schema_registry.app:app --app-dir stack --host 127.0.0.1 --port 8085``
(``stack/native/stack.sh up schema-registry`` does that from the Airflow 3 venv).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from schema_registry import errors, formats
from schema_registry.errors import RegistryError
from schema_registry.formats import COMPATIBILITY_LEVELS, Reference, ResolvedSchema
from schema_registry.store import DEFAULT_COMPATIBILITY, DEFAULT_MODE, GLOBAL, Store, StoredSchema, StoredVersion, fingerprint

MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"
MAX_VERSION = 2**31 - 1
MODES = ("READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT")
SUPPORTED_MODES = ("READWRITE", "READONLY")
DEV_NOTE = (
    "Local development schema registry of the Kafka Airflow Workbench native stack: the Confluent "
    "Schema Registry REST API for subjects, versions, schemas by id, references, config, mode and "
    "compatibility checks, stored in PostgreSQL. Not for production: no authentication, no "
    "clustering, Avro compatibility at every level but JSON Schema and Protobuf only at NONE."
)


class RegistryJSON(JSONResponse):
    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _error_response(status: int, code: int, message: str) -> RegistryJSON:
    return RegistryJSON({"error_code": code, "message": message}, status_code=status)


store = Store()


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    store.init_schema()
    yield


app = FastAPI(
    title="Kafka Airflow Workbench local schema registry (development tool)",
    description=DEV_NOTE,
    default_response_class=RegistryJSON,
    lifespan=lifespan,
    docs_url=None,
    redoc_url=None,
    openapi_url=None,
)


@app.exception_handler(RegistryError)
async def _registry_error(_request: Request, err: RegistryError) -> RegistryJSON:
    return _error_response(err.status, err.error_code, err.message)


@app.exception_handler(StarletteHTTPException)
async def _http_error(_request: Request, err: StarletteHTTPException) -> RegistryJSON:
    return _error_response(err.status_code, err.status_code, f"HTTP {err.status_code} {err.detail}")


@app.exception_handler(RequestValidationError)
async def _validation_error(_request: Request, err: RequestValidationError) -> RegistryJSON:
    return _error_response(422, 422, f"Unprocessable request: {err.errors()}")


@app.exception_handler(psycopg.Error)
async def _store_error(_request: Request, err: psycopg.Error) -> RegistryJSON:
    return _error_response(500, 50001, f"Error in the backend data store: {str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__}")


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _flag(request: Request, name: str, default: bool = False) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("true", "1", "yes")


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        raise RegistryError(400, 400, "The request body is empty; send a JSON object")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise RegistryError(400, 400, f"The request body is not valid JSON: {err}") from None
    if not isinstance(body, dict):
        raise RegistryError(422, 422, "The request body must be a JSON object")
    return body


def _parse_version(value: str, *, allow_latest: bool = True) -> int | None:
    """None for latest; otherwise the version number (42202 when it is not a valid one)."""
    if allow_latest and value in ("latest", "-1"):
        return None
    try:
        number = int(value)
    except ValueError:
        raise errors.invalid_version(value) from None
    if not 1 <= number <= MAX_VERSION:
        raise errors.invalid_version(value)
    return number


def _schema_json(schema: StoredSchema, fmt: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if schema.schema_type != "AVRO":
        out["schemaType"] = schema.schema_type
    if schema.references:
        out["references"] = [r.to_json() for r in schema.references]
    out["schema"] = schema.serialized if fmt == "serialized" and schema.serialized else schema.schema_text
    return out


def _version_json(v: StoredVersion, fmt: str | None) -> dict[str, Any]:
    body = {"subject": v.subject, "version": v.version, "id": v.schema.id}
    body.update(_schema_json(v.schema, fmt))
    return body


@dataclass(frozen=True)
class SubjectVersions:
    """One subject's versions, soft-deleted ones included, oldest first: the one place where a
    subject, a version number or latest (see ``_parse_version``) and the soft-deleted filter are
    resolved, with the registry's errors 40401 (subject not found) and 40402 (version not found).
    """

    subject: str
    everything: list[StoredVersion]

    @classmethod
    def load(cls, conn: psycopg.Connection, subject: str) -> SubjectVersions:
        return cls(subject, store.versions(conn, subject, deleted=True))

    @property
    def live(self) -> list[StoredVersion]:
        return [v for v in self.everything if not v.deleted]

    @property
    def soft_deleted(self) -> list[StoredVersion]:
        return [v for v in self.everything if v.deleted]

    def listed(self, *, deleted: bool) -> list[StoredVersion]:
        """The versions a request sees: the live ones, or with ``deleted`` the soft-deleted too;
        40401 when that leaves none."""
        versions = self.everything if deleted else self.live
        if not versions:
            raise errors.subject_not_found(self.subject)
        return versions

    def version(self, number: int | None, *, deleted: bool) -> StoredVersion:
        """The version ``number``, or with None the latest live one. With ``deleted`` a
        soft-deleted version counts too, and latest falls back to the newest soft-deleted one when
        no version is live."""
        if not self.everything:
            raise errors.subject_not_found(self.subject)
        if number is None:
            live = self.live
            if live:
                return live[-1]
            if deleted:
                return self.everything[-1]
            raise errors.subject_not_found(self.subject)
        for v in self.everything:
            if v.version == number and (deleted or not v.deleted):
                return v
        raise errors.version_not_found(self.subject, number)


def _read_version(subject: str, version: str, *, deleted: bool) -> StoredVersion:
    """GET /subjects/{subject}/versions/{version}: 42202 for a bad version before the store is asked."""
    number = _parse_version(version)
    with store.connection() as conn:
        return SubjectVersions.load(conn, subject).version(number, deleted=deleted)


def _references(body: dict[str, Any]) -> list[Reference]:
    refs = body.get("references") or []
    if not isinstance(refs, list):
        raise formats.invalid("Invalid schema: 'references' must be a list of {name, subject, version}")
    out = []
    for ref in refs:
        if not isinstance(ref, dict) or not isinstance(ref.get("name"), str) or not isinstance(ref.get("subject"), str):
            raise formats.invalid(f"Invalid schema: reference {ref!r} needs a name, a subject and a version")
        try:
            version = int(ref.get("version", -1))
        except (TypeError, ValueError):
            raise formats.invalid(f"Invalid schema: reference {ref['name']!r} has an invalid version {ref.get('version')!r}") from None
        out.append(Reference(ref["name"], ref["subject"], version))
    return out


def _resolve(conn: psycopg.Connection, schema_type: str, text: str, refs: list[Reference], serialized: str | None = None, depth: int = 0) -> tuple[ResolvedSchema, list[Reference]]:
    """The schema with its references loaded (recursively); references with version -1 pinned."""
    if depth > 32:
        raise formats.invalid("Invalid schema: references nest deeper than 32 levels (a cycle?)")
    pinned: list[Reference] = []
    resolved_refs: list[tuple[str, ResolvedSchema]] = []
    for ref in refs:
        version = None if ref.version == -1 else ref.version
        try:
            target = SubjectVersions.load(conn, ref.subject).version(version, deleted=False)
        except RegistryError:
            raise formats.invalid(
                f"Invalid schema: reference {ref.name!r} names subject {ref.subject!r} version {ref.version}, which is not registered"
            ) from None
        if target.schema.schema_type != schema_type:
            raise formats.invalid(
                f"Invalid schema: reference {ref.name!r} is a {target.schema.schema_type} schema; a {schema_type} schema can only reference {schema_type} schemas"
            )
        child, _ = _resolve(conn, schema_type, target.schema.schema_text, target.schema.references, target.schema.serialized, depth + 1)
        resolved_refs.append((ref.name, child))
        pinned.append(Reference(ref.name, ref.subject, target.version))
    return ResolvedSchema(schema_type, text, pinned, resolved_refs, serialized), pinned


def _resolved_of(conn: psycopg.Connection, schema: StoredSchema) -> ResolvedSchema:
    resolved, _ = _resolve(conn, schema.schema_type, schema.schema_text, schema.references, schema.serialized)
    return resolved


def _request_schema(conn: psycopg.Connection, body: dict[str, Any]) -> tuple[ResolvedSchema, formats.ParsedSchema]:
    text = body.get("schema")
    if not isinstance(text, str) or not text.strip():
        raise formats.invalid("Empty schema: the body needs a 'schema' string")
    schema_type = body.get("schemaType") or "AVRO"
    if not isinstance(schema_type, str) or schema_type.upper() not in formats.SCHEMA_TYPES:
        raise formats.invalid(f"Invalid schema type {schema_type!r}; expected one of {', '.join(formats.SCHEMA_TYPES)}")
    schema_type = schema_type.upper()
    resolved, _ = _resolve(conn, schema_type, text, _references(body))
    parsed = formats.parse(resolved)
    return resolved, parsed


def _compatibility_level(conn: psycopg.Connection, subject: str) -> str:
    return (
        store.get_setting(conn, "config", "compatibility", subject)
        or store.get_setting(conn, "config", "compatibility", GLOBAL)
        or DEFAULT_COMPATIBILITY
    )


def _mode(conn: psycopg.Connection, subject: str) -> str:
    return store.get_setting(conn, "modes", "mode", subject) or store.get_setting(conn, "modes", "mode", GLOBAL) or DEFAULT_MODE


def _writable(conn: psycopg.Connection, subject: str) -> None:
    mode = _mode(conn, subject)
    if mode != "READWRITE":
        raise RegistryError(422, 42205, f"Subject {subject} is in read-only mode")


# ---------------------------------------------------------------------------------------------
# Root, health, types
# ---------------------------------------------------------------------------------------------


@app.get("/")
def root() -> dict[str, Any]:
    return {}


@app.get("/health")
def health() -> Any:
    try:
        store.ping()
    except RegistryError as err:
        return _error_response(503, 50301, f"unhealthy: {err.message}")
    return {
        "status": "ok",
        "service": "kafka-airflow-workbench local schema registry",
        "development_tool": True,
        "note": DEV_NOTE,
        "storage": "PostgreSQL schema schema_registry",
        "compatibility_checked": {t: list(levels) for t, levels in formats.CHECKED_LEVELS.items()},
    }


@app.get("/schemas/types")
def schema_types() -> list[str]:
    return list(formats.SCHEMA_TYPES)


@app.get("/contexts")
def contexts() -> list[str]:
    return [":.:"]


# ---------------------------------------------------------------------------------------------
# Schemas by id
# ---------------------------------------------------------------------------------------------


def _schema_by_id(conn: psycopg.Connection, schema_id: str) -> StoredSchema:
    try:
        number = int(schema_id)
    except ValueError:
        raise errors.schema_not_found(schema_id) from None
    schema = store.schema_by_id(conn, number)
    if schema is None:
        raise errors.schema_not_found(number)
    return schema


@app.get("/schemas")
def list_schemas(request: Request) -> list[dict[str, Any]]:
    with store.connection() as conn:
        versions = store.all_schemas(
            conn,
            prefix=request.query_params.get("subjectPrefix", ""),
            deleted=_flag(request, "deleted"),
            latest_only=_flag(request, "latestOnly"),
        )
    return [_version_json(v, None) for v in versions]


@app.get("/schemas/ids/{schema_id}")
def get_schema(schema_id: str, request: Request) -> dict[str, Any]:
    with store.connection() as conn:
        schema = _schema_by_id(conn, schema_id)
    return _schema_json(schema, request.query_params.get("format"))


@app.get("/schemas/ids/{schema_id}/schema")
def get_schema_text(schema_id: str, request: Request) -> Response:
    with store.connection() as conn:
        schema = _schema_by_id(conn, schema_id)
    fmt = request.query_params.get("format")
    text = schema.serialized if fmt == "serialized" and schema.serialized else schema.schema_text
    return Response(content=text, media_type=MEDIA_TYPE)


@app.get("/schemas/ids/{schema_id}/subjects")
def get_schema_subjects(schema_id: str, request: Request) -> list[str]:
    with store.connection() as conn:
        schema = _schema_by_id(conn, schema_id)
        pairs = store.versions_of_schema(conn, schema.id, deleted=_flag(request, "deleted"))
    return sorted({s for s, _ in pairs})


@app.get("/schemas/ids/{schema_id}/versions")
def get_schema_versions(schema_id: str, request: Request) -> list[dict[str, Any]]:
    with store.connection() as conn:
        schema = _schema_by_id(conn, schema_id)
        pairs = store.versions_of_schema(conn, schema.id, deleted=_flag(request, "deleted"))
    return [{"subject": s, "version": v} for s, v in pairs]


# ---------------------------------------------------------------------------------------------
# Subjects and versions
# ---------------------------------------------------------------------------------------------


@app.get("/subjects")
def list_subjects(request: Request) -> list[str]:
    prefix = request.query_params.get("subjectPrefix", "")
    if prefix == ":*:":
        prefix = ""
    with store.connection() as conn:
        if _flag(request, "deletedOnly"):
            everything = store.subjects(conn, deleted=True, prefix=prefix)
            live = set(store.subjects(conn, deleted=False, prefix=prefix))
            return [s for s in everything if s not in live]
        return store.subjects(conn, deleted=_flag(request, "deleted"), prefix=prefix)


@app.get("/subjects/{subject}/versions")
def list_versions(subject: str, request: Request) -> list[int]:
    with store.connection() as conn:
        versions = SubjectVersions.load(conn, subject)
    if _flag(request, "deletedOnly"):
        return [v.version for v in versions.soft_deleted]
    return [v.version for v in versions.listed(deleted=_flag(request, "deleted"))]


@app.get("/subjects/{subject}/versions/{version}")
def get_version(subject: str, version: str, request: Request) -> dict[str, Any]:
    found = _read_version(subject, version, deleted=_flag(request, "deleted"))
    return _version_json(found, request.query_params.get("format"))


@app.get("/subjects/{subject}/versions/{version}/schema")
def get_version_schema(subject: str, version: str, request: Request) -> Response:
    found = _read_version(subject, version, deleted=_flag(request, "deleted"))
    return Response(content=found.schema.schema_text, media_type=MEDIA_TYPE)


@app.get("/subjects/{subject}/versions/{version}/referencedby")
def get_referenced_by(subject: str, version: str) -> list[int]:
    number = _parse_version(version)
    with store.connection() as conn:
        found = SubjectVersions.load(conn, subject).version(number, deleted=True)
        return store.referenced_by(conn, subject, found.version)


@app.post("/subjects/{subject}/versions")
async def register(subject: str, request: Request) -> dict[str, Any]:
    body = await _body(request)
    if "id" in body and body["id"] not in (None, -1, 0):
        raise RegistryError(422, 42205, "Registering a schema with a given id needs IMPORT mode, which this local development registry does not support")
    with store.write() as conn:
        _writable(conn, subject)
        resolved, parsed = _request_schema(conn, body)
        fp = fingerprint(parsed.schema_type, parsed.canonical, resolved.references)
        existing = store.schema_by_fingerprint(conn, fp)
        live = SubjectVersions.load(conn, subject).live
        if existing is not None:
            for v in live:
                if v.schema.id == existing.id:
                    return {"id": existing.id, "version": v.version}
        level = _compatibility_level(conn, subject)
        if live:
            if live[-1].schema.schema_type != parsed.schema_type:
                raise RegistryError(
                    409,
                    40901,
                    f'Schema being registered is incompatible with an earlier schema for subject "{subject}", details: '
                    f"[{{errorType:'TYPE_MISMATCH', description:'the subject holds {live[-1].schema.schema_type} schemas, this one is {parsed.schema_type}'}}]",
                )
            previous = [(v.version, _resolved_of(conn, v.schema)) for v in live]
            outcome = formats.check_compatibility(level, resolved, previous)
            if not outcome.compatible:
                raise RegistryError(
                    409,
                    40901,
                    f'Schema being registered is incompatible with an earlier schema for subject "{subject}", details: [{", ".join(outcome.messages)}]',
                )
        if existing is None:
            existing = store.insert_schema(
                conn,
                schema_type=parsed.schema_type,
                schema_text=parsed.schema_text,
                serialized=parsed.serialized,
                canonical=parsed.canonical,
                references=resolved.references,
                fp=fp,
            )
        version = store.insert_version(conn, subject, existing.id)
    return {"id": existing.id, "version": version}


@app.post("/subjects/{subject}")
async def lookup(subject: str, request: Request) -> dict[str, Any]:
    body = await _body(request)
    deleted = _flag(request, "deleted")
    with store.connection() as conn:
        versions = SubjectVersions.load(conn, subject).listed(deleted=deleted)
        resolved, parsed = _request_schema(conn, body)
        fp = fingerprint(parsed.schema_type, parsed.canonical, resolved.references)
        existing = store.schema_by_fingerprint(conn, fp)
    if existing is not None:
        for v in reversed(versions):
            if v.schema.id == existing.id:
                return _version_json(v, None)
    raise errors.schema_not_found()


@app.delete("/subjects/{subject}")
def delete_subject(subject: str, request: Request) -> list[int]:
    permanent = _flag(request, "permanent")
    with store.write() as conn:
        _writable(conn, subject)
        subject_versions = SubjectVersions.load(conn, subject)
        versions = subject_versions.listed(deleted=True)
        live = [v.version for v in subject_versions.live]
        for v in versions:
            refs = store.referenced_by(conn, subject, v.version)
            if refs:
                raise RegistryError(422, 42206, f"One or more references exist to the schema {{subject={subject},version={v.version}}}: schema ids {refs}.")
        if permanent:
            if live:
                raise RegistryError(404, 40405, f"Subject '{subject}' was not deleted first before being permanently deleted")
            numbers = [v.version for v in versions]
            store.hard_delete(conn, subject, numbers)
            store.delete_setting(conn, "config", subject)
            store.delete_setting(conn, "modes", subject)
            return numbers
        if not live:
            raise RegistryError(404, 40404, f"Subject '{subject}' was soft deleted.Set permanent=true to delete permanently")
        store.soft_delete(conn, subject, live)
        return live


@app.delete("/subjects/{subject}/versions/{version}")
def delete_version(subject: str, version: str, request: Request) -> int:
    permanent = _flag(request, "permanent")
    number = _parse_version(version)
    with store.write() as conn:
        _writable(conn, subject)
        target = SubjectVersions.load(conn, subject).version(number, deleted=True)
        if number is None and target.deleted:  # latest means the latest live version here
            raise errors.subject_not_found(subject)
        refs = store.referenced_by(conn, subject, target.version)
        if refs:
            raise RegistryError(422, 42206, f"One or more references exist to the schema {{subject={subject},version={target.version}}}: schema ids {refs}.")
        if permanent:
            if not target.deleted:
                raise RegistryError(404, 40407, f"Subject '{subject}' Version {target.version} was not deleted first before being permanently deleted")
            store.hard_delete(conn, subject, [target.version])
        else:
            if target.deleted:
                raise RegistryError(404, 40406, f"Subject '{subject}' Version {target.version} was soft deleted.Set permanent=true to delete permanently")
            store.soft_delete(conn, subject, [target.version])
        return target.version


# ---------------------------------------------------------------------------------------------
# Compatibility
# ---------------------------------------------------------------------------------------------


def _compatibility_answer(outcome: formats.CompatibilityOutcome, verbose: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"is_compatible": outcome.compatible}
    if verbose:
        body["messages"] = outcome.messages
    return body


async def _check(subject: str, version: str | None, request: Request) -> dict[str, Any]:
    body = await _body(request)
    verbose = _flag(request, "verbose")
    number = _parse_version(version) if version is not None else None
    with store.connection() as conn:
        resolved, parsed = _request_schema(conn, body)
        versions = SubjectVersions.load(conn, subject)
        level = _compatibility_level(conn, subject)
        if version is not None:
            if number is None and not versions.everything:  # latest of a subject with no versions at all
                return _compatibility_answer(formats.CompatibilityOutcome(True, []), verbose)
            target = versions.version(number, deleted=False)
            previous = [(target.version, _resolved_of(conn, target.schema))]
            level = level.removesuffix("_TRANSITIVE")
        else:
            previous = [(v.version, _resolved_of(conn, v.schema)) for v in versions.live]
        if previous and previous[-1][1].schema_type != parsed.schema_type:
            return _compatibility_answer(
                formats.CompatibilityOutcome(False, [f"the subject holds {previous[-1][1].schema_type} schemas, this one is {parsed.schema_type}"]),
                verbose,
            )
        outcome = formats.check_compatibility(level, resolved, previous)
    return _compatibility_answer(outcome, verbose)


@app.post("/compatibility/subjects/{subject}/versions/{version}")
async def check_against_version(subject: str, version: str, request: Request) -> dict[str, Any]:
    return await _check(subject, version, request)


@app.post("/compatibility/subjects/{subject}/versions")
async def check_against_all(subject: str, request: Request) -> dict[str, Any]:
    return await _check(subject, None, request)


# ---------------------------------------------------------------------------------------------
# Config and mode
# ---------------------------------------------------------------------------------------------


# Compatibility levels live in table config (column compatibility), modes in table modes (column
# mode), each with a row per subject and one for GLOBAL.
_CONFIG = ("config", "compatibility")
_MODES = ("modes", "mode")


def _read_setting(setting: tuple[str, str], subject: str, default: str) -> str:
    with store.connection() as conn:
        return store.get_setting(conn, *setting, subject) or default


def _own_or_global(conn: Any, setting: tuple[str, str], subject: str, request: Request, default: str) -> str | None:
    """The subject's own setting; with ?defaultToGlobal=true, else the global one (or the default)."""
    value = store.get_setting(conn, *setting, subject)
    if value is None and _flag(request, "defaultToGlobal"):
        value = store.get_setting(conn, *setting, GLOBAL) or default
    return value


def _write_setting(setting: tuple[str, str], subject: str, value: str) -> None:
    with store.write() as conn:
        store.set_setting(conn, *setting, subject, value)


def _delete_setting(setting: tuple[str, str], subject: str, missing: Callable[[], RegistryError], default: str | None = None) -> str:
    """Deletes the subject's own setting and returns it (the global one falls back to `default`); `missing()` when it has none."""
    with store.write() as conn:
        previous = store.get_setting(conn, *setting, subject) or default
        if previous is None:
            raise missing()
        store.delete_setting(conn, setting[0], subject)
    return previous


def _level_from(body: dict[str, Any]) -> str:
    level = body.get("compatibility", body.get("compatibilityLevel"))
    if not isinstance(level, str) or level.upper() not in COMPATIBILITY_LEVELS:
        raise errors.invalid_compatibility(level)
    return level.upper()


@app.get("/config")
def get_global_config() -> dict[str, Any]:
    return {"compatibilityLevel": _read_setting(_CONFIG, GLOBAL, DEFAULT_COMPATIBILITY)}


@app.put("/config")
async def put_global_config(request: Request) -> dict[str, Any]:
    level = _level_from(await _body(request))
    _write_setting(_CONFIG, GLOBAL, level)
    return {"compatibility": level}


@app.delete("/config")
def delete_global_config() -> dict[str, Any]:
    return {"compatibilityLevel": _delete_setting(_CONFIG, GLOBAL, lambda: errors.subject_not_found(GLOBAL), DEFAULT_COMPATIBILITY)}


@app.get("/config/{subject}")
def get_subject_config(subject: str, request: Request) -> dict[str, Any]:
    with store.connection() as conn:
        level = _own_or_global(conn, _CONFIG, subject, request, DEFAULT_COMPATIBILITY)
        if level is None:
            if not SubjectVersions.load(conn, subject).everything:
                raise errors.subject_not_found(subject)
            raise RegistryError(404, 40408, f"Subject '{subject}' does not have subject-level compatibility configured")
    return {"compatibilityLevel": level}


@app.put("/config/{subject}")
async def put_subject_config(subject: str, request: Request) -> dict[str, Any]:
    level = _level_from(await _body(request))
    _write_setting(_CONFIG, subject, level)
    return {"compatibility": level}


@app.delete("/config/{subject}")
def delete_subject_config(subject: str) -> dict[str, Any]:
    # As Confluent: "subject not found" when the subject has no config of its own.
    return {"compatibilityLevel": _delete_setting(_CONFIG, subject, lambda: errors.subject_not_found(subject))}


def _mode_from(body: dict[str, Any]) -> str:
    mode = body.get("mode")
    if not isinstance(mode, str) or mode.upper() not in MODES:
        raise RegistryError(422, 42204, f"Invalid mode {mode!r}. Valid values are READWRITE, READONLY, IMPORT and FORWARD.")
    mode = mode.upper()
    if mode == "READONLY_OVERRIDE":
        mode = "READONLY"
    if mode not in SUPPORTED_MODES:
        raise RegistryError(422, 42204, f"Mode {mode} is not supported by this local development registry; it supports READWRITE and READONLY")
    return mode


def _no_subject_mode(subject: str) -> RegistryError:
    return RegistryError(404, 40409, f"Subject '{subject}' does not have subject-level mode configured")


@app.get("/mode")
def get_global_mode() -> dict[str, Any]:
    return {"mode": _read_setting(_MODES, GLOBAL, DEFAULT_MODE)}


@app.put("/mode")
async def put_global_mode(request: Request) -> dict[str, Any]:
    mode = _mode_from(await _body(request))
    _write_setting(_MODES, GLOBAL, mode)
    return {"mode": mode}


@app.get("/mode/{subject}")
def get_subject_mode(subject: str, request: Request) -> dict[str, Any]:
    with store.connection() as conn:
        mode = _own_or_global(conn, _MODES, subject, request, DEFAULT_MODE)
    if mode is None:
        raise _no_subject_mode(subject)
    return {"mode": mode}


@app.put("/mode/{subject}")
async def put_subject_mode(subject: str, request: Request) -> dict[str, Any]:
    mode = _mode_from(await _body(request))
    _write_setting(_MODES, subject, mode)
    return {"mode": mode}


@app.delete("/mode/{subject}")
def delete_subject_mode(subject: str) -> dict[str, Any]:
    return {"mode": _delete_setting(_MODES, subject, lambda: _no_subject_mode(subject))}

