"""product_recalls_spark: Kafka topic product_recalls -> PostgreSQL table product_recalls with Spark.

Submits stack/spark/product_recalls_job.py with the Spark provider's SparkSubmitOperator
(connection spark_local: local[2], 1 GiB driver) as bounded work: Structured Streaming with
trigger(availableNow=True) reads what the topic holds beyond the job's checkpoint
($KAW_STATE/spark/checkpoints/<query>), de-duplicates by reference_fiche, writes the new rows
(ON CONFLICT DO NOTHING) and one spark_batches row per micro-batch, and ends. The Airflow run id
goes with every row and batch, so the trace can name the run that loaded a message. A failed run
(e.g. PostgreSQL down) leaves its batch uncommitted in the checkpoint; the retry replays it.
While it runs, the driver UI is at http://127.0.0.1:4040 and the log in $KAW_LOG_DIR/spark.log.

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

_PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
if _PLUGINS.is_dir() and str(_PLUGINS) not in sys.path:
    sys.path.append(str(_PLUGINS))

import pendulum  # noqa: E402
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator  # noqa: E402
from airflow.sdk import Param, dag, task  # noqa: E402

from workbench_pipeline.spark_jobs import (  # noqa: E402
    QUERY_NAME,
    check_submit_environment,
    checkpoint_root,
    safe_query_name,
)


@dag(
    dag_id="product_recalls_spark",
    schedule=os.environ.get("WORKBENCH_RECALLS_SPARK_SCHEDULE") or None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # one query per checkpoint at a time
    render_template_as_native_obj=False,
    default_args={"retries": 1, "retry_delay": timedelta(seconds=10)},
    params={
        "topic": Param("product_recalls", type="string", minLength=1, description="Kafka topic to read"),
        "query_name": Param(QUERY_NAME, type="string", pattern=r"^[A-Za-z0-9_.-]{1,100}$", description="Streaming query name and checkpoint folder"),
        "max_offsets_per_trigger": Param(25000, type="integer", minimum=1, description="Records per micro-batch at most"),
        "watermark": Param("30 minutes", type="string", description="De-duplication window on the Kafka timestamp"),
        "history_conn_id": Param("workbench_history", type="string", minLength=1),
        "pause_after_batch_seconds": Param(0, type="number", minimum=0, maximum=60, description="Tests only: sleep after each batch"),
    },
    tags=["workbench", "streaming-pipeline", "spark"],
    doc_md=__doc__,
)
def product_recalls_spark() -> None:
    @task(task_id="prepare", retries=0)
    def prepare(**context: Any) -> dict[str, str]:
        """Jars installed, spark-submit and Java present; the checkpoint folder of the query."""
        found = check_submit_environment()
        name = safe_query_name(context["params"]["query_name"])
        folder = checkpoint_root() / name
        folder.parent.mkdir(parents=True, exist_ok=True)
        return {**found, "checkpoint_dir": str(folder)}

    submit = SparkSubmitOperator(
        task_id="spark_submit",
        conn_id="spark_local",
        application="{{ ti.xcom_pull(task_ids='prepare')['application'] }}",
        jars="{{ ti.xcom_pull(task_ids='prepare')['jars'] }}",
        name="product_recalls_to_postgres",
        driver_memory="1g",
        conf={
            "spark.ui.port": os.environ.get("KAW_SPARK_UI_PORT", "4040"),
            "spark.sql.shuffle.partitions": "2",
            "spark.driver.extraJavaOptions": "-Duser.timezone=UTC"
            + (f" -Dlog4j2.configurationFile=file:{os.environ['KAW_SPARK_LOG4J']}" if os.environ.get("KAW_SPARK_LOG4J") else "")
            + (f" -Dkaw.spark.log={os.environ['KAW_SPARK_LOG']}" if os.environ.get("KAW_SPARK_LOG") else ""),
            "spark.log.structuredLogging.enabled": "false",
            "spark.pyspark.python": sys.executable,
            "spark.pyspark.driver.python": sys.executable,
        },
        application_args=[
            "--topic", "{{ params.topic }}",
            "--checkpoint-dir", "{{ ti.xcom_pull(task_ids='prepare')['checkpoint_dir'] }}",
            "--query-name", "{{ params.query_name }}",
            "--airflow-dag-id", "{{ dag.dag_id }}",
            "--airflow-run-id", "{{ run_id }}",
            "--max-offsets-per-trigger", "{{ params.max_offsets_per_trigger }}",
            "--watermark", "{{ params.watermark }}",
            "--pause-after-batch-seconds", "{{ params.pause_after_batch_seconds }}",
            "--bootstrap", "{{ conn.kafka_default.extra_dejson['bootstrap.servers'] }}",
        ],
        env_vars={
            "KAW_JOB_PG_HOST": "{{ conn[params.history_conn_id].host }}",
            "KAW_JOB_PG_PORT": "{{ conn[params.history_conn_id].port or 5432 }}",
            "KAW_JOB_PG_DATABASE": "{{ conn[params.history_conn_id].schema }}",
            "KAW_JOB_PG_USER": "{{ conn[params.history_conn_id].login }}",
            "KAW_JOB_PG_PASSWORD": "{{ conn[params.history_conn_id].password }}",
            "PYSPARK_PYTHON": sys.executable,
        },
        execution_timeout=timedelta(minutes=30),
    )
    prepare() >> submit


product_recalls_spark()
