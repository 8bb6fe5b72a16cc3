"""PostgreSQL storage of the local registry (schema ``schema_registry`` of database ``workbench``).

Every write runs in one transaction under an advisory lock, so ids and version numbers are
assigned one at a time even with several clients registering at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from schema_registry.errors import RegistryError
from schema_registry.formats import Reference

_WRITE_LOCK_ID = 7_354_120_013
SQL_FILE = Path(__file__).resolve().parents[1] / "sql" / "003_schema_registry.sql"
DEFAULT_COMPATIBILITY = "BACKWARD"
DEFAULT_MODE = "READWRITE"
GLOBAL = ""  # the config/mode row of the whole registry


def database_url() -> str:
    url = os.environ.get("KAW_SCHEMA_REGISTRY_DATABASE_URL") or os.environ.get("KAW_PG_URL")
    if url:
        return url
    return "postgresql://workbench:workbench@127.0.0.1:5432/workbench"


@dataclass
class StoredSchema:
    id: int
    schema_type: str
    schema_text: str
    serialized: str | None
    references: list[Reference]


@dataclass
class StoredVersion:
    subject: str
    version: int
    schema: StoredSchema
    deleted: bool


def _answers(conn: psycopg.Connection) -> bool:
    """Whether an idle pooled connection still reaches the server (one round trip)."""
    if conn.closed or conn.broken:
        return False
    try:
        conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def fingerprint(schema_type: str, canonical: str, references: list[Reference]) -> str:
    body = json.dumps([schema_type, canonical, [r.to_json() for r in references]], separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class Store:
    def __init__(self, url: str | None = None, pool_size: int = 4) -> None:
        self.url = url or database_url()
        self._pool: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue()
        self._size = pool_size
        self._made = 0
        self._lock = threading.Lock()

    # -- connections ---------------------------------------------------------------------------
    def _new_connection(self) -> psycopg.Connection:
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=5, application_name="kaw-schema-registry", row_factory=dict_row)
        except psycopg.Error as err:
            raise RegistryError(500, 50001, f"Error in the backend data store: PostgreSQL does not answer ({str(err).strip().splitlines()[0]}); start it with: stack/native/stack.sh up postgres") from None

    def _take(self) -> psycopg.Connection:
        """A pooled connection that still answers, else a new one.

        PostgreSQL ends every connection when it restarts (``stack.sh`` restarts it on its own)
        or when an administrator terminates them; the pool only learns it on the next query. A
        connection the server ended is closed here and the next one tried, so a request never
        runs on it and fails with 500 (error 50001) while the database is up again.
        """
        while True:
            try:
                conn = self._pool.get_nowait()
            except queue.Empty:
                return self._new_connection()
            if _answers(conn):
                return conn
            conn.close()

    def close(self) -> None:
        """Closes the pooled connections (the next request opens new ones)."""
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        conn = self._take()
        broken = False
        try:
            yield conn
        except psycopg.OperationalError as err:
            broken = True
            raise RegistryError(500, 50001, f"Error in the backend data store: {str(err).strip().splitlines()[0]}") from None
        finally:
            if broken or conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.close()
            elif self._pool.qsize() < self._size:
                self._pool.put(conn)
            else:
                conn.close()

    @contextmanager
    def write(self) -> Iterator[psycopg.Connection]:
        with self.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK_ID,))
            yield conn

    def init_schema(self) -> None:
        sql = SQL_FILE.read_text(encoding="utf-8")
        with self.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK_ID,))
            conn.execute(sql)  # type: ignore[arg-type]  # our own file

    def ping(self) -> None:
        with self.connection() as conn:
            conn.execute("SELECT 1 FROM schema_registry.schemas LIMIT 1")

    # -- reading -------------------------------------------------------------------------------
    @staticmethod
    def _schema_of(row: dict[str, Any]) -> StoredSchema:
        return StoredSchema(
            id=row["id"],
            schema_type=row["schema_type"],
            schema_text=row["schema_text"],
            serialized=row["serialized"],
            references=[Reference(r["name"], r["subject"], int(r["version"])) for r in row["references"]],
        )

    def schema_by_id(self, conn: psycopg.Connection, schema_id: int, *, only_live: bool = True) -> StoredSchema | None:
        """The schema with this id while some subject version (soft-deleted included) holds it."""
        row = conn.execute(
            """SELECT s.* FROM schema_registry.schemas s WHERE s.id = %s
               AND (NOT %s OR EXISTS (SELECT 1 FROM schema_registry.subject_versions v WHERE v.schema_id = s.id))""",
            (schema_id, only_live),
        ).fetchone()
        return self._schema_of(row) if row else None

    def schema_by_fingerprint(self, conn: psycopg.Connection, fp: str) -> StoredSchema | None:
        row = conn.execute("SELECT * FROM schema_registry.schemas WHERE fingerprint = %s", (fp,)).fetchone()
        return self._schema_of(row) if row else None

    def subjects(self, conn: psycopg.Connection, *, deleted: bool, prefix: str = "") -> list[str]:
        rows = conn.execute(
            """SELECT subject FROM schema_registry.subject_versions
               WHERE (%s OR NOT deleted) AND starts_with(subject, %s)
               GROUP BY subject ORDER BY subject""",
            (deleted, prefix),
        ).fetchall()
        return [r["subject"] for r in rows]

    def versions(self, conn: psycopg.Connection, subject: str, *, deleted: bool) -> list[StoredVersion]:
        rows = conn.execute(
            """SELECT v.subject, v.version, v.deleted, s.* FROM schema_registry.subject_versions v
               JOIN schema_registry.schemas s ON s.id = v.schema_id
               WHERE v.subject = %s AND (%s OR NOT v.deleted) ORDER BY v.version""",
            (subject, deleted),
        ).fetchall()
        return [StoredVersion(r["subject"], r["version"], self._schema_of(r), r["deleted"]) for r in rows]

    def versions_of_schema(self, conn: psycopg.Connection, schema_id: int, *, deleted: bool) -> list[tuple[str, int]]:
        rows = conn.execute(
            """SELECT subject, version FROM schema_registry.subject_versions
               WHERE schema_id = %s AND (%s OR NOT deleted) ORDER BY subject, version""",
            (schema_id, deleted),
        ).fetchall()
        return [(r["subject"], r["version"]) for r in rows]

    def referenced_by(self, conn: psycopg.Connection, subject: str, version: int) -> list[int]:
        """Ids of schemas of live versions whose references name (subject, version)."""
        rows = conn.execute(
            """SELECT DISTINCT s.id FROM schema_registry.schemas s
               JOIN schema_registry.subject_versions v ON v.schema_id = s.id AND NOT v.deleted
               WHERE s."references" @> %s::jsonb ORDER BY s.id""",
            (json.dumps([{"subject": subject, "version": version}]),),
        ).fetchall()
        return [r["id"] for r in rows]

    def all_schemas(self, conn: psycopg.Connection, *, prefix: str, deleted: bool, latest_only: bool) -> list[StoredVersion]:
        out: list[StoredVersion] = []
        for subject in self.subjects(conn, deleted=deleted, prefix=prefix):
            versions = self.versions(conn, subject, deleted=deleted)
            out.extend(versions[-1:] if latest_only else versions)
        return out

    # -- config and mode -----------------------------------------------------------------------
    def get_setting(self, conn: psycopg.Connection, table: str, column: str, subject: str) -> str | None:
        row = conn.execute(
            f"SELECT {column} AS value FROM schema_registry.{table} WHERE subject = %s",  # noqa: S608  # fixed names
            (subject,),
        ).fetchone()
        return row["value"] if row else None

    def set_setting(self, conn: psycopg.Connection, table: str, column: str, subject: str, value: str) -> None:
        conn.execute(
            f"""INSERT INTO schema_registry.{table} (subject, {column}) VALUES (%s, %s)
                ON CONFLICT (subject) DO UPDATE SET {column} = EXCLUDED.{column}, updated_at = now()""",  # noqa: S608
            (subject, value),
        )

    def delete_setting(self, conn: psycopg.Connection, table: str, subject: str) -> None:
        conn.execute(f"DELETE FROM schema_registry.{table} WHERE subject = %s", (subject,))  # noqa: S608

    # -- writing (inside write()) --------------------------------------------------------------
    def insert_schema(
        self,
        conn: psycopg.Connection,
        *,
        schema_type: str,
        schema_text: str,
        serialized: str | None,
        canonical: str,
        references: list[Reference],
        fp: str,
    ) -> StoredSchema:
        row = conn.execute(
            """INSERT INTO schema_registry.schemas (id, schema_type, schema_text, serialized, canonical, "references", fingerprint)
               VALUES ((SELECT coalesce(max(id), 0) + 1 FROM schema_registry.schemas), %s, %s, %s, %s, %s::jsonb, %s)
               RETURNING *""",
            (schema_type, schema_text, serialized, canonical, json.dumps([r.to_json() for r in references]), fp),
        ).fetchone()
        assert row is not None
        return self._schema_of(row)

    def insert_version(self, conn: psycopg.Connection, subject: str, schema_id: int) -> int:
        row = conn.execute(
            """INSERT INTO schema_registry.subject_versions (subject, version, schema_id)
               VALUES (%s, (SELECT coalesce(max(version), 0) + 1 FROM schema_registry.subject_versions WHERE subject = %s), %s)
               RETURNING version""",
            (subject, subject, schema_id),
        ).fetchone()
        assert row is not None
        return int(row["version"])

    def soft_delete(self, conn: psycopg.Connection, subject: str, versions: list[int]) -> None:
        conn.execute(
            "UPDATE schema_registry.subject_versions SET deleted = true WHERE subject = %s AND version = ANY(%s)",
            (subject, versions),
        )

    def hard_delete(self, conn: psycopg.Connection, subject: str, versions: list[int]) -> None:
        conn.execute(
            "DELETE FROM schema_registry.subject_versions WHERE subject = %s AND version = ANY(%s)",
            (subject, versions),
        )
