"""Airflow DAG kafka_command_dispatcher: routes Kafka commands by message key to their DAG.

Event-driven, without a sensor: the asset workbench://kafka-topic/workbench.commands has an
AssetWatcher whose trigger (common.messaging's MessageQueueTrigger, scheme "kafka", run by the
triggerer with the kafka_commands connection) turns every message on workbench.commands into
an asset event. This DAG runs on those events and, per message, triggers the DAG of its key
(reindex -> handle_reindex, report -> handle_report) with {"command": message} as conf and a
run id derived from the message's partition and offset, so a retry never starts a command
twice. Messages with another key are logged as unroutable and left alone.

Try it: kcat -P -b 127.0.0.1:9092 -t workbench.commands -k report <<< '{"hours": 24}'
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

# stack/plugins on sys.path even where the plugins folder is configured elsewhere (no-op otherwise).
_PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
if _PLUGINS.is_dir() and str(_PLUGINS) not in sys.path:
    sys.path.append(str(_PLUGINS))

import pendulum  # noqa: E402
from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger  # noqa: E402
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator  # noqa: E402
from airflow.sdk import Asset, AssetWatcher, dag, task  # noqa: E402

from workbench_pipeline.assets import COMMANDS_ASSET_URI, COMMANDS_TOPIC  # noqa: E402
from workbench_pipeline.dispatch import COMMANDS_KAFKA_CONN_ID, route_commands  # noqa: E402

log = logging.getLogger(__name__)

commands_asset = Asset(
    name="workbench_commands",
    uri=COMMANDS_ASSET_URI,
    watchers=[
        AssetWatcher(
            name="workbench_commands_watcher",
            trigger=MessageQueueTrigger(
                scheme="kafka",
                topics=[COMMANDS_TOPIC],
                kafka_config_id=COMMANDS_KAFKA_CONN_ID,
                apply_function="workbench_pipeline.dispatch.command_event_payload",
                poll_timeout=1,
                poll_interval=1,
            ),
        )
    ],
)


@dag(
    dag_id="kafka_command_dispatcher",
    schedule=[commands_asset],
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["workbench", "kafka", "event-driven"],
    doc_md=__doc__,
)
def kafka_command_dispatcher() -> None:
    @task(task_id="route_commands")
    def route(**context: Any) -> list[dict[str, Any]]:
        events = context["triggering_asset_events"].get(commands_asset, [])
        payloads = [(e.extra or {}).get("payload") for e in events]
        routed, unrouted = route_commands(p for p in payloads if isinstance(p, dict))
        for cmd in routed:
            log.info(
                "command %s -> %s (run %s)",
                cmd["conf"]["command"].get("key"),
                cmd["trigger_dag_id"],
                cmd["trigger_run_id"],
            )
        for payload in unrouted:
            log.warning(
                "no DAG handles key %r (message %s[%s]@%s); known keys: reindex, report",
                payload.get("key"),
                payload.get("topic"),
                payload.get("partition"),
                payload.get("offset"),
            )
        return routed

    TriggerDagRunOperator.partial(
        task_id="trigger_handler",
        skip_when_already_exists=True,
        wait_for_completion=False,
    ).expand_kwargs(route())


kafka_command_dispatcher()
