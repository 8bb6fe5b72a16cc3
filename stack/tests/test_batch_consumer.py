"""kafka_batch_consumer end to end on the native stack: Kafka -> message_history -> asset
events -> downstream DAGs, then the reruns that must not duplicate anything.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import psycopg
import pytest

from conftest import TopicFactory, unique
from stack_client import AirflowApi, KafkaTool, wait_for
from workbench_pipeline.assets import KNOWN_DATA_TYPES, history_asset_uri
from workbench_pipeline.sample_messages import sample_message

CONSUMER = "kafka_batch_consumer"
PARTITIONS = 3

Produced = tuple[bytes, bytes, list[tuple[str, bytes]] | None]


def mixed_messages() -> tuple[list[Produced], Counter[str]]:
    """300 messages: 285 JSON of the five known types, 5 text values typed by a header,
    5 non-UTF-8 values and 5 JSON values without a data type (10 'unknown')."""
    rng = random.Random(7)
    msgs: list[Produced] = []
    for n in range(285):
        key, value = sample_message(n, rng, data_type=KNOWN_DATA_TYPES[n % len(KNOWN_DATA_TYPES)])
        msgs.append((key.encode(), value, None))
    msgs += [(f"hdr-{n}".encode(), f"order line {n}\tplain text".encode(), [("data_type", b"order")]) for n in range(5)]
    msgs += [(f"bin-{n}".encode(), bytes([0xFF, 0xFE, n, 0x00, 0x80]), None) for n in range(5)]
    msgs += [(f"untyped-{n}".encode(), b'{"hello": "no data type here", "n": %d}' % n, None) for n in range(5)]
    expected = Counter(dict.fromkeys(KNOWN_DATA_TYPES, 57))
    expected["order"] += 5
    expected["unknown"] = 10
    return msgs, expected


def consumer_conf(topic: str, group: str, **extra: Any) -> dict[str, Any]:
    return {"topics": [topic], "group_id": group, "batch_size": 64, "max_messages": 10_000, **extra}


def run_consumer(airflow: AirflowApi, conf: dict[str, Any], prefix: str) -> tuple[str, dict[str, Any]]:
    run_id = unique(prefix)
    airflow.trigger(CONSUMER, run_id, conf)
    state = airflow.wait_run(CONSUMER, run_id, timeout=240)
    if state != "success":
        log = airflow.task_log(CONSUMER, run_id, "consume_and_load")
        pytest.fail(f"{CONSUMER} run {run_id} ended {state}; consume_and_load log:\n{log[-4000:]}")
    return run_id, airflow.xcom(CONSUMER, run_id, "consume_and_load")


def rows_by_type(db: psycopg.Connection, topic: str) -> Counter[str]:
    return Counter(
        dict(
            db.execute(
                "SELECT data_type, count(*) FROM message_history WHERE topic = %s GROUP BY 1", (topic,)
            ).fetchall()
        )
    )


@pytest.fixture(scope="module")
def loaded(airflow: AirflowApi, kafka: KafkaTool, topics: TopicFactory) -> dict[str, Any]:
    """One topic with the 300 mixed messages, consumed once by a fresh group."""
    topic = topics.new("pipeline", PARTITIONS)
    msgs, expected = mixed_messages()
    kafka.produce(topic, msgs, partitions=PARTITIONS)
    group = unique("kaw-pytest-group")
    run_id, summary = run_consumer(airflow, consumer_conf(topic, group), "pytest_load")
    return {
        "topic": topic,
        "group": group,
        "run_id": run_id,
        "summary": summary,
        "messages": msgs,
        "expected": expected,
    }


def test_every_message_becomes_exactly_one_row(loaded: dict[str, Any], history_db: psycopg.Connection) -> None:
    topic = loaded["topic"]
    assert loaded["summary"]["consumed"] == 300
    assert loaded["summary"]["inserted"] == 300
    assert rows_by_type(history_db, topic) == loaded["expected"]
    total, distinct = history_db.execute(
        'SELECT count(*), count(DISTINCT ("partition", "offset")) FROM message_history WHERE topic = %s', (topic,)
    ).fetchone() or (0, 0)
    assert (total, distinct) == (300, 300)


def test_rows_keep_each_message_as_sent(loaded: dict[str, Any], history_db: psycopg.Connection) -> None:
    rows = {
        r[0]: r[1:]
        for r in history_db.execute(
            """SELECT key, value_json IS NOT NULL, value_text, value_bytes, headers, consumer_run_id, dataset_uri
               FROM message_history WHERE topic = %s""",
            (loaded["topic"],),
        ).fetchall()
    }
    for key, value, headers in loaded["messages"]:
        is_json, text, raw, stored_headers, run_id, uri = rows[key.decode()]
        assert run_id == loaded["run_id"]
        if key.startswith(b"hdr-"):
            assert text is not None and text.encode() == value
            assert stored_headers == [{"key": "data_type", "value": "order"}]
            assert uri == history_asset_uri("order")
        elif key.startswith(b"bin-"):
            assert raw is not None and bytes(raw) == value
            assert uri == history_asset_uri("unknown")
        else:
            assert is_json, f"{key!r} should be stored as jsonb"
            assert headers is None and stored_headers is None


def test_offsets_committed_up_to_the_end(loaded: dict[str, Any], kafka: KafkaTool) -> None:
    ends = kafka.end_offsets(loaded["topic"])
    assert sum(ends.values()) == 300
    assert kafka.committed(loaded["group"], loaded["topic"]) == ends


def test_one_asset_event_per_data_type(loaded: dict[str, Any], airflow: AirflowApi, kafka: KafkaTool) -> None:
    events = airflow.asset_events(source_run_id=loaded["run_id"], source_dag_id=CONSUMER)
    by_uri = Counter(e["uri"] for e in events)
    assert by_uri == Counter({history_asset_uri(dt): 1 for dt in loaded["expected"]})
    ends = kafka.end_offsets(loaded["topic"])
    for event in events:
        extra = event["extra"]
        data_type = extra["data_type"]
        assert event["uri"] == history_asset_uri(data_type)
        assert extra["count"] == loaded["expected"][data_type]
        assert extra["run_id"] == loaded["run_id"]
        ranges = extra["offset_ranges"]
        assert sum(r["count"] for r in ranges) == extra["count"]
        for r in ranges:
            assert r["topic"] == loaded["topic"]
            assert 0 <= r["first_offset"] <= r["last_offset"] < ends[r["partition"]]


def test_downstream_dags_process_and_mark_the_rows(
    loaded: dict[str, Any], airflow: AirflowApi, history_db: psycopg.Connection
) -> None:
    known = set(KNOWN_DATA_TYPES)

    def runs_created() -> list[dict[str, Any]] | None:
        events = airflow.asset_events(source_run_id=loaded["run_id"], source_dag_id=CONSUMER)
        runs = [r for e in events if e["extra"]["data_type"] in known for r in e["created_dagruns"]]
        done = {e["extra"]["data_type"] for e in events if e["created_dagruns"]}
        return runs if known <= done else None

    runs = wait_for("the scheduler to create the downstream runs", runs_created, timeout=120, interval=2)
    assert {r["dag_id"] for r in runs} == {f"process_{dt}_messages" for dt in known}
    for r in runs:
        assert airflow.wait_run(r["dag_id"], r["run_id"], timeout=180) == "success"

    marked = history_db.execute(
        """SELECT data_type, count(*), count(processed_at), array_agg(DISTINCT processed_by_dag_id)
           FROM message_history WHERE topic = %s GROUP BY 1""",
        (loaded["topic"],),
    ).fetchall()
    for data_type, total, processed, by_dags in marked:
        if data_type in known:
            assert processed == total, f"{data_type}: {total - processed} rows not processed"
            assert by_dags == [f"process_{data_type}_messages"]
        else:
            assert processed == 0, "no DAG processes 'unknown' rows"
    hours = history_db.execute(
        """SELECT s.data_type, s.message_count, c.n FROM hourly_summary s
           JOIN (SELECT data_type, date_trunc('hour', message_timestamp) AS hour, count(*) AS n
                 FROM message_history WHERE topic = %s GROUP BY 1, 2) c
             ON c.data_type = s.data_type AND c.hour = s.hour""",
        (loaded["topic"],),
    ).fetchall()
    assert {h[0] for h in hours} == known
    assert all(summary_count >= ours for _, summary_count, ours in hours)


def test_rerun_with_the_same_group_reads_nothing_new(
    loaded: dict[str, Any], airflow: AirflowApi, history_db: psycopg.Connection
) -> None:
    run_id, summary = run_consumer(airflow, consumer_conf(loaded["topic"], loaded["group"]), "pytest_again")
    assert summary["consumed"] == 0
    assert airflow.asset_events(source_run_id=run_id, source_dag_id=CONSUMER) == []
    assert sum(rows_by_type(history_db, loaded["topic"]).values()) == 300


def test_rereading_everything_with_a_new_group_duplicates_nothing(
    loaded: dict[str, Any], airflow: AirflowApi, history_db: psycopg.Connection
) -> None:
    conf = consumer_conf(loaded["topic"], unique("kaw-pytest-regroup"), batch_size=100)
    run_id, summary = run_consumer(airflow, conf, "pytest_reread")
    assert (summary["consumed"], summary["inserted"], summary["already_loaded"]) == (300, 0, 300)
    assert rows_by_type(history_db, loaded["topic"]) == loaded["expected"]
    # The rows keep the run that first loaded them.
    runs = history_db.execute(
        "SELECT DISTINCT consumer_run_id FROM message_history WHERE topic = %s", (loaded["topic"],)
    ).fetchall()
    assert runs == [(loaded["run_id"],)]
    assert len(airflow.asset_events(source_run_id=run_id, source_dag_id=CONSUMER)) == len(loaded["expected"])


def test_a_missing_topic_fails_the_run_with_a_clear_message(airflow: AirflowApi) -> None:
    run_id = unique("pytest_missing")
    conf = consumer_conf(f"kaw-pytest-does-not-exist-{run_id[-8:]}", unique("kaw-pytest-group"))
    airflow.trigger(CONSUMER, run_id, conf)
    assert airflow.wait_run(CONSUMER, run_id, timeout=180) == "failed"
    log = airflow.task_log(CONSUMER, run_id, "consume_and_load")
    assert "the topic does not exist: create it or fix the 'topics' parameter" in log


def test_a_value_postgres_refuses_is_kept_as_text_not_a_stuck_batch(
    airflow: AirflowApi, kafka: KafkaTool, topics: TopicFactory, history_db: psycopg.Connection
) -> None:
    # Valid JSON syntax that jsonb refuses ("value overflows numeric format"): the fast check
    # lets it through, PostgreSQL rolls the batch back, the strict re-encoding stores it as text.
    topic = topics.new("refused", 1)
    refused = b'{"data_type": "order", "amount": 1e200000}'
    kafka.produce(
        topic,
        [
            (b"ok-1", b'{"data_type": "order"}', None),
            (b"refused", refused, None),
            (b"ok-2", b'{"data_type": "user"}', None),
        ],
    )
    run_id, summary = run_consumer(airflow, consumer_conf(topic, unique("kaw-pytest-refused")), "pytest_refused")
    assert summary["inserted"] == 3
    rows = {
        key: (is_json, text)
        for key, is_json, text in history_db.execute(
            "SELECT key, value_json IS NOT NULL, value_text FROM message_history WHERE topic = %s", (topic,)
        ).fetchall()
    }
    assert rows == {"ok-1": (True, None), "refused": (False, refused.decode()), "ok-2": (True, None)}
    assert "loading the batch again with strict JSON checks" in airflow.task_log(CONSUMER, run_id, "consume_and_load")
