"""Test DAG of the extension's Airflow client, Airflow 3: scheduled on the asset
workbench://test/dataset, so an asset event fired by a test starts a run of it.
"""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task

log = logging.getLogger(__name__)


@dag(
    dag_id="workbench_test_dataset_consumer",
    schedule=[Asset("workbench://test/dataset")],
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["workbench-test"],
    doc_md=__doc__,
)
def workbench_test_dataset_consumer():
    @task
    def consume() -> None:
        context = get_current_context()
        for asset, events in context["triggering_asset_events"].items():
            for event in events:
                log.info("workbench test: consumed %s extra=%s", asset, event.extra)

    consume()


workbench_test_dataset_consumer()
