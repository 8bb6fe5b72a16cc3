"""Test DAG of the extension's Airflow client (test/integration/airflow.test.ts), Airflow 3.

One task that logs "hello from workbench" with the `marker` passed in the run's conf, so a
test can trigger it, wait for success and find its own line in the task log. With
conf {"fail_first_try": true} the task fails on try 1 and succeeds once cleared (try 2),
which is how the tests check "clear a failed task". With conf {"tick_seconds": N} it logs
"tick i of N" once a second for N seconds, so a test can follow the log while the task runs.
"""

from __future__ import annotations

import logging
import time

import pendulum
from airflow.sdk import dag, get_current_context, task

log = logging.getLogger(__name__)


@dag(
    dag_id="workbench_test_hello",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["workbench-test"],
    default_args={"retries": 0},
    doc_md=__doc__,
)
def workbench_test_hello():
    @task
    def say_hello() -> str:
        context = get_current_context()
        conf = context["dag_run"].conf or {}
        marker = str(conf.get("marker", "none"))
        log.info("hello from workbench marker=%s", marker)
        ticks = min(int(conf.get("tick_seconds", 0)), 120)
        for tick in range(1, ticks + 1):
            time.sleep(1)
            log.info("tick %d of %d marker=%s", tick, ticks, marker)
        if conf.get("fail_first_try") and context["ti"].try_number == 1:
            raise RuntimeError(f"failing try 1 on purpose marker={marker}")
        return marker

    say_hello()


workbench_test_hello()
