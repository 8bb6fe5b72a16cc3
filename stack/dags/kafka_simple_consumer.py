"""Airflow DAG kafka_simple_consumer: reads what kafka_simple_producer wrote to workbench.simple.

The simplest Kafka pattern, half two: runs on the asset workbench://kafka-topic/workbench.simple
(so right after each producer run; it can also be started by hand) and the apache-kafka
provider's ConsumeFromTopicOperator reads to the end of the topic with the group of the
kafka_default connection, committing after each batch. Each message is logged; the task's
return value lists (key, data_type) per message.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

# stack/plugins on sys.path even where the plugins folder is configured elsewhere (no-op otherwise).
_PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
if _PLUGINS.is_dir() and str(_PLUGINS) not in sys.path:
    sys.path.append(str(_PLUGINS))

import pendulum  # noqa: E402
from airflow.providers.apache.kafka.operators.consume import ConsumeFromTopicOperator  # noqa: E402
from airflow.sdk import dag  # noqa: E402

from workbench_pipeline.assets import SIMPLE_TOPIC, SIMPLE_TOPIC_ASSET  # noqa: E402
from workbench_pipeline.message_rows import classify_value, data_type_of  # noqa: E402

log = logging.getLogger(__name__)


def describe_message(message: Any) -> dict[str, Any]:
    """apply_function: log one message and return its key and data type."""
    value = classify_value(message.value())
    parsed = json.loads(value.json_text) if value.json_text is not None else None
    key = message.key().decode("utf-8", errors="replace") if message.key() is not None else None
    data_type = data_type_of(parsed, message.headers())
    log.info("%s[%s]@%s key=%s data_type=%s", message.topic(), message.partition(), message.offset(), key, data_type)
    return {"key": key, "data_type": data_type, "partition": message.partition(), "offset": message.offset()}


@dag(
    dag_id="kafka_simple_consumer",
    schedule=[SIMPLE_TOPIC_ASSET],
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["workbench", "kafka", "example"],
    doc_md=__doc__,
)
def kafka_simple_consumer() -> None:
    ConsumeFromTopicOperator(
        task_id="consume_messages",
        kafka_config_id="kafka_default",
        topics=[SIMPLE_TOPIC],
        apply_function=describe_message,
        return_apply_function_results=True,
        commit_cadence="end_of_batch",
        max_batch_size=500,
        poll_timeout=5,
    )


kafka_simple_consumer()
