"""The message-history database: connect, apply the stack/sql migrations, load batches.

Used by the batch consumer (load), the downstream DAGs (process pending rows), the command
handlers and the pytest suite. Loading is idempotent: a batch whose offsets are all new is
COPied straight into the table; one that overlaps rows already there (a rerun after a crash
between the database commit and the Kafka commit) goes through a temp table and
``INSERT ... ON CONFLICT (topic, partition, offset) DO NOTHING``, so it adds nothing twice.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg

from workbench_pipeline.message_rows import COPY_COLUMNS, EncodedBatch

HISTORY_CONN_ID = "workbench_history"
"""The Airflow connection of the history database (AIRFLOW_CONN_WORKBENCH_HISTORY)."""

# One advisory lock id for "the workbench migrations run": concurrent runs wait, not race.
_MIGRATION_LOCK_ID = 7_354_120_001


def sql_dir() -> Path:
    """stack/sql (native) or /opt/airflow/sql (Compose); WORKBENCH_SQL_DIR overrides it."""
    override = os.environ.get("WORKBENCH_SQL_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "sql"


class HistoryDatabaseError(RuntimeError):
    """The history database could not be reached or refused a statement; says which and why."""


class HistoryDataRejected(HistoryDatabaseError):
    """PostgreSQL refused a value of a batch (invalid input, a limit); the connection is fine."""


@dataclass(frozen=True)
class HistoryTarget:
    """Where the history database is (never holds the password in its text form)."""

    host: str
    port: int
    dbname: str
    user: str

    def __str__(self) -> str:
        return f"PostgreSQL {self.user}@{self.host}:{self.port}/{self.dbname}"


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def connect(
    *,
    host: str,
    port: int,
    dbname: str,
    user: str,
    password: str | None,
    application_name: str,
    extra: Mapping[str, str] | None = None,
    connect_timeout: int = 10,
) -> tuple[psycopg.Connection, HistoryTarget]:
    """Open a connection in autocommit mode (callers group statements with ``conn.transaction()``).

    A failure names the server and the cause."""
    target = HistoryTarget(host=host, port=port, dbname=dbname, user=user)
    params: dict[str, str | int] = {
        "host": host,
        "port": port,
        "dbname": dbname,
        "user": user,
        "application_name": application_name[:63],
        "connect_timeout": connect_timeout,
    }
    if password:
        params["password"] = password
    for name in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if extra and extra.get(name):
            params[name] = extra[name]
    try:
        conn = psycopg.connect(autocommit=True, **params)  # type: ignore[arg-type]
    except psycopg.Error as err:
        raise HistoryDatabaseError(f"cannot connect to the history database {target}: {_first_line(err)}") from err
    return conn, target


def connect_airflow_connection(conn_id: str, application_name: str) -> tuple[psycopg.Connection, HistoryTarget]:
    """Connect with the host/port/schema/login/password of an Airflow connection."""
    from airflow.sdk import BaseHook

    c = BaseHook.get_connection(conn_id)
    if not c.host or not c.schema:
        raise HistoryDatabaseError(
            f"Airflow connection {conn_id!r} needs a host and a schema (the database name); "
            "set AIRFLOW_CONN_WORKBENCH_HISTORY or edit the connection"
        )
    return connect(
        host=c.host,
        port=int(c.port or 5432),
        dbname=c.schema,
        user=c.login or "",
        password=c.password,
        application_name=application_name,
        extra={k: str(v) for k, v in (c.extra_dejson or {}).items()},
    )


_MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS workbench_schema_migrations (
    name       text PRIMARY KEY,
    sha256     text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def apply_migrations(conn: psycopg.Connection, directory: Path | None = None) -> list[str]:
    """Apply the ``*.sql`` files of stack/sql that this database has not seen, in name order.

    One transaction; an advisory lock keeps two runs that start together from racing. A file is
    (re)applied when its name is missing from ``workbench_schema_migrations`` or its content
    changed (the files are idempotent); otherwise it is skipped, so a run that finds the schema
    current takes no table lock at all. Returns the names applied now (empty when current).
    """
    folder = directory or sql_dir()
    files = sorted(folder.glob("*.sql"))
    if not files:
        raise HistoryDatabaseError(f"no migrations (*.sql) found in {folder}; set WORKBENCH_SQL_DIR to stack/sql")
    current = files[0]
    applied: list[str] = []
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK_ID,))
            conn.execute(_MIGRATIONS_TABLE)  # type: ignore[arg-type]
            seen: dict[str, str] = dict(conn.execute("SELECT name, sha256 FROM workbench_schema_migrations").fetchall())
            for current in files:
                text = current.read_text(encoding="utf-8")
                digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
                if seen.get(current.name) == digest:
                    continue
                conn.execute(text)  # type: ignore[arg-type]  # a trusted file of stack/sql
                conn.execute(
                    """INSERT INTO workbench_schema_migrations (name, sha256) VALUES (%s, %s)
                       ON CONFLICT (name) DO UPDATE SET sha256 = EXCLUDED.sha256, applied_at = now()""",
                    (current.name, digest),
                )
                applied.append(current.name)
    except psycopg.Error as err:
        raise HistoryDatabaseError(f"applying {current} to the history database failed: {_first_line(err)}") from err
    return applied


_STAGING_TABLE = "workbench_incoming_messages"
_COLUMN_LIST = ", ".join(f'"{c}"' for c in COPY_COLUMNS)

# A session temp table shaped like message_history (without its indexes and constraints).
_CREATE_STAGING = f"""
CREATE TEMP TABLE IF NOT EXISTS {_STAGING_TABLE}
    (LIKE message_history INCLUDING DEFAULTS) ON COMMIT DELETE ROWS
