"""Crashes during kafka_batch_consumer runs, for real: nothing may be lost or loaded twice.

1. SIGKILL of the task process while it is inside a load statement (seen in pg_stat_activity),
   then a rerun with the same group.
2. The history database stops in the middle of a run. Stopping the stack's PostgreSQL would
   also stop Airflow's own metadata database (same server), so this test starts a SECOND,
   throwaway PostgreSQL server (initdb in a temp dir, a free port) for the history and points
   the run at it through an Airflow connection (conf history_conn_id). It is a real server,
   stopped with `pg_ctl stop -m fast` while the run is between batches.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from conftest import STACK_DIR, TopicFactory, unique
from stack_client import AirflowApi, KafkaTool, history_connection_body, pg_connect, wait_for
from workbench_pipeline.sample_messages import sample_messages

CONSUMER = "kafka_batch_consumer"


def assert_offsets_never_ahead_of_rows(db: psycopg.Connection, topic: str, committed: dict[int, int]) -> None:
    """Per partition: the rows are a gap-free prefix 0..n-1 and the committed offset <= n."""
    counts: dict[int, int] = dict(
        db.execute('SELECT "partition", count(*) FROM message_history WHERE topic = %s GROUP BY 1', (topic,)).fetchall()
    )
    tops: dict[int, int] = dict(
        db.execute(
            'SELECT "partition", max("offset") + 1 FROM message_history WHERE topic = %s GROUP BY 1', (topic,)
        ).fetchall()
    )
    for partition, offset in committed.items():
        rows = counts.get(partition, 0)
        assert tops.get(partition, 0) == rows, f"partition {partition}: the loaded rows have gaps"
        if offset >= 0:
            assert offset <= rows, f"partition {partition}: offset {offset} committed but only {rows} rows loaded"


def topic_rows(db: psycopg.Connection, topic: str) -> tuple[int, int]:
    row = db.execute(
        'SELECT count(*), count(DISTINCT ("partition", "offset")) FROM message_history WHERE topic = %s', (topic,)
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def produce_sample(kafka: KafkaTool, topic: str, count: int, partitions: int, size: int = 0) -> None:
    kafka.produce(
        topic, ((k.encode(), v, None) for k, v in sample_messages(count, target_bytes=size)), partitions=partitions
    )


def test_sigkill_in_the_middle_of_a_load_then_rerun(
    airflow: AirflowApi, kafka: KafkaTool, topics: TopicFactory, history_db: psycopg.Connection
) -> None:
    total = 30_000
    topic = topics.new("kill", 3)
    produce_sample(kafka, topic, total, 3, size=500)
    group = unique("kaw-pytest-kill")
    run_id = unique("pytest_kill")
    airflow.trigger(
        CONSUMER, run_id, {"topics": [topic], "group_id": group, "batch_size": 3000, "max_messages": 100_000}
    )

    # Once a first batch is in, find the task process while its connection executes the COPY or
    # the INSERT of a later batch: the kill lands in the middle of a load, in the middle of the run.
    wait_for("a first batch to be loaded", lambda: topic_rows(history_db, topic)[0] >= 3000, 180, 0.05)
    watcher = pg_connect()
    victim: int | None = None
    statement = ""
    deadline = time.monotonic() + 180
    while victim is None:
        for app, query in watcher.execute(
            "SELECT application_name, query FROM pg_stat_activity WHERE state = 'active' AND application_name LIKE %s",
            (f"kaw-consumer pid=% run={run_id}%",),
        ).fetchall():
            if query.startswith("COPY") or "INSERT INTO message_history" in query:
                match = re.search(r"pid=(\d+)", app)
                assert match, app
                victim, statement = int(match.group(1)), query.split()[0]
        if victim is None:
            assert time.monotonic() < deadline, "the consumer never got to a load statement"
            assert airflow.run_state(CONSUMER, run_id) not in ("success", "failed"), "the run ended before the kill"
            time.sleep(0.002)
    os.kill(victim, signal.SIGKILL)
    watcher.close()

    assert airflow.wait_run(CONSUMER, run_id, timeout=180) == "failed"
    rows_after_kill, _ = topic_rows(history_db, topic)
    committed = kafka.committed(group, topic)
    assert 3000 <= rows_after_kill < total, f"killed during {statement}: {rows_after_kill} rows"
    assert_offsets_never_ahead_of_rows(history_db, topic, committed)

    rerun = unique("pytest_after_kill")
    airflow.trigger(
        CONSUMER, rerun, {"topics": [topic], "group_id": group, "batch_size": 3000, "max_messages": 100_000}
    )
    assert airflow.wait_run(CONSUMER, rerun, timeout=240) == "success"
    summary: dict[str, Any] = airflow.xcom(CONSUMER, rerun, "consume_and_load")
    already_committed = sum(o for o in committed.values() if o > 0)
    assert summary["consumed"] == total - already_committed
    assert summary["inserted"] == total - rows_after_kill
    assert topic_rows(history_db, topic) == (total, total)
    assert kafka.committed(group, topic) == kafka.end_offsets(topic)


# --- the history database stops during a run ------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path:
    versions = (STACK_DIR / "versions.env").read_text()
    match = re.search(r"^POSTGRES_MAJOR=(\d+)", versions, re.M)
    major = match.group(1) if match else "15"
    return Path(os.environ.get("KAW_PG_BIN", f"/usr/lib/postgresql/{major}/bin"))


@dataclass
class ThrowawayPostgres:
    """A private PostgreSQL server in a temp dir (run as the postgres user when we are root)."""

    root: Path
    port: int
    bin_dir: Path

    def _as_owner(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *cmd], cwd=self.root, check=True, capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        self._as_owner(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.root / "data"),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-locale",
            "-E",
            "UTF8",
        )

    def start(self) -> None:
        self._as_owner(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.root / "data"),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_owner(str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data"), "-m", mode, "-w", "stop")

    def admin_sql(self, sql: str) -> None:
        self._as_owner(
            str(self.bin_dir / "psql"),
            "-X",
            "-q",
            "-h",
            str(self.root),
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        )

    def connect(self) -> psycopg.Connection:
        return pg_connect(port=self.port)


@pytest.fixture(scope="module")
def throwaway_pg() -> Iterator[ThrowawayPostgres]:
    bin_dir = _pg_bin()
    if not (bin_dir / "initdb").exists():
        pytest.fail(f"PostgreSQL server binaries not found in {bin_dir} (set KAW_PG_BIN)", pytrace=False)
    root = Path(tempfile.mkdtemp(prefix="kaw-pytest-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    pg = ThrowawayPostgres(root=root, port=_free_port(), bin_dir=bin_dir)
    pg.init()
    pg.start()
    pg.admin_sql("CREATE ROLE workbench LOGIN PASSWORD 'workbench'")
    pg.admin_sql("CREATE DATABASE workbench OWNER workbench")
    try:
        yield pg
    finally:
        with suppress(subprocess.CalledProcessError):  # already stopped by a failed test
            pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def test_history_database_stops_mid_run_then_rerun_loads_everything(
    airflow: AirflowApi, kafka: KafkaTool, topics: TopicFactory, throwaway_pg: ThrowawayPostgres
) -> None:
    conn_id = "kaw_pytest_history_outage"
    airflow.replace_connection(history_connection_body(conn_id, port=throwaway_pg.port))
    try:
        _outage_then_rerun(airflow, kafka, topics, throwaway_pg, conn_id)
    finally:
        airflow.request("DELETE", f"/api/v2/connections/{conn_id}")


def _outage_then_rerun(
    airflow: AirflowApi, kafka: KafkaTool, topics: TopicFactory, throwaway_pg: ThrowawayPostgres, conn_id: str
) -> None:
    total = 300
    topic = topics.new("outage", 3)
    produce_sample(kafka, topic, total, 3)
    group = unique("kaw-pytest-outage")
    conf = {"topics": [topic], "group_id": group, "batch_size": 30, "history_conn_id": conn_id}

    run_id = unique("pytest_outage")
    airflow.trigger(CONSUMER, run_id, {**conf, "pause_after_batch_seconds": 1.0})
    db = wait_for("the throwaway database to be migrated", lambda: _connect_when_migrated(throwaway_pg), 120, 0.5)
    wait_for("two batches to be loaded", lambda: topic_rows(db, topic)[0] >= 60, 120, 0.1)
    db.close()
    throwaway_pg.stop("fast")

    assert airflow.wait_run(CONSUMER, run_id, timeout=180) == "failed"
    log = airflow.task_log(CONSUMER, run_id, "consume_and_load")
    assert "LOAD FAILED, offsets NOT committed for the failed batch" in log
    assert f"127.0.0.1:{throwaway_pg.port}" in log, "the log line names the database server"
    committed = kafka.committed(group, topic)

    throwaway_pg.start()
    db = throwaway_pg.connect()
    rows_before, _ = topic_rows(db, topic)
    assert 60 <= rows_before < total
    assert_offsets_never_ahead_of_rows(db, topic, committed)
    assert sum(o for o in committed.values() if o > 0) >= 60

    rerun = unique("pytest_after_outage")
    airflow.trigger(CONSUMER, rerun, conf)
    assert airflow.wait_run(CONSUMER, rerun, timeout=180) == "success"
    assert topic_rows(db, topic) == (total, total)
    assert kafka.committed(group, topic) == kafka.end_offsets(topic)
    db.close()


def _connect_when_migrated(pg: ThrowawayPostgres) -> psycopg.Connection | None:
    conn = pg.connect()
    if conn.execute("SELECT to_regclass('public.message_history')").fetchone() == (None,):
        conn.close()
        return None
    return conn
