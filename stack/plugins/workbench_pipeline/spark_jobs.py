"""What the product_recalls_spark DAG needs to submit the Spark job: the jars, the paths, checks,
and the DAG's params, prepare task and spark-submit arguments, shared by its Airflow 3
(stack/dags) and Airflow 2 (stack/native/airflow2-dags) files.

The stack downloads the job's jars once (``stack.sh install spark``: the Kafka source of
Structured Streaming and the PostgreSQL JDBC driver, runtime scope, from Maven Central) into
KAW_SPARK_JARS_DIR. spark-submit gets them with --jars, minus the libraries pyspark already
ships (Scala, Hadoop client, compression codecs...), so the classpath holds one copy of each.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

SPARK_JOB = Path(__file__).resolve().parents[2] / "spark" / "product_recalls_job.py"
QUERY_NAME = "product_recalls_to_postgres"
log = logging.getLogger(__name__)
_ARTIFACT = re.compile(r"^(?P<name>.+?)-\d[\w.]*(?:-[\w.]+)*\.jar$")


class SparkSetupError(RuntimeError):
    """The Spark job cannot be submitted; says what to install or start."""


def _artifact(jar: str) -> str:
    m = _ARTIFACT.match(jar)
    return m.group("name") if m else jar


def pyspark_home() -> Path | None:
    """SPARK_HOME, else the installed pyspark package (its jars/ and bin/)."""
    if os.environ.get("SPARK_HOME"):
        return Path(os.environ["SPARK_HOME"])
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def jars_dir() -> Path:
    return Path(os.environ.get("KAW_SPARK_JARS_DIR", ""))


def checkpoint_root() -> Path:
    return Path(os.environ.get("KAW_SPARK_CHECKPOINT_DIR") or Path.home() / ".cache/kafka-airflow-workbench/state/spark/checkpoints")


def scratch_root() -> Path:
    """Spark's scratch space (spark.local.dir and the driver's java.io.tmpdir: blockmgr-*, spark-*,
    artifacts-*), beside the checkpoints in the stack's data folder rather than /tmp, so a run that
    was killed leaves nothing in /tmp and `stack.sh reset` clears it."""
    return checkpoint_root().parent / "scratch"


SCRATCH_KEPT_SECONDS = 6 * 3600


def clear_stale_scratch(now: float | None = None) -> list[str]:
    """Removes what runs killed before their shutdown hook left in the scratch space (a run lasts
    minutes; anything untouched for 6 hours is a leftover). Returns the names removed."""
    root = scratch_root()
    root.mkdir(parents=True, exist_ok=True)
    limit = (now if now is not None else time.time()) - SCRATCH_KEPT_SECONDS
    removed = []
    for entry in root.iterdir():
        if entry.lstat().st_mtime < limit:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry.name)
    return sorted(removed)


def job_jars() -> list[str]:
    """The jars to pass with --jars; raises SparkSetupError when they are not installed."""
    folder = jars_dir()
    if not os.environ.get("KAW_SPARK_JARS_DIR") or not (folder / ".complete").is_file():
        raise SparkSetupError(
            f"the Spark job jars are not installed (KAW_SPARK_JARS_DIR={os.environ.get('KAW_SPARK_JARS_DIR', '')!r}): "
            "run `stack/native/stack.sh install spark` (or `stack.sh up`), then restart Airflow"
        )
    home = pyspark_home()
    shipped = {_artifact(j.name) for j in (home / "jars").glob("*.jar")} if home else set()
    return sorted(str(j) for j in folder.glob("*.jar") if _artifact(j.name) not in shipped)


def check_submit_environment() -> dict[str, str]:
    """spark-submit, Java and pyspark are there; returns what the operator needs."""
    if shutil.which("java") is None:
        raise SparkSetupError("java is not on PATH: install a JDK 17 (`sudo apt-get install openjdk-17-jre-headless`)")
    if shutil.which("spark-submit") is None:
        raise SparkSetupError("spark-submit is not on PATH: pyspark is missing from the Airflow venv (`stack.sh install airflow3`)")
    if not SPARK_JOB.is_file():
        raise SparkSetupError(f"the Spark job {SPARK_JOB} is missing")
    return {"jars": ",".join(job_jars()), "application": str(SPARK_JOB)}


def safe_query_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", name):
        raise SparkSetupError(f"query name {name!r}: use letters, digits, '_', '.', '-' (it names the checkpoint folder)")
    return name


def submit_command(
    *,
    checkpoint_dir: str,
    topic: str = "product_recalls",
    query_name: str = QUERY_NAME,
    bootstrap: str = "127.0.0.1:9092",
    airflow_dag_id: str | None = None,
    airflow_run_id: str | None = None,
    max_offsets_per_trigger: int = 25_000,
    watermark: str = "30 minutes",
    pause_after_batch_seconds: float = 0.0,
    python: str | None = None,
) -> list[str]:
    """The spark-submit command line the DAG's operator builds, for running the job by hand,
    from the tests and from the benchmark (PostgreSQL settings go in KAW_JOB_PG_* variables)."""
    py = python or sys.executable
    scratch_root().mkdir(parents=True, exist_ok=True)
    cmd = ["spark-submit", "--master", "local[2]", "--name", query_name, "--driver-memory", "1g", "--jars", ",".join(job_jars())]
    for key, value in submit_conf(py, java_options()).items():
        cmd += ["--conf", f"{key}={value}"]
    cmd += [str(SPARK_JOB), "--topic", topic, "--checkpoint-dir", checkpoint_dir, "--query-name", query_name,
            "--bootstrap", bootstrap, "--max-offsets-per-trigger", str(max_offsets_per_trigger), "--watermark", watermark,
            "--pause-after-batch-seconds", str(pause_after_batch_seconds)]
    if airflow_dag_id:
        cmd += ["--airflow-dag-id", airflow_dag_id]
    if airflow_run_id:
        cmd += ["--airflow-run-id", airflow_run_id]
    return cmd


def java_options() -> str:
    """The driver's -D options: UTC, and the log4j configuration and log file stack.sh sets (KAW_SPARK_LOG4J, KAW_SPARK_LOG)."""
    java_opts = f"-Duser.timezone=UTC -Djava.io.tmpdir={scratch_root()}"
    if os.environ.get("KAW_SPARK_LOG4J"):
        java_opts += f" -Dlog4j2.configurationFile=file:{os.environ['KAW_SPARK_LOG4J']}"
    if os.environ.get("KAW_SPARK_LOG"):
        java_opts += f" -Dkaw.spark.log={os.environ['KAW_SPARK_LOG']}"
    return java_opts


