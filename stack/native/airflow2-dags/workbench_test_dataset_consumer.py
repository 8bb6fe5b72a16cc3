"""Test DAG of the extension's Airflow client, Airflow 2: scheduled on the dataset
workbench://test/dataset, so a dataset event fired by a test starts a run of it.
"""

from __future__ import annotations

import logging

import pendulum
from airflow.datasets import Dataset
from airflow.decorators import dag, task
from airflow.operators.python import get_current_context

log = logging.getLogger(__name__)


@dag(
    dag_id="workbench_test_dataset_consumer",
    schedule=[Dataset("workbench://test/dataset")],
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["workbench-test"],
    doc_md=__doc__,
)
def workbench_test_dataset_consumer():
    @task
    def consume() -> None:
        context = get_current_context()
        for uri, events in context["triggering_dataset_events"].items():
            for event in events:
                log.info("workbench test: consumed %s extra=%s", uri, event.extra)

    consume()


workbench_test_dataset_consumer()