"""
_COPY_STAGING = f"COPY {_STAGING_TABLE} ({_COLUMN_LIST}) FROM STDIN"
_INSERT_FROM_STAGING = f"""
INSERT INTO message_history ({_COLUMN_LIST}, consumed_at)
SELECT {_COLUMN_LIST}, consumed_at FROM {_STAGING_TABLE}
ON CONFLICT (topic, "partition", "offset") DO NOTHING
"""
_COPY_DIRECT = f"COPY message_history ({_COLUMN_LIST}) FROM STDIN"
# Is any (topic, partition, offset) of the batch's ranges in the table already?
_ANY_LOADED = """
SELECT EXISTS (
    SELECT 1 FROM unnest(%s::text[], %s::int[], %s::bigint[], %s::bigint[]) AS r(topic, part, lo, hi)
    JOIN message_history m ON m.topic = r.topic AND m."partition" = r.part AND m."offset" BETWEEN r.lo AND r.hi
)
"""


class HistoryLoader:
    """Loads encoded batches into ``message_history``, one transaction per batch.

    Fast path: when no row of the batch's offset ranges is in the table yet (the normal case),
    COPY straight into message_history. Otherwise (a rerun after a crash, another group
    re-reading a topic) or when a concurrent load got there first (unique violation), COPY into
    a temp table and INSERT ... ON CONFLICT DO NOTHING. The unique constraint on (topic,
    partition, offset) is what guarantees "no duplicates" on both paths.
    """

    def __init__(self, conn: psycopg.Connection, target: HistoryTarget) -> None:
        self._conn = conn
        self._target = target
        self._staging_ready = False
        self.fast_loads = 0
        self.merge_loads = 0

    @contextmanager
    def _errors_named(self, what: str) -> Iterator[None]:
        try:
            yield
        except (psycopg.errors.DataError, psycopg.errors.ProgramLimitExceeded) as err:
            raise HistoryDataRejected(
                f"{what}: the history database {self._target} refused a value: {_first_line(err)}"
            ) from err
        except psycopg.Error as err:
            raise HistoryDatabaseError(
                f"{what} failed on the history database {self._target}: {_first_line(err)}"
            ) from err

    def load(self, batch: EncodedBatch) -> int:
        """Load one batch in one committed transaction; returns the rows newly inserted.

        When this returns, the rows are durable; only then may the caller commit Kafka offsets.
        """
        if batch.row_count == 0:
            return 0
        with self._errors_named(f"loading {batch.describe()}"):
            try:
                inserted = self._copy_if_all_new(batch)
            except psycopg.errors.UniqueViolation:
                inserted = None  # a concurrent load inserted some of these rows meanwhile
            if inserted is None:
                inserted = self._merge(batch)
        return inserted

    def _copy_if_all_new(self, batch: EncodedBatch) -> int | None:
        ranges = sorted(batch.next_offsets)
        params = (
            [t for t, _ in ranges],
            [p for _, p in ranges],
            [batch.first_offsets[tp] for tp in ranges],
            [batch.next_offsets[tp] - 1 for tp in ranges],
        )
        with self._conn.transaction(), self._conn.cursor() as cur:
            row = cur.execute(_ANY_LOADED, params).fetchone()  # type: ignore[arg-type]
            if row is None or row[0]:
                return None
            with cur.copy(_COPY_DIRECT) as copy:  # type: ignore[arg-type]
                copy.write(batch.copy_data)
            self.fast_loads += 1
            return batch.row_count

    def _merge(self, batch: EncodedBatch) -> int:
        with self._conn.transaction(), self._conn.cursor() as cur:
            if not self._staging_ready:
                cur.execute(_CREATE_STAGING)  # type: ignore[arg-type]
            with cur.copy(_COPY_STAGING) as copy:  # type: ignore[arg-type]
                copy.write(batch.copy_data)
            cur.execute(_INSERT_FROM_STAGING)  # type: ignore[arg-type]
            inserted = cur.rowcount
        # Only now: a rolled-back first transaction takes the temp table with it.
        self._staging_ready = True
        self.merge_loads += 1
        return inserted


def close_quietly(conn: psycopg.Connection | None) -> None:
    """Close a connection whose server may already be gone (the error is of no further use)."""
    if conn is None:
        return
    # A broken connection fails to close; the error that broke it was reported already.
    with suppress(psycopg.Error):
        conn.close()
