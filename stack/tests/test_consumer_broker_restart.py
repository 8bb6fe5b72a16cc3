"""The batch consumer across a Kafka broker crash and restart: nothing lost, nothing loaded twice.

Runs on the native stack's three-broker cluster (``stack.sh up cluster``, replication factor 3,
min.insync.replicas 2), never on the shared broker at 9092 that other tests use. The
``kafka_batch_consumer`` DAG reads Kafka through the ``kafka_default`` connection, which every
run shares, so instead of a DAG run this drives the operator's own consume loop
(``_ConsumerRun``: poll, encode, load in one transaction, commit offsets after it) with the
consumer settings ``execute()`` uses, pointed at the cluster, loading into the real
message_history table. Mid-run, the broker that coordinates the consumer group (and leads
partitions) is SIGKILLed, then started again while the run goes on.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from cluster_tool import TestCluster
from conftest import unique
from stack_client import PG_DATABASE, PG_HOST, PG_PASSWORD, PG_PORT, PG_USER, AirflowApi
from workbench_pipeline.batch_consumer import KafkaBatchConsumerOperator, _ConsumerRun
from workbench_pipeline.history_db import HistoryLoader, close_quietly, connect
from workbench_pipeline.sample_messages import sample_messages

TOTAL = 40_000
CONSUMER = "kafka_batch_consumer"
PARTITIONS = 3


@pytest.fixture(scope="module")
def cluster() -> Iterator[TestCluster]:
    made = TestCluster.start()
    try:
        yield made
    finally:
        made.close()


def produce(cluster: TestCluster, topic: str, count: int) -> None:
    producer = Producer({"bootstrap.servers": cluster.bootstrap, "linger.ms": 20, "acks": "all", "enable.idempotence": True})
    errors: list[str] = []
    for n, (key, value) in enumerate(sample_messages(count, target_bytes=300)):
        while True:
            try:
                producer.produce(
                    topic,
                    key=key.encode(),
                    value=value,
                    partition=n % PARTITIONS,
                    on_delivery=lambda err, _msg: errors.append(str(err)) if err else None,
                )
                break
            except BufferError:
                producer.poll(0.1)
    assert producer.flush(60) == 0 and not errors, f"producing to {topic}: {errors[:3]}"


def committed(cluster: TestCluster, group: str, topic: str) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": cluster.bootstrap, "group.id": group})
    try:
        tps = consumer.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=15)
        return {tp.partition: tp.offset for tp in tps}
    finally:
        consumer.close()


def end_offsets(cluster: TestCluster, topic: str) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": cluster.bootstrap, "group.id": "kaw-pytest-watermarks"})
    try:
        return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=15)[1] for p in range(PARTITIONS)}
    finally:
        consumer.close()


def rows(db: psycopg.Connection, topic: str) -> tuple[int, int]:
    row = db.execute(
        'SELECT count(*), count(DISTINCT ("partition", "offset")) FROM message_history WHERE topic = %s', (topic,)
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def consume_once(cluster: TestCluster, topic: str, group: str, run_id: str) -> dict[str, Any]:
    """One consume_and_load as execute() does it, against the cluster (no Airflow context)."""
    op = KafkaBatchConsumerOperator(
        task_id="consume_and_load", topics=[topic], group_id=group, batch_size=1_000, max_messages=1_000_000,
        pause_after_batch_seconds=0.3,
    )
    conn, target = connect(
        host=PG_HOST, port=PG_PORT, dbname=PG_DATABASE, user=PG_USER, password=PG_PASSWORD,
        application_name=f"kaw-pytest-restart run={run_id}",
    )
    # The settings execute() layers over the Kafka connection (GroupConsumerHook), with the cluster's brokers.
    consumer = Consumer({
        "bootstrap.servers": cluster.bootstrap,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": 10_000,
        "group.id": group,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
    })
    run = _ConsumerRun(
        op, consumer=consumer, loader=HistoryLoader(conn, target), topics=[topic], group_id=group,
        max_messages=1_000_000, batch_size=1_000, pause=0.3, dag_id="kafka_batch_consumer", run_id=run_id,
    )
    try:
        consumer.subscribe([topic], on_assign=run.on_assign, on_revoke=run.on_revoke)
        return run.consume_all()
    finally:
        run.closing = True
        consumer.close()
        close_quietly(conn)


def crash_coordinator_mid_run(
    cluster: TestCluster, history_db: psycopg.Connection, topic: str, group: str, events: list[str], failures: list[BaseException]
) -> None:
    """Once 6,000 rows are loaded, SIGKILL the group's coordinator, wait until it left the ISRs, start it again."""
    try:
        deadline = time.monotonic() + 180
        while rows(history_db, topic)[0] < 6_000:
            assert time.monotonic() < deadline, "the run did not load 6,000 rows within 180 s"
            time.sleep(0.05)
        victim = cluster.coordinator(group)
        led = [p["partition"] for p in cluster.partitions(topic) if p["leader"] == victim]
        at = rows(history_db, topic)[0]
        cluster.kill(victim)
        events.append(f"killed broker {victim} (group coordinator, leader of partitions {led}) at {at} rows")
        cluster.wait_until(
            f"broker {victim} left the ISRs",
            lambda: all(victim not in p["isr"] for p in cluster.partitions(topic)),
        )
        cluster.start_broker(victim)
        events.append(f"broker {victim} back at {rows(history_db, topic)[0]} rows")
    except BaseException as err:  # reported by the test thread
        failures.append(err)


