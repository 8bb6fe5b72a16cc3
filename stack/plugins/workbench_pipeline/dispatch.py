"""Event-driven command dispatch: Kafka messages on ``workbench.commands`` -> the DAG of their key.

The modern form of the seeds' "sensor that triggers DAGs by message key": no sensor occupies a
worker slot. An ``AssetWatcher`` with the Kafka message-queue trigger (common.messaging's
``MessageQueueTrigger``, scheme ``kafka``, which runs the apache-kafka provider's
``AwaitMessageTrigger`` in the triggerer) turns each message into an asset event;
``command_event_payload`` below runs IN THE TRIGGERER and decides what the event carries.
The ``kafka_command_dispatcher`` DAG runs on that asset and triggers, per message, the DAG
that handles its key (``COMMAND_ROUTES``), with the message as the run's conf.

The triggerer imports this module by its dotted path, so stack/plugins must be on its
``sys.path`` (AIRFLOW__CORE__PLUGINS_FOLDER=stack/plugins; /opt/airflow/plugins in Compose).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from workbench_pipeline.message_rows import classify_value

COMMANDS_KAFKA_CONN_ID = "kafka_commands"
"""Kafka connection of the watcher: its own consumer group (AIRFLOW_CONN_KAFKA_COMMANDS)."""

COMMAND_ROUTES: dict[str, str] = {
    "reindex": "handle_reindex",
    "report": "handle_report",
}
"""Message key -> the DAG that handles it."""

_RUN_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.~:+-]")


def command_event_payload(message: Any) -> dict[str, Any]:
    """``apply_function`` of the watcher's trigger: a confluent-kafka message -> event payload.

    Runs in the triggerer for EVERY message (a falsy return would make the trigger sleep before
    the next poll), so it returns a payload for each one; routing happens in the DAG, where it
    is visible in the UI. The payload is JSON: key, value (parsed when JSON, else text, else
    ``value_hex``), and where the message came from.
    """
    raw_key = message.key()
    key: str | None
    if raw_key is None:
        key = None
    elif isinstance(raw_key, bytes):
        key = raw_key.decode("utf-8", errors="replace")
    else:
        key = str(raw_key)
    payload: dict[str, Any] = {
        "key": key,
        "topic": message.topic(),
        "partition": message.partition(),
        "offset": message.offset(),
        "timestamp_ms": message.timestamp()[1],
    }
    value = classify_value(message.value())
    if value.json_text is not None:
        payload["value"] = json.loads(value.json_text)
    elif value.text is not None:
        payload["value"] = value.text
    elif value.raw is not None:
        payload["value_hex"] = value.raw.hex()
    else:
        payload["value"] = None
    return payload


def command_run_id(payload: Mapping[str, Any]) -> str:
    """A run id unique per Kafka message, so a retried dispatch never starts a command twice."""
    raw = f"command__{payload.get('topic')}_{payload.get('partition')}_{payload.get('offset')}"
    return _RUN_ID_UNSAFE.sub("_", raw)[:250]


def route_commands(payloads: Iterable[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split command payloads into TriggerDagRunOperator kwargs (routed) and unroutable ones."""
    routed: list[dict[str, Any]] = []
    unrouted: list[dict[str, Any]] = []
    for payload in payloads:
        key = payload.get("key")
        target = COMMAND_ROUTES.get(key) if isinstance(key, str) else None
        if target is None:
            unrouted.append(dict(payload))
            continue
        routed.append(
            {
                "trigger_dag_id": target,
                "trigger_run_id": command_run_id(payload),
                "conf": {"command": dict(payload)},
            }
        )
    return routed, unrouted
