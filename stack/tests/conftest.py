"""pytest setup of the pipeline tests: the native stack must be up; the rest is made here.

Session setup, idempotent: checks Kafka, PostgreSQL and Airflow 3 answer (and says how to
start them when not), creates the Airflow connections the DAGs use (unless they exist, e.g.
from AIRFLOW_CONN_* variables), applies stack/sql to the history database, and waits until
the dag-processor registered the pipeline DAGs. Test topics are named kaw-pytest-* and are
deleted at the end with their message_history rows (KAW_KEEP_TEST_DATA=1 keeps them).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

STACK_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(STACK_DIR / "plugins"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack_client import (  # noqa: E402
    AIRFLOW_URL,
    KAFKA_BROKERS,
    AirflowApi,
    KafkaTool,
    ensure_pipeline_connections,
    pg_connect,
)
from workbench_pipeline.history_db import apply_migrations  # noqa: E402

PIPELINE_DAGS = (
    "kafka_batch_consumer",
    "process_order_messages",
    "process_user_messages",
    "process_sensor_reading_messages",
    "process_page_view_messages",
    "process_payment_messages",
)

START_HINT = "start it with: bash stack/native/stack.sh up postgres kafka airflow3"


@pytest.fixture(scope="session")
def kafka() -> KafkaTool:
    tool = KafkaTool()
    try:
        tool.admin().list_topics(timeout=10)
    except Exception as err:
        pytest.fail(f"Kafka at {KAFKA_BROKERS} does not answer ({err}); {START_HINT}", pytrace=False)
    return tool


@pytest.fixture(scope="session")
def history_db() -> Iterator[psycopg.Connection]:
    try:
        conn = pg_connect()
    except psycopg.Error as err:
        pytest.fail(f"PostgreSQL (history database) does not answer: {err}; {START_HINT}", pytrace=False)
    apply_migrations(conn)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def airflow(kafka: KafkaTool, history_db: psycopg.Connection) -> Iterator[AirflowApi]:
    api = AirflowApi()
    try:
        version = api.get("/api/v2/version")["version"]
    except httpx.HTTPError as err:
        pytest.fail(f"Airflow 3 at {AIRFLOW_URL} does not answer ({err}); {START_HINT}", pytrace=False)
    assert str(version).startswith("3."), f"expected Airflow 3 at {AIRFLOW_URL}, found {version}"
    ensure_pipeline_connections(api)
    for dag_id in PIPELINE_DAGS:
        api.wait_for_dag(dag_id)
    yield api
    api.close()


class TopicFactory:
    """Creates kaw-pytest-* topics; deletes them and their history rows at the end."""

    def __init__(self, kafka: KafkaTool, db: psycopg.Connection) -> None:
        self.kafka = kafka
        self.db = db
        self.created: list[str] = []

    def new(self, purpose: str, partitions: int = 3) -> str:
        name = f"kaw-pytest-{purpose}-{uuid.uuid4().hex[:8]}"
        self.kafka.create_topic(name, partitions)
        self.created.append(name)
        return name

    def cleanup(self) -> None:
        if os.environ.get("KAW_KEEP_TEST_DATA") == "1" or not self.created:
            return
        self.kafka.delete_topics(self.created)
        # Its own connection: a test may have restarted PostgreSQL (the streaming pipeline's
        # outage test), and the session's connection learns it was ended only when used.
        with pg_connect() as db:
            db.execute("DELETE FROM message_history WHERE topic = ANY(%s)", (self.created,))


@pytest.fixture(scope="session")
def topics(kafka: KafkaTool, history_db: psycopg.Connection) -> Iterator[TopicFactory]:
    made = TopicFactory(kafka, history_db)
    yield made
    made.cleanup()


def unique(prefix: str) -> str:
    """A short unique name (run ids, group ids) that says which test made it."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"
