"""product_recalls_ingest (Airflow 2 variant of stack/dags/product_recalls_ingest.py): source API -> Kafka topic product_recalls (the streaming pipeline's first half).

Every run fetches the recalls published since the checkpoint (table pipeline_checkpoints,
pipeline 'product_recalls_ingest'), produces each to ``product_recalls`` keyed by
reference_fiche (idempotent producer, acks=all) and moves the checkpoint only after Kafka
acknowledged them all. A failed run moves nothing, so its retry produces the same records again
(the Spark job drops the copies): no record is ever skipped. Then product_recalls_spark moves
the topic into the table. Code: stack/plugins/workbench_pipeline/recalls_ingest.py. Without the Airflow connections
kafka_default / workbench_history it uses the local stack's Kafka and database.

Params: feed (the source API feed, default "main"), topic, pipeline (checkpoint name),
page_size, max_records, kafka_conn_id, history_conn_id. Scheduled when
WORKBENCH_RECALLS_SCHEDULE is set (e.g. "@hourly"), else started by hand or from the editor.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

_PLUGINS = Path(__file__).resolve().parents[2] / "plugins"  # stack/plugins (this file is in stack/native/airflow2-dags)
if _PLUGINS.is_dir() and str(_PLUGINS) not in sys.path:
    sys.path.append(str(_PLUGINS))

import pendulum  # noqa: E402
from airflow.decorators import dag, task  # noqa: E402
from airflow.models.param import Param  # noqa: E402

from workbench_pipeline import recalls_ingest  # noqa: E402


@dag(
    dag_id="product_recalls_ingest",
    schedule=os.environ.get("WORKBENCH_RECALLS_SCHEDULE") or None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    params=recalls_ingest.dag_params(Param),
    tags=["workbench", "streaming-pipeline", "kafka"],
    doc_md=__doc__,
)
def product_recalls_ingest() -> None:
    @task(task_id="fetch_and_produce", execution_timeout=timedelta(minutes=30))
    def fetch_and_produce(**context: Any) -> dict[str, Any]:
        return recalls_ingest.fetch_and_produce(context)

    fetch_and_produce()


product_recalls_ingest()
