"""Test DAG of the extension's Airflow client, Airflow 3: produces the asset
workbench://test/dataset, so the asset has a producing task in the Datasets view.
"""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import Asset, dag, task

log = logging.getLogger(__name__)

TEST_ASSET = Asset("workbench://test/dataset")


@dag(
    dag_id="workbench_test_dataset_producer",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["workbench-test"],
    doc_md=__doc__,
)
def workbench_test_dataset_producer():
    @task(outlets=[TEST_ASSET])
    def produce() -> None:
        log.info("workbench test: updating %s", TEST_ASSET.uri)

    produce()


workbench_test_dataset_producer()
