"""product_recalls_spark (Airflow 2 variant of stack/dags/product_recalls_spark.py): Kafka topic product_recalls -> PostgreSQL table product_recalls with Spark.

Submits stack/spark/product_recalls_job.py with the Spark provider's SparkSubmitOperator
(connection spark_local: local[2], 1 GiB driver) as bounded work: Structured Streaming with
trigger(availableNow=True) reads what the topic holds beyond the job's checkpoint
($KAW_STATE/spark/checkpoints/<query>), de-duplicates by reference_fiche, writes the new rows
(ON CONFLICT DO NOTHING) and one spark_batches row per micro-batch, and ends. The Airflow run id
goes with every row and batch, so the trace can name the run that loaded a message. A failed run
(e.g. PostgreSQL down) leaves its batch uncommitted in the checkpoint; the retry replays it.
pyspark and the job's Python are the Airflow 3 venv's (SPARK_HOME, set by stack.sh); the
Airflow 2 stack needs the connection workbench_history (postgres) for the job. While it runs, the driver UI is at http://127.0.0.1:4040 and the log in $KAW_LOG_DIR/spark.log.

Params: topic, query_name (also the checkpoint folder), max_offsets_per_trigger, watermark,
history_conn_id, pause_after_batch_seconds (tests only). Scheduled when
WORKBENCH_RECALLS_SPARK_SCHEDULE is set, else started by hand, from the editor or after an
ingestion.
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
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator  # noqa: E402
from airflow.decorators import dag, task  # noqa: E402
from airflow.models.param import Param  # noqa: E402

from workbench_pipeline import spark_jobs  # noqa: E402


@dag(
    dag_id="product_recalls_spark",
    schedule=os.environ.get("WORKBENCH_RECALLS_SPARK_SCHEDULE") or None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # one query per checkpoint at a time
    render_template_as_native_obj=False,
    default_args={"retries": 1, "retry_delay": timedelta(seconds=10)},
    params=spark_jobs.dag_params(Param),
    tags=["workbench", "streaming-pipeline", "spark"],
    doc_md=__doc__,
)
def product_recalls_spark() -> None:
    @task(task_id="prepare", retries=0)
    def prepare(**context: Any) -> dict[str, str]:
        """Jars installed, spark-submit and Java present; the checkpoint folder of the query."""
        return spark_jobs.prepare(context["params"]["query_name"])

    submit = SparkSubmitOperator(task_id="spark_submit", **spark_jobs.spark_submit_arguments(bootstrap=os.environ.get("KAW_KAFKA_BROKERS", "127.0.0.1:9092")))
    prepare() >> submit


product_recalls_spark()