def assert_loaded_once(cluster: TestCluster, history_db: psycopg.Connection, topic: str, group: str) -> None:
    """Every message once in message_history, no gap per partition, offsets committed to the end."""
    assert rows(history_db, topic) == (TOTAL, TOTAL), "every message once in message_history"
    gaps = history_db.execute(
        'SELECT "partition", count(*), min("offset"), max("offset") FROM message_history WHERE topic = %s GROUP BY 1',
        (topic,),
    ).fetchall()
    for partition, count, low, high in gaps:
        assert (low, high) == (0, count - 1), f"partition {partition}: rows {low}..{high} for {count} offsets"
    assert committed(cluster, group, topic) == end_offsets(cluster, topic)


def test_a_broker_crash_and_restart_mid_run_loses_and_duplicates_nothing(
    cluster: TestCluster, history_db: psycopg.Connection
) -> None:
    topic = f"kaw-pytest-restart-{unique('t').split('_')[1]}"
    group = unique("kaw-pytest-restart")
    cluster.create_topic(topic, PARTITIONS)
    try:
        produce(cluster, topic, TOTAL)
        events: list[str] = []
        failures: list[BaseException] = []
        saboteur = threading.Thread(
            target=crash_coordinator_mid_run, args=(cluster, history_db, topic, group, events, failures), name="crash-and-restart"
        )
        saboteur.start()
        summary = consume_once(cluster, topic, group, unique("pytest_restart"))
        saboteur.join(timeout=180)
        assert not failures, f"crashing the broker failed: {failures[0]!r}"
        assert len(events) == 2, f"the run ended before the broker was back: {events}; summary {summary}"
        print(f"broker restart mid-run: {'; '.join(events)}; run: {summary['consumed']} consumed, "
              f"{summary['inserted']} new rows, {summary['batches']} batches, stopped because {summary['stopped_because']}")

        # A batch whose commit the group refused (it rebalanced while the coordinator moved) is read
        # again and skipped by the unique (topic, partition, offset): consumed may exceed TOTAL.
        assert summary["inserted"] == TOTAL, f"one run loaded {summary['inserted']} of {TOTAL}: {summary}"
        assert summary["consumed"] >= TOTAL
        assert_loaded_once(cluster, history_db, topic, group)
    finally:
        cluster.restore()
        history_db.execute("DELETE FROM message_history WHERE topic = %s", (topic,))
        cluster.delete_topic(topic)


def test_a_dag_run_across_a_broker_restart_loses_and_duplicates_nothing(
    cluster: TestCluster, history_db: psycopg.Connection, airflow: AirflowApi
) -> None:
    """The same crash during a real kafka_batch_consumer DAG run, pointed at the cluster by its kafka_conn_id."""
    topic = f"kaw-pytest-dagrestart-{unique('t').split('_')[1]}"
    group = unique("kaw-pytest-dagrestart")
    conn_id = "kaw_pytest_kafka_cluster"
    airflow.replace_connection({
        "connection_id": conn_id,
        "conn_type": "kafka",
        "extra": json.dumps({
            "bootstrap.servers": cluster.bootstrap, "group.id": "kaw-pytest-cluster",
            "enable.auto.commit": False, "auto.offset.reset": "earliest",
        }),
    })
    cluster.create_topic(topic, PARTITIONS)
    try:
        produce(cluster, topic, TOTAL)
        airflow.wait_for_dag(CONSUMER)
        events: list[str] = []
        failures: list[BaseException] = []
        saboteur = threading.Thread(
            target=crash_coordinator_mid_run, args=(cluster, history_db, topic, group, events, failures), name="crash-and-restart"
        )
        saboteur.start()
        run_id = unique("pytest_dag_restart")
        airflow.trigger(CONSUMER, run_id, {
            "topics": [topic], "group_id": group, "kafka_conn_id": conn_id, "max_messages": 1_000_000,
            "batch_size": 1_000, "pause_after_batch_seconds": 0.3,
        })
        state = airflow.wait_run(CONSUMER, run_id, timeout=400)
        saboteur.join(timeout=180)
        assert not failures, f"crashing the broker failed: {failures[0]!r}"
        assert state == "success", f"the run ended {state}: {airflow.task_log(CONSUMER, run_id, 'consume_and_load')[-3000:]}"
        assert len(events) == 2, f"the run ended before the broker was back: {events}"
        print(f"DAG run across a broker restart: {'; '.join(events)}")
        assert_loaded_once(cluster, history_db, topic, group)
    finally:
        cluster.restore()
        history_db.execute("DELETE FROM message_history WHERE topic = %s", (topic,))
        cluster.delete_topic(topic)
        airflow.request("DELETE", f"/api/v2/connections/{conn_id}")
