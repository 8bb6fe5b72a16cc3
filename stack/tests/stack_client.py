"""Clients the pipeline tests use against the native stack: Airflow REST v2, Kafka, PostgreSQL.

Addresses come from the same variables `stack/native/stack.sh env` prints (KAW_*), with the
native stack's defaults. Every wait has a deadline and fails with what it was waiting for.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import psycopg
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

T = TypeVar("T")

KAFKA_BROKERS = os.environ.get("KAW_KAFKA_BROKERS", "127.0.0.1:9092")
AIRFLOW_URL = os.environ.get("KAW_AIRFLOW3_URL", "http://127.0.0.1:8080").rstrip("/")
AIRFLOW_USER = os.environ.get("KAW_AIRFLOW3_USER", "admin")
AIRFLOW_PASSWORD = os.environ.get("KAW_AIRFLOW3_PASSWORD", "admin")
PG_HOST = os.environ.get("KAW_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("KAW_PG_PORT", "5432"))
PG_USER = os.environ.get("KAW_PG_USER", "workbench")
PG_PASSWORD = os.environ.get("KAW_PG_PASSWORD", "workbench")
PG_DATABASE = os.environ.get("KAW_PG_DATABASE", "workbench")

TERMINAL_RUN_STATES = {"success", "failed"}


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, interval: float = 1.0) -> T:
    """Call ``probe`` until it returns something other than None/False; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = probe()
            if value is not None and value is not False:
                return value
        except (httpx.HTTPError, psycopg.Error, KafkaException) as err:  # retried until the deadline
            last_error = err
        if time.monotonic() > deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


class AirflowApi:
    """The few Airflow 3 REST calls the tests need (JWT from POST /auth/token, renewed on 401)."""

    def __init__(self, url: str = AIRFLOW_URL, user: str = AIRFLOW_USER, password: str = AIRFLOW_PASSWORD) -> None:
        self.url = url
        self._user = user
        self._password = password
        self._http = httpx.Client(base_url=url, timeout=30)
        self._token: str | None = None

    def close(self) -> None:
        self._http.close()

    def _auth(self) -> dict[str, str]:
        if self._token is None:
            r = self._http.post("/auth/token", json={"username": self._user, "password": self._password})
            r.raise_for_status()
            self._token = r.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        r = self._http.request(method, path, headers=self._auth(), **kwargs)
        if r.status_code == 401:
            self._token = None
            r = self._http.request(method, path, headers=self._auth(), **kwargs)
        return r

    def get(self, path: str, **params: Any) -> Any:
        r = self.request("GET", path, params=params)
        r.raise_for_status()
        return r.json()

    def ensure_connection(self, body: dict[str, Any]) -> None:
        """Create an Airflow connection; one that exists already (409) is left as it is."""
        r = self.request("POST", "/api/v2/connections", json=body)
        if r.status_code not in (200, 201, 409):
            raise AssertionError(f"creating connection {body['connection_id']} failed: {r.status_code} {r.text}")

    def replace_connection(self, body: dict[str, Any]) -> None:
        """Create or overwrite a connection the tests own."""
        self.request("DELETE", f"/api/v2/connections/{body['connection_id']}")
        r = self.request("POST", "/api/v2/connections", json=body)
        if r.status_code not in (200, 201):
            raise AssertionError(f"creating connection {body['connection_id']} failed: {r.status_code} {r.text}")

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> dict[str, Any]:
        """Wait until the dag-processor registered the DAG; unpause it."""

        def probe() -> dict[str, Any] | None:
            r = self.request("GET", f"/api/v2/dags/{dag_id}")
            return r.json() if r.status_code == 200 else None

        dag = wait_for(f"DAG {dag_id} to be parsed (check /api/v2/importErrors)", probe, timeout, 2)
        if dag.get("is_paused"):
            self.request("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False}).raise_for_status()
        return dag

    def trigger(self, dag_id: str, run_id: str, conf: dict[str, Any] | None = None) -> dict[str, Any]:
        r = self.request(
            "POST",
            f"/api/v2/dags/{dag_id}/dagRuns",
            json={"dag_run_id": run_id, "logical_date": None, "conf": conf or {}},
        )
        if r.status_code not in (200, 201):
            raise AssertionError(f"triggering {dag_id} failed: {r.status_code} {r.text}")
        return r.json()

    def run_state(self, dag_id: str, run_id: str) -> str:
        return str(self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"])

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 180) -> str:
        """Wait until a DAG run ends; returns its final state (success or failed)."""

        def probe() -> str | None:
            state = self.run_state(dag_id, run_id)
            return state if state in TERMINAL_RUN_STATES else None

        return wait_for(f"run {dag_id}/{run_id} to finish", probe, timeout, 1)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        return list(self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"])

    def task_state(self, dag_id: str, run_id: str, task_id: str) -> str | None:
        for ti in self.task_instances(dag_id, run_id):
            if ti["task_id"] == task_id:
                return ti.get("state")
        return None

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        """The task log as text (one line per structured log event)."""
        data = self.get(
            f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}", full_content=True
        )
        content = data.get("content")
        if isinstance(content, str):
            return content
        lines = []
        for entry in content or []:
            if isinstance(entry, dict):
                lines.append(
                    " ".join(str(entry.get(k, "")) for k in ("level", "event", "error_detail") if entry.get(k))
                )
            else:
                lines.append(str(entry))
        return "\n".join(lines)

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value", map_index: int = -1) -> Any:
        data = self.get(
            f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}",
            map_index=map_index,
            deserialize=True,
        )
        return data["value"]

    def asset_events(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.get("/api/v2/assets/events", limit=100, **filters)["asset_events"])

    def asset_by_uri(self, uri: str) -> dict[str, Any] | None:
        for asset in self.get("/api/v2/assets", uri_pattern=uri, limit=100)["assets"]:
            if asset["uri"] == uri:
                return asset
        return None


