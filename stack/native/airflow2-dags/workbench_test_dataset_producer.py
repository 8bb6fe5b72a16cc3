"""Test DAG of the extension's Airflow client, Airflow 2: produces the dataset
workbench://test/dataset, so the dataset has a producing task in the Datasets view.
"""

from __future__ import annotations

import logging

import pendulum
from airflow.datasets import Dataset
from airflow.decorators import dag, task

log = logging.getLogger(__name__)

TEST_DATASET = Dataset("workbench://test/dataset")


@dag(
    dag_id="workbench_test_dataset_producer",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["workbench-test"],
    doc_md=__doc__,
)
def workbench_test_dataset_producer():
    @task(outlets=[TEST_DATASET])
    def produce() -> None:
        log.info("workbench test: updating %s", TEST_DATASET.uri)

    produce()


workbench_test_dataset_producer()
