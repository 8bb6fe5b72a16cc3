-- Message history of the bundled pipeline: every Kafka message the kafka_batch_consumer DAG
-- loaded, one row per (topic, partition, offset), and the hourly summary that the downstream
-- DAGs maintain. Idempotent: safe to apply on every consumer run (its first task does), from
-- the pytest setup and from the Compose init service. Apply it whole, in one transaction.

CREATE TABLE IF NOT EXISTS message_history (
    id                  bigserial   PRIMARY KEY,
    topic               text        NOT NULL,
    "partition"         integer     NOT NULL,
    "offset"            bigint      NOT NULL,
    -- The key as UTF-8 text; key_bytes holds a key that is not valid UTF-8 (then key is NULL).
    key                 text,
    key_bytes           bytea,
    -- Exactly one of the three value columns is set (all NULL for a tombstone):
    -- value_json when the value parses as JSON, else value_text when it is UTF-8, else bytes.
    value_json          jsonb,
    value_text          text,
    value_bytes         bytea,
    -- Kafka headers as [{"key": k, "value": utf8}] or [{"key": k, "value_base64": b64}].
    headers             jsonb,
    -- From the JSON value's "data_type" field, else a "data_type" header, else 'unknown'.
    data_type           text        NOT NULL DEFAULT 'unknown',
    -- The broker's (or producer's) timestamp of the message; NULL when Kafka has none.
    message_timestamp   timestamptz,
    consumed_at         timestamptz NOT NULL DEFAULT now(),
    consumer_dag_id     text,
    consumer_run_id     text,
    -- The asset (dataset) URI the consumer emitted an event on for this row's data type.
    dataset_uri         text,
    -- Set by the downstream DAG of the data type once it processed the row.
    processed_at        timestamptz,
    processed_by_dag_id text,
    processed_by_run_id text,
    CONSTRAINT message_history_topic_partition_offset_key UNIQUE (topic, "partition", "offset")
);

COMMENT ON TABLE message_history IS
    'Kafka messages loaded by the kafka_batch_consumer DAG; one row per (topic, partition, offset).';

-- Paging by time (keyset: message_timestamp, id). The UNIQUE constraint above is the index for
-- paging by (topic, partition, offset).
CREATE INDEX IF NOT EXISTS message_history_timestamp_id_idx
    ON message_history (message_timestamp, id);
-- Recent rows of a data type.
CREATE INDEX IF NOT EXISTS message_history_data_type_consumed_at_idx
    ON message_history (data_type, consumed_at);
-- The downstream DAGs' work queue: rows of a data type not processed yet. Partial, so it stays
-- as small as the backlog.
CREATE INDEX IF NOT EXISTS message_history_pending_idx
    ON message_history (data_type, id) WHERE processed_at IS NULL;

-- Per data type and hour (of the message timestamp, else of consumed_at): how many messages
-- the downstream DAGs processed.
CREATE TABLE IF NOT EXISTS hourly_summary (
    data_type        text        NOT NULL,
    hour             timestamptz NOT NULL,
    message_count    bigint      NOT NULL,
    first_message_at timestamptz NOT NULL,
    last_message_at  timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    updated_by_run_id text,
    PRIMARY KEY (data_type, hour)
);

COMMENT ON TABLE hourly_summary IS
    'Messages per data type and hour, maintained by the downstream DAGs of kafka_batch_consumer.';
