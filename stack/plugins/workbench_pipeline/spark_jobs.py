"""What the product_recalls_spark DAG needs to submit the Spark job: the jars, the paths, checks.

The stack downloads the job's jars once (``stack.sh install spark``: the Kafka source of
Structured Streaming and the PostgreSQL JDBC driver, runtime scope, from Maven Central) into
KAW_SPARK_JARS_DIR. spark-submit gets them with --jars, minus the libraries pyspark already
ships (Scala, Hadoop client, compression codecs...), so the classpath holds one copy of each.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from pathlib import Path

SPARK_JOB = Path(__file__).resolve().parents[2] / "spark" / "product_recalls_job.py"
QUERY_NAME = "product_recalls_to_postgres"
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
    import sys

    py = python or sys.executable
    java_opts = "-Duser.timezone=UTC"
    if os.environ.get("KAW_SPARK_LOG4J"):
        java_opts += f" -Dlog4j2.configurationFile=file:{os.environ['KAW_SPARK_LOG4J']}"
    if os.environ.get("KAW_SPARK_LOG"):
        java_opts += f" -Dkaw.spark.log={os.environ['KAW_SPARK_LOG']}"
    cmd = ["spark-submit", "--master", "local[2]", "--name", query_name, "--driver-memory", "1g", "--jars", ",".join(job_jars())]
    for key, value in submit_conf(py, java_opts).items():
        cmd += ["--conf", f"{key}={value}"]
    cmd += [str(SPARK_JOB), "--topic", topic, "--checkpoint-dir", checkpoint_dir, "--query-name", query_name,
            "--bootstrap", bootstrap, "--max-offsets-per-trigger", str(max_offsets_per_trigger), "--watermark", watermark,
            "--pause-after-batch-seconds", str(pause_after_batch_seconds)]
    if airflow_dag_id:
        cmd += ["--airflow-dag-id", airflow_dag_id]
    if airflow_run_id:
        cmd += ["--airflow-run-id", airflow_run_id]
    return cmd


def submit_conf(python: str, java_opts: str) -> dict[str, str]:
    """spark-submit --conf settings shared by the DAG and submit_command."""
    return {
        "spark.ui.port": os.environ.get("KAW_SPARK_UI_PORT", "4040"),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.sql.shuffle.partitions": "2",
        "spark.driver.extraJavaOptions": java_opts,
        "spark.log.structuredLogging.enabled": "false",
        "spark.pyspark.python": python,
        "spark.pyspark.driver.python": python,
    }
