"""Airflow DAG handle_report: answers a "report" command routed by kafka_command_dispatcher.

Conf: {"command": {"key": "report", "value": {"hours": N}, ...}} (hours default 24). Returns,
per data type, the messages processed in the last N hours (hourly_summary) and the rows still
pending in message_history; the result is the task's return value (XCom) and in its log.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

# stack/plugins on sys.path even where the plugins folder is configured elsewhere (no-op otherwise).
_PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
if _PLUGINS.is_dir() and str(_PLUGINS) not in sys.path:
    sys.path.append(str(_PLUGINS))

import pendulum  # noqa: E402
from airflow.sdk import dag, task  # noqa: E402

from workbench_pipeline.command_handlers import build_report, report_hours  # noqa: E402
from workbench_pipeline.history_db import HISTORY_CONN_ID, close_quietly, connect_airflow_connection  # noqa: E402

log = logging.getLogger(__name__)


@dag(
    dag_id="handle_report",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["workbench", "command"],
    doc_md=__doc__,
)
def handle_report() -> None:
    @task(task_id="build_report")
    def report(**context: Any) -> dict[str, Any]:
        command = (context["dag_run"].conf or {}).get("command") or {}
        hours = report_hours(command)
        conn, _ = connect_airflow_connection(HISTORY_CONN_ID, "kaw-handle-report")
        try:
            result = build_report(conn, hours)
        finally:
            close_quietly(conn)
        result["command"] = command
        for data_type, figures in result["data_types"].items():
            log.info(
                "%s: %d processed in the last %d h, %d pending",
                data_type,
                figures["processed"],
                hours,
                figures["pending"],
            )
        return result

    report()


handle_report()
