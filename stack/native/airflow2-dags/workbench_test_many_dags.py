"""Benchmark DAG generator (bench/airflow-dags.ts), Airflow 2: switched off unless the
marker file stack/native/airflow2-dags/.many_dags exists. The benchmark writes the number of
DAGs into that file (e.g. 1000), waits until the server lists them, measures, and deletes the
file, after which the DAGs are deactivated. Without the marker this file defines no DAG.

Mentions airflow DAG so the scheduler's safe mode reads the file.
"""

from __future__ import annotations

from pathlib import Path

import pendulum
from airflow import DAG
from airflow.operators.empty import EmptyOperator

MARKER = Path(__file__).with_name(".many_dags")


def _wanted_count() -> int:
    try:
        return max(0, min(5000, int(MARKER.read_text().strip() or "0")))
    except (FileNotFoundError, ValueError):
        return 0


for index in range(_wanted_count()):
    dag_id = f"workbench_many_{index:04d}"
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
        catchup=False,
        tags=["workbench-many"],
    ) as generated:
        EmptyOperator(task_id="noop")
    globals()[dag_id] = generated
