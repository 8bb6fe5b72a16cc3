"""The event-driven and the simplest patterns on the native stack, for real:

- kafka_command_dispatcher: a message on workbench.commands fires the AssetWatcher's Kafka
  trigger in the triggerer; the dispatcher runs on the asset event and starts the DAG of the
  message key (handle_report, handle_reindex) with the message as conf; other keys start nothing.
- kafka_simple_producer -> kafka_simple_consumer: the producer's asset event starts the
  consumer, which reads exactly what the producer wrote.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from conftest import unique
from stack_client import AirflowApi, KafkaTool, wait_for
from workbench_pipeline.assets import COMMANDS_TOPIC, SIMPLE_TOPIC
from workbench_pipeline.dispatch import command_run_id


@pytest.fixture(scope="module")
def command_dags(airflow: AirflowApi, kafka: KafkaTool) -> AirflowApi:
    # The watcher's trigger needs the topic; the native stack creates it, this keeps the test
    # independent of that.
    kafka.ensure_topic(COMMANDS_TOPIC, 1)
    for dag_id in ("kafka_command_dispatcher", "handle_report", "handle_reindex"):
        airflow.wait_for_dag(dag_id)
    return airflow


def test_commands_are_routed_by_key_to_their_dag(command_dags: AirflowApi, kafka: KafkaTool) -> None:
    airflow = command_dags
    request = uuid.uuid4().hex
    commands = {
        "report": {"hours": 2, "request_id": request},
        "reindex": {"request_id": request},
        "no-such-command": {"request_id": request},
    }
    kafka.produce(COMMANDS_TOPIC, [(key.encode(), json.dumps(value).encode(), None) for key, value in commands.items()])

    commands_asset = wait_for(
        "the commands asset", lambda: airflow.asset_by_uri("workbench://kafka-topic/workbench.commands"), 60
    )

    def our_events() -> list[dict[str, Any]] | None:
        events = airflow.asset_events(asset_id=commands_asset["id"], order_by="-timestamp")
        mine = [
            e for e in events if ((e["extra"] or {}).get("payload") or {}).get("value", {}).get("request_id") == request
        ]
        return mine if len(mine) == len(commands) and all(e["created_dagruns"] for e in mine) else None

    events = wait_for("the watcher's events and the dispatcher runs", our_events, timeout=180, interval=2)
    for event in events:
        for run in event["created_dagruns"]:
            assert airflow.wait_run(run["dag_id"], run["run_id"], timeout=180) == "success"

    payloads = {e["extra"]["payload"]["key"]: e["extra"]["payload"] for e in events}
    assert set(payloads) == set(commands)

    def handler_run(dag_id: str, key: str) -> str:
        # The topic in REST payloads may be masked ("***"): name it ourselves.
        return command_run_id({**payloads[key], "topic": COMMANDS_TOPIC})

    report_run = handler_run("handle_report", "report")
    assert airflow.wait_run("handle_report", report_run, timeout=180) == "success"
    report = airflow.xcom("handle_report", report_run, "build_report")
    assert report["command"]["value"] == commands["report"]
    assert report["hours"] == 2
    assert isinstance(report["data_types"], dict)

    reindex_run = handler_run("handle_reindex", "reindex")
    assert airflow.wait_run("handle_reindex", reindex_run, timeout=180) == "success"
    reindex = airflow.xcom("handle_reindex", reindex_run, "refresh_statistics")
    assert reindex["command"]["value"] == commands["reindex"]
    assert set(reindex["analyzed"]) == {"message_history", "hourly_summary"}

    unroutable = handler_run("", "no-such-command")
    for dag_id in ("handle_report", "handle_reindex"):
        r = airflow.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{unroutable}")
        assert r.status_code == 404, f"{dag_id} must not run for an unknown key"
    dispatcher_runs = [
        r for e in events if e["extra"]["payload"]["key"] == "no-such-command" for r in e["created_dagruns"]
    ]
    log = "\n".join(airflow.task_log(r["dag_id"], r["run_id"], "route_commands") for r in dispatcher_runs)
    assert "no DAG handles key 'no-such-command'" in log


def test_the_simple_consumer_reads_what_the_simple_producer_wrote(airflow: AirflowApi, kafka: KafkaTool) -> None:
    kafka.ensure_topic(SIMPLE_TOPIC, 1)
    airflow.wait_for_dag("kafka_simple_producer")
    airflow.wait_for_dag("kafka_simple_consumer")
    producer_run = unique("pytest_simple")
    airflow.trigger("kafka_simple_producer", producer_run, {"count": 7})
    assert airflow.wait_run("kafka_simple_producer", producer_run, timeout=180) == "success"

    def consumer_runs() -> list[dict[str, Any]] | None:
        events = airflow.asset_events(source_run_id=producer_run, source_dag_id="kafka_simple_producer")
        runs = [r for e in events for r in e["created_dagruns"]]
        return runs or None

    runs = wait_for("the producer's asset event to start kafka_simple_consumer", consumer_runs, timeout=120, interval=2)
    keys: list[str] = []
    for run in runs:
        assert run["dag_id"] == "kafka_simple_consumer"
        assert airflow.wait_run(run["dag_id"], run["run_id"], timeout=180) == "success"
        keys += [m["key"] for m in airflow.xcom(run["dag_id"], run["run_id"], "consume_messages") or []]
    ours = sorted(k for k in keys if k.startswith(f"{producer_run}/"))
    assert ours == sorted(f"{producer_run}/{n}" for n in range(7))