def submit_conf(python: str, java_opts: str) -> dict[str, str]:
    """spark-submit --conf settings shared by the DAG and submit_command."""
    return {
        "spark.ui.port": os.environ.get("KAW_SPARK_UI_PORT", "4040"),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.sql.shuffle.partitions": "2",
        "spark.local.dir": str(scratch_root()),
        "spark.driver.extraJavaOptions": java_opts,
        "spark.log.structuredLogging.enabled": "false",
        "spark.pyspark.python": python,
        "spark.pyspark.driver.python": python,
    }


# ---------------------------------------------------------------------------------------------
# The product_recalls_spark DAG's params, prepare task and spark-submit arguments (both Airflows)
# ---------------------------------------------------------------------------------------------


def dag_params(param: Callable[..., Any]) -> dict[str, Any]:
    """The DAG's params, made with the running Airflow's ``Param`` class."""
    return {
        "topic": param("product_recalls", type="string", minLength=1, description="Kafka topic to read"),
        "query_name": param(QUERY_NAME, type="string", pattern=r"^[A-Za-z0-9_.-]{1,100}$", description="Streaming query name and checkpoint folder"),
        "max_offsets_per_trigger": param(25000, type="integer", minimum=1, description="Records per micro-batch at most"),
        "watermark": param("30 minutes", type="string", description="De-duplication window on the Kafka timestamp"),
        "history_conn_id": param("workbench_history", type="string", minLength=1),
        "pause_after_batch_seconds": param(0, type="number", minimum=0, maximum=60, description="Tests only: sleep after each batch"),
    }


def prepare(query_name: str) -> dict[str, str]:
    """Task prepare: jars installed, spark-submit and Java present; the checkpoint folder of the query."""
    found = check_submit_environment()
    name = safe_query_name(query_name)
    folder = checkpoint_root() / name
    folder.parent.mkdir(parents=True, exist_ok=True)
    removed = clear_stale_scratch()
    if removed:
        log.info("Removed %d leftovers of killed Spark runs from %s: %s", len(removed), scratch_root(), ", ".join(removed))
    return {**found, "checkpoint_dir": str(folder)}


def spark_submit_arguments(*, bootstrap: str) -> dict[str, Any]:
    """SparkSubmitOperator's arguments for task spark_submit (all but its task_id): the job with
    the run's params, the jars and checkpoint folder from task prepare, PostgreSQL from the
    connection params.history_conn_id. ``bootstrap``: the Kafka bootstrap servers, a template or a value."""
    python = os.environ.get("KAW_SPARK_PYTHON", sys.executable)
    return {
        "conn_id": "spark_local",
        "application": "{{ ti.xcom_pull(task_ids='prepare')['application'] }}",
        "jars": "{{ ti.xcom_pull(task_ids='prepare')['jars'] }}",
        "name": "product_recalls_to_postgres",
        "driver_memory": "1g",
        "conf": submit_conf(python, java_options()),
        "application_args": [
            "--topic", "{{ params.topic }}",
            "--checkpoint-dir", "{{ ti.xcom_pull(task_ids='prepare')['checkpoint_dir'] }}",
            "--query-name", "{{ params.query_name }}",
            "--airflow-dag-id", "{{ dag.dag_id }}",
            "--airflow-run-id", "{{ run_id }}",
            "--max-offsets-per-trigger", "{{ params.max_offsets_per_trigger }}",
            "--watermark", "{{ params.watermark }}",
            "--pause-after-batch-seconds", "{{ params.pause_after_batch_seconds }}",
            "--bootstrap", bootstrap,
        ],
        "env_vars": {
            "KAW_JOB_PG_HOST": "{{ conn[params.history_conn_id].host }}",
            "KAW_JOB_PG_PORT": "{{ conn[params.history_conn_id].port or 5432 }}",
            "KAW_JOB_PG_DATABASE": "{{ conn[params.history_conn_id].schema }}",
            "KAW_JOB_PG_USER": "{{ conn[params.history_conn_id].login }}",
            "KAW_JOB_PG_PASSWORD": "{{ conn[params.history_conn_id].password }}",
            "PYSPARK_PYTHON": python,
            "SPARK_LOCAL_IP": "127.0.0.1",  # driver, block manager and UI on loopback only
        },
        "execution_timeout": timedelta(minutes=30),
    }