@dataclass
class KafkaTool:
    """Topic admin, producing and offset queries with confluent-kafka (what the DAGs use too)."""

    brokers: str = KAFKA_BROKERS
    _admin: AdminClient | None = None

    def admin(self) -> AdminClient:
        # One client for the session: futures of a client that was garbage-collected fail.
        if self._admin is None:
            self._admin = AdminClient({"bootstrap.servers": self.brokers})
        return self._admin

    def create_topic(self, name: str, partitions: int) -> None:
        futures = self.admin().create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
        for future in futures.values():
            future.result(timeout=30)
        wait_for(f"topic {name} to have {partitions} partitions", lambda: self.partitions(name) == partitions, 30, 0.2)

    def ensure_topic(self, name: str, partitions: int = 1) -> None:
        if self.partitions(name) == 0:
            try:
                self.create_topic(name, partitions)
            except KafkaException as err:
                if "TOPIC_ALREADY_EXISTS" not in str(err):
                    raise

    def delete_topics(self, names: Iterable[str]) -> None:
        names = list(names)
        if names:
            for future in self.admin().delete_topics(names, operation_timeout=30).values():
                with suppress(KafkaException):  # already gone: nothing to clean up
                    future.result(timeout=30)

    def partitions(self, name: str) -> int:
        meta = self.admin().list_topics(name, timeout=10).topics.get(name)
        if meta is None or meta.error is not None:
            return 0
        return len(meta.partitions)

    def produce(
        self,
        topic: str,
        messages: Iterable[tuple[bytes | str | None, bytes | str | None, Sequence[tuple[str, bytes | None]] | None]],
        partitions: int | None = None,
    ) -> int:
        """Produce (key, value, headers) triples, round-robin over partitions when given; flushed."""
        producer = Producer({"bootstrap.servers": self.brokers, "linger.ms": 20, "acks": "all"})
        errors: list[str] = []

        def on_delivery(err: Any, _msg: Any) -> None:
            if err is not None:
                errors.append(str(err))

        n = 0
        for key, value, headers in messages:
            kwargs: dict[str, Any] = {"key": key, "value": value, "on_delivery": on_delivery}
            if headers:
                kwargs["headers"] = headers
            if partitions:
                kwargs["partition"] = n % partitions
            while True:
                try:
                    producer.produce(topic, **kwargs)
                    break
                except BufferError:
                    producer.poll(0.1)
            n += 1
        remaining = producer.flush(60)
        if remaining or errors:
            raise AssertionError(f"producing to {topic}: {remaining} undelivered, errors {errors[:3]}")
        return n

    def end_offsets(self, topic: str) -> dict[int, int]:
        consumer = Consumer({"bootstrap.servers": self.brokers, "group.id": "kaw-pytest-watermarks"})
        try:
            return {
                p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                for p in range(self.partitions(topic))
            }
        finally:
            consumer.close()

    def committed(self, group: str, topic: str) -> dict[int, int]:
        """The group's committed offset per partition (-1001 = none committed)."""
        consumer = Consumer({"bootstrap.servers": self.brokers, "group.id": group})
        try:
            tps = [TopicPartition(topic, p) for p in range(self.partitions(topic))]
            return {tp.partition: tp.offset for tp in consumer.committed(tps, timeout=10)}
        finally:
            consumer.close()


def pg_connect(
    *,
    host: str = PG_HOST,
    port: int = PG_PORT,
    dbname: str = PG_DATABASE,
    user: str = PG_USER,
    password: str = PG_PASSWORD,
) -> psycopg.Connection:
    return psycopg.connect(
        host=host, port=port, dbname=dbname, user=user, password=password, autocommit=True, connect_timeout=10
    )


def history_connection_body(
    conn_id: str, *, host: str = PG_HOST, port: int = PG_PORT, schema: str = PG_DATABASE
) -> dict[str, Any]:
    return {
        "connection_id": conn_id,
        "conn_type": "postgres",
        "host": host,
        "port": port,
        "schema": schema,
        "login": PG_USER,
        "password": PG_PASSWORD,
        "description": "Message history of the bundled pipeline (created by stack/tests)",
    }


def kafka_connection_body(conn_id: str, group_id: str, **extra: object) -> dict[str, Any]:
    """An Airflow connection of type kafka whose extra is the confluent-kafka config."""
    config = {
        "bootstrap.servers": KAFKA_BROKERS,
        "group.id": group_id,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        **extra,
    }
    return {
        "connection_id": conn_id,
        "conn_type": "kafka",
        "extra": json.dumps(config),
        "description": "Kafka of the bundled stack (created by stack/tests)",
    }


def ensure_pipeline_connections(api: AirflowApi) -> None:
    """The three connections the pipeline DAGs use, unless they exist (AIRFLOW_CONN_* or earlier)."""
    api.ensure_connection(kafka_connection_body("kafka_default", "workbench-default"))
    api.ensure_connection(
        kafka_connection_body("kafka_commands", "workbench-command-dispatcher", **{"allow.auto.create.topics": True})
    )
    api.ensure_connection(history_connection_body("workbench_history"))
