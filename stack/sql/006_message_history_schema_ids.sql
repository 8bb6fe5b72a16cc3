-- Messages in the Confluent wire format (Avro, Protobuf, JSON Schema with a schema registry):
-- the batch consumer stores the decoded value as JSON in value_json (a decoded key as JSON text
-- in key) and the schema ids here. NULL when the key/value is not in the wire format.
-- A key or value that looks like the wire format but could not be decoded (unknown schema id,
-- registry unreachable, bytes that do not match the schema) keeps its bytes (key_bytes /
-- value_bytes), its schema id stays here, and schema_error says why. Idempotent.

ALTER TABLE message_history ADD COLUMN IF NOT EXISTS key_schema_id integer;
ALTER TABLE message_history ADD COLUMN IF NOT EXISTS value_schema_id integer;
ALTER TABLE message_history ADD COLUMN IF NOT EXISTS schema_error text;

COMMENT ON COLUMN message_history.key_schema_id IS
    'Schema registry id of a wire-format key (decoded into key as JSON text); NULL otherwise.';
COMMENT ON COLUMN message_history.value_schema_id IS
    'Schema registry id of a wire-format value (decoded into value_json); NULL otherwise.';
COMMENT ON COLUMN message_history.schema_error IS
    'Why a wire-format key/value was kept as bytes (unknown schema id, registry down, bad bytes); NULL when decoded.';
