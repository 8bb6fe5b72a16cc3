"""Airflow DAG handle_reindex: answers a "reindex" command routed by kafka_command_dispatcher.

Conf: {"command": {"key": "reindex", ...}}. Refreshes the planner statistics of the history
tables (ANALYZE message_history, hourly_summary) and returns their estimated row counts.
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

from workbench_pipeline.command_handlers import refresh_statistics  # noqa: E402
from workbench_pipeline.history_db import HISTORY_CONN_ID, close_quietly, connect_airflow_connection  # noqa: E402

log = logging.getLogger(__name__)


@dag(
    dag_id="handle_reindex",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["workbench", "command"],
    doc_md=__doc__,
)
def handle_reindex() -> None:
    @task(task_id="refresh_statistics")
    def refresh(**context: Any) -> dict[str, Any]:
        command = (context["dag_run"].conf or {}).get("command") or {}
        conn, target = connect_airflow_connection(HISTORY_CONN_ID, "kaw-handle-reindex")
        try:
            result = refresh_statistics(conn)
        finally:
            close_quietly(conn)
        log.info("ANALYZE done on %s: %s", target, result["analyzed"])
        result["command"] = command
        return result

    refresh()


handle_reindex()
