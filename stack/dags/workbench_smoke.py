"""Smoke DAG of the local stack: proves that Airflow 3 parses, schedules and runs tasks.

Triggered by `stack/native/check.sh --dag-run` (and usable by the product's tests) through
POST /api/v2/dags/workbench_smoke/dagRuns.
"""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import dag, task

log = logging.getLogger(__name__)


@dag(
    dag_id="workbench_smoke",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["workbench"],
    doc_md=__doc__,
)
def workbench_smoke():
    @task
    def hello() -> str:
        log.info("workbench smoke: hello from Airflow 3")
        return "hello"

    @task
    def echo(value: str) -> dict:
        log.info("workbench smoke: received %r", value)
        return {"received": value, "ok": True}

    echo(hello())


workbench_smoke()
