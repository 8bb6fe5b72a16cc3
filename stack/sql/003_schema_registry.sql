-- Storage of the stack's local schema registry (stack/schema_registry, a development tool that
-- serves the Confluent Schema Registry REST API on 127.0.0.1:8085). Idempotent: applied by
-- workbench_pipeline.migrate at `stack.sh up` and by the registry itself when it starts.

CREATE SCHEMA IF NOT EXISTS schema_registry;

-- One row per distinct schema: ids are global and a schema registered twice (under any subject)
-- keeps its id. `fingerprint` is the sha256 of the type, the canonical form and the references.
CREATE TABLE IF NOT EXISTS schema_registry.schemas (
    id            integer     PRIMARY KEY,
    schema_type   text        NOT NULL CHECK (schema_type IN ('AVRO', 'JSON', 'PROTOBUF')),
    -- The schema as served (Avro/JSON: compact JSON; Protobuf: .proto text).
    schema_text   text        NOT NULL,
    -- Protobuf only: the FileDescriptorProto, base64 (what ?format=serialized serves).
    serialized    text,
    canonical     text        NOT NULL,
    "references"  jsonb       NOT NULL DEFAULT '[]'::jsonb,
    fingerprint   text        NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Versions of subjects. A soft delete sets deleted; a hard delete removes the row.
CREATE TABLE IF NOT EXISTS schema_registry.subject_versions (
    subject       text        NOT NULL,
    version       integer     NOT NULL CHECK (version > 0),
    schema_id     integer     NOT NULL REFERENCES schema_registry.schemas (id),
    deleted       boolean     NOT NULL DEFAULT false,
    registered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, version)
);
CREATE INDEX IF NOT EXISTS subject_versions_schema_id_idx ON schema_registry.subject_versions (schema_id);

-- Compatibility level and mode, global (subject '') and per subject.
CREATE TABLE IF NOT EXISTS schema_registry.config (
    subject       text        PRIMARY KEY,
    compatibility text        NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS schema_registry.modes (
    subject       text        PRIMARY KEY,
    mode          text        NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

COMMENT ON SCHEMA schema_registry IS
    'Local development schema registry of the native stack (Confluent REST API subset); not for production.';
