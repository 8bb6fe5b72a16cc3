"""Test DAG of the extension's backfills (test/integration/backfill.test.ts), Airflow 3.

@daily, catchup off, start date fixed in the past, so a backfill over a few past days creates
one run per day. Its one task returns the day it ran for (an XCom the tests read back) and
pushes a larger XCom `sample_rows` (a list of 2,000 small records) so the XCom size guard has
something to guard. With conf {"sleep_seconds": N} each run takes N seconds, long enough for a
test to pause, resume or cancel the backfill while it runs.
"""

from __future__ import annotations

import logging
import time

import pendulum
from airflow.sdk import dag, get_current_context, task

log = logging.getLogger(__name__)


@dag(
    dag_id="workbench_test_backfill",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    is_paused_upon_creation=True,
    tags=["workbench-test"],
    default_args={"retries": 0},
    doc_md=__doc__,
)
def workbench_test_backfill():
    @task
    def export_day() -> dict:
        context = get_current_context()
        day = context["data_interval_start"].strftime("%Y-%m-%d")
        sleep_seconds = min(int((context["dag_run"].conf or {}).get("sleep_seconds", 0)), 120)
        if sleep_seconds:
            time.sleep(sleep_seconds)
        context["ti"].xcom_push(key="sample_rows", value=[{"day": day, "n": n, "text": "x" * 20} for n in range(2000)])
        log.info("workbench backfill test: exported %s", day)
        return {"date": day, "rows": 2000}

    export_day()


workbench_test_backfill()
