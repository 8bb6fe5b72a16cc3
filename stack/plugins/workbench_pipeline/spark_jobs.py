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
