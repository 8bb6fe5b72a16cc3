"""stack/sql applied by apply_migrations: once, again only when a file changed, and the table it
makes has what the history needs (uniqueness on topic/partition/offset, the paging indexes).
Runs in a private schema of the history database, dropped afterwards.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from stack_client import pg_connect
from workbench_pipeline.history_db import apply_migrations, sql_dir


@pytest.fixture
def private_schema(history_db: psycopg.Connection) -> Iterator[psycopg.Connection]:
    schema = f"kaw_pytest_{uuid.uuid4().hex[:8]}"
    conn = pg_connect()
    conn.execute(f"CREATE SCHEMA {schema}")
    conn.execute(f"SET search_path TO {schema}")
    try:
        yield conn
    finally:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


def test_migrations_apply_once_and_again_only_when_changed(private_schema: psycopg.Connection, tmp_path: Path) -> None:
    for f in sql_dir().glob("*.sql"):
        shutil.copy(f, tmp_path / f.name)
    names = sorted(f.name for f in tmp_path.glob("*.sql"))
    assert "001_message_history.sql" in names

    assert apply_migrations(private_schema, tmp_path) == names
    assert apply_migrations(private_schema, tmp_path) == []  # current: nothing to do

    first = tmp_path / "001_message_history.sql"
    first.write_text(first.read_text() + "\n-- edited\n")
    assert apply_migrations(private_schema, tmp_path) == ["001_message_history.sql"]


def test_message_history_has_the_columns_keys_and_indexes_the_history_needs(private_schema: psycopg.Connection) -> None:
    apply_migrations(private_schema)
    columns = {
        r[0]: r[1]
        for r in private_schema.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'message_history'"
        ).fetchall()
    }
    expected = {
        "id": "bigint",
        "topic": "text",
        "partition": "integer",
        "offset": "bigint",
        "key": "text",
        "value_json": "jsonb",
        "value_text": "text",
        "value_bytes": "bytea",
        "headers": "jsonb",
        "data_type": "text",
        "message_timestamp": "timestamp with time zone",
        "consumed_at": "timestamp with time zone",
        "consumer_dag_id": "text",
        "consumer_run_id": "text",
        "dataset_uri": "text",
        "processed_at": "timestamp with time zone",
        "processed_by_run_id": "text",
    }
    assert {k: columns.get(k) for k in expected} == expected
    indexes = "\n".join(
        r[0]
        for r in private_schema.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'message_history'"
        ).fetchall()
    )
    assert "UNIQUE INDEX message_history_topic_partition_offset_key ON" in indexes
    assert '(topic, partition, "offset")' in indexes
    assert "(message_timestamp, id)" in indexes
    assert "(data_type, consumed_at)" in indexes

    insert = 'INSERT INTO message_history (topic, "partition", "offset", data_type) VALUES (%s, 0, 7, %s)'
    private_schema.execute(insert, ("t", "order"))
    with pytest.raises(psycopg.errors.UniqueViolation):
        private_schema.execute(insert, ("t", "user"))
