"""Airflow DAG process_page_view_messages: summarizes new page views after each batch consumer run.

Scheduled on the asset workbench://message-history/page_view (kafka_batch_consumer emits it); adds
the unprocessed `page_view` rows of message_history to hourly_summary and marks them with
processed_at and this run's id. Code: stack/plugins/workbench_pipeline/downstream.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

# stack/plugins on sys.path even where the plugins folder is configured elsewhere (no-op otherwise).
_PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
if _PLUGINS.is_dir() and str(_PLUGINS) not in sys.path:
    sys.path.append(str(_PLUGINS))

from workbench_pipeline.downstream import build_history_processor_dag  # noqa: E402

dag = build_history_processor_dag("page_view")
