"""Airflow DAG kafka_simple_producer: writes test messages to workbench.simple.

The simplest Kafka pattern, half one: the apache-kafka provider's ProduceToTopicOperator sends
`count` JSON messages (param, default 10) with a data_type field, keyed "<run id>/<n>"; then
the task updates the asset workbench://kafka-topic/workbench.simple, which starts
kafka_simple_consumer.
"""

from __future__ import annotations

import sys
from pathlib import Path

# stack/plugins on sys.path even where the plugins folder is configured elsewhere (no-op otherwise).
_PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
if _PLUGINS.is_dir() and str(_PLUGINS) not in sys.path:
    sys.path.append(str(_PLUGINS))

import pendulum  # noqa: E402
from airflow.providers.apache.kafka.operators.produce import ProduceToTopicOperator  # noqa: E402
from airflow.sdk import Param, dag  # noqa: E402

from workbench_pipeline.assets import SIMPLE_TOPIC, SIMPLE_TOPIC_ASSET  # noqa: E402
from workbench_pipeline.sample_messages import simple_topic_messages  # noqa: E402


@dag(
    dag_id="kafka_simple_producer",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    render_template_as_native_obj=True,
    params={"count": Param(10, type="integer", minimum=1, maximum=10_000, description="Messages to produce")},
    tags=["workbench", "kafka", "example"],
    doc_md=__doc__,
)
def kafka_simple_producer() -> None:
    ProduceToTopicOperator(
        task_id="produce_messages",
        kafka_config_id="kafka_default",
        topic=SIMPLE_TOPIC,
        producer_function=simple_topic_messages,
        producer_function_kwargs={"count": "{{ params.count }}", "run_id": "{{ run_id }}"},
        synchronous=False,
        outlets=[SIMPLE_TOPIC_ASSET],
    )


kafka_simple_producer()
