"""Smoke DAG of the local Airflow 2: proves that it parses, schedules and runs tasks.

Triggered by `stack/native/check.sh --dag-run` through POST /api/v1/dags/workbench_smoke_v2/dagRuns.
"""

from __future__ import annotations

import logging

import pendulum
from airflow.decorators import dag, task

log = logging.getLogger(__name__)


@dag(
    dag_id="workbench_smoke_v2",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["workbench"],
    doc_md=__doc__,
)
def workbench_smoke_v2():
    @task
    def hello() -> str:
        log.info("workbench smoke: hello from Airflow 2")
        return "hello"

    @task
    def echo(value: str) -> dict:
        log.info("workbench smoke: received %r", value)
        return {"received": value, "ok": True}

    echo(hello())


workbench_smoke_v2()
