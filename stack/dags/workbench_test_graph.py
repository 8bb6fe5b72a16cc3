"""Test DAG of the extension's DAG graph and grid (src/airflow/dagGraph.ts), Airflow 3.

Six tasks in task groups, one nested: start → extract.orders and extract.payments →
transform.clean → transform.enrich.join → load. Each task returns a small JSON value (an XCom
`return_value`), and `start` also pushes the XCom `row_count`, so the graph's XCom view has
entries to show. With conf {"fail_first_try": "<task id>"} that task fails on try 1 and succeeds
once cleared (try 2), which is how a test clears a task from the graph. `marker` from the
conf is logged by every task.
"""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import TaskGroup, dag, get_current_context, task

log = logging.getLogger(__name__)


def _step(name: str) -> str:
    """Logs the task's line with the run's marker; fails try 1 when the conf names this task."""
    context = get_current_context()
    conf = context["dag_run"].conf or {}
    marker = str(conf.get("marker", "none"))
    log.info("graph step %s marker=%s", name, marker)
    if conf.get("fail_first_try") == context["ti"].task_id and context["ti"].try_number == 1:
        raise RuntimeError(f"failing {name} on try 1 on purpose marker={marker}")
    return marker


@dag(
    dag_id="workbench_test_graph",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["workbench-test"],
    default_args={"retries": 0},
    doc_md=__doc__,
)
def workbench_test_graph():
    @task
    def start() -> dict[str, object]:
        marker = _step("start")
        get_current_context()["ti"].xcom_push(key="row_count", value=3)
        return {"marker": marker, "rows": 3}

    @task
    def orders(info: dict[str, object]) -> list[int]:
        _step("orders")
        return [1, 2, 3][: int(str(info["rows"]))]

    @task
    def payments(info: dict[str, object]) -> list[int]:
        _step("payments")
        return [10, 20, 30][: int(str(info["rows"]))]

    @task
    def clean(order_ids: list[int], payment_ids: list[int]) -> dict[str, list[int]]:
        _step("clean")
        return {"orders": order_ids, "payments": payment_ids}

    @task
    def join(cleaned: dict[str, list[int]]) -> list[list[int]]:
        _step("join")
        return [list(pair) for pair in zip(cleaned["orders"], cleaned["payments"])]

    @task
    def load(pairs: list[list[int]]) -> int:
        _step("load")
        return len(pairs)

    info = start()
    with TaskGroup("extract"):
        order_ids = orders(info)
        payment_ids = payments(info)
    with TaskGroup("transform"):
        cleaned = clean(order_ids, payment_ids)
        with TaskGroup("enrich"):
            pairs = join(cleaned)
    load(pairs)


workbench_test_graph()
