"""kafka_batch_consumer: Kafka topics -> message_history, then one asset event per data type.

Started by hand, by the extension (POST /api/v2/dags/kafka_batch_consumer/dagRuns with a conf),
or on a schedule when WORKBENCH_CONSUMER_SCHEDULE is set (a cron expression or preset such as
"@hourly") in the environment of the Airflow processes. Conf / params:

- topics (list, default ["workbench.events"]), group_id (default "workbench-batch-consumer")
- max_messages (default 10000), batch_size (default 1000)
- history_conn_id (default "workbench_history"): which Airflow connection holds the history
- kafka_conn_id (default "kafka_default"): which Airflow connection holds the Kafka brokers
- pause_after_batch_seconds (default 0): slows a run down, for tests and demos only

Keys and values in the Confluent wire format (Avro, Protobuf, JSON Schema) are decoded with
confluent-kafka's deserializers against the schema registry of the Airflow connection
workbench_schema_registry (else KAW_SCHEMA_REGISTRY_URL): decoded JSON in value_json, schema ids
in key_schema_id / value_schema_id; what cannot be decoded keeps its bytes and schema_error says why.

Offsets are committed only after a batch's rows are committed in PostgreSQL; rows are unique
on (topic, partition, offset). The downstream DAGs process_<data_type>_messages run on the
events. Code: stack/plugins/workbench_pipeline/batch_consumer.py.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

# stack/plugins on sys.path even where the plugins folder is configured elsewhere (no-op otherwise).
_PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
if _PLUGINS.is_dir() and str(_PLUGINS) not in sys.path:
    sys.path.append(str(_PLUGINS))

import pendulum  # noqa: E402
from airflow.sdk import Param, dag, task  # noqa: E402

from workbench_pipeline.batch_consumer import (  # noqa: E402
    DEFAULT_BATCH_SIZE,
    DEFAULT_GROUP_ID,
    DEFAULT_MAX_MESSAGES,
    DEFAULT_TOPICS,
    KafkaBatchConsumerOperator,
)
from workbench_pipeline.history_db import (  # noqa: E402
    HISTORY_CONN_ID,
    apply_migrations,
    close_quietly,
    connect_airflow_connection,
)


@dag(
    dag_id="kafka_batch_consumer",
    schedule=os.environ.get("WORKBENCH_CONSUMER_SCHEDULE") or None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    render_template_as_native_obj=True,
    default_args={"retries": 0},
    params={
        "topics": Param(
            list(DEFAULT_TOPICS),
            type="array",
            items={"type": "string", "minLength": 1},
            minItems=1,
            description="Kafka topics to consume",
        ),
        "max_messages": Param(
            DEFAULT_MAX_MESSAGES,
            type="integer",
            minimum=1,
            maximum=10_000_000,
            description="Stop after this many messages",
        ),
        "batch_size": Param(
            DEFAULT_BATCH_SIZE,
            type="integer",
            minimum=1,
            maximum=100_000,
            description="Messages per database transaction and offset commit",
        ),
        "group_id": Param(DEFAULT_GROUP_ID, type="string", minLength=1, description="Kafka consumer group"),
        "history_conn_id": Param(
            HISTORY_CONN_ID,
            type="string",
            minLength=1,
            description="Airflow connection of the message-history database",
        ),
        "kafka_conn_id": Param(
            "kafka_default",
            type="string",
            minLength=1,
            description="Airflow connection of the Kafka cluster (brokers and security)",
        ),
        "pause_after_batch_seconds": Param(
            0, type="number", minimum=0, maximum=60, description="Testing/demo only: sleep after each committed batch"
        ),
    },
    tags=["workbench", "kafka", "message-history"],
    doc_md=__doc__,
)
def kafka_batch_consumer() -> None:
    @task(task_id="ensure_history_schema")
    def ensure_history_schema(**context: Any) -> list[str]:
        """Apply stack/sql (idempotent, cheap) so no run depends on a manual migration."""
        conn, _ = connect_airflow_connection(context["params"]["history_conn_id"], "kaw-migrate")
        try:
            return apply_migrations(conn)
        finally:
            close_quietly(conn)

    consume = KafkaBatchConsumerOperator(
        task_id="consume_and_load",
        topics="{{ params.topics }}",
        group_id="{{ params.group_id }}",
        max_messages="{{ params.max_messages }}",
        batch_size="{{ params.batch_size }}",
        history_conn_id="{{ params.history_conn_id }}",
        kafka_conn_id="{{ params.kafka_conn_id }}",
        pause_after_batch_seconds="{{ params.pause_after_batch_seconds }}",
        execution_timeout=timedelta(hours=1),
    )
    ensure_history_schema() >> consume


kafka_batch_consumer()
