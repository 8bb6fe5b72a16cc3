"""Downstream processing of one data type: new message_history rows -> hourly_summary.

``build_history_processor_dag(data_type)`` makes the DAG that runs on the data type's asset
(one short file per DAG in stack/dags calls it). A run takes the rows of its data type that
no run processed yet, adds them to ``hourly_summary`` and marks them with ``processed_at`` and
its run id, all in ONE statement and transaction: a crash leaves either everything or nothing
done, and a rerun never counts a row twice.

It takes every pending row of the data type, not only the offset ranges of the triggering
events: rows that a crashed consumer run loaded (and whose events were therefore never
emitted) are picked up by the next run instead of waiting forever. The ranges are still used:
after processing, the run checks that no row inside them is left pending, and logs how many
of the rows it processed came from the triggering events.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pendulum
from airflow.sdk import DAG, dag, task

from workbench_pipeline.assets import history_asset
from workbench_pipeline.history_db import HISTORY_CONN_ID, close_quietly, connect_airflow_connection

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

MAX_ROWS_PER_RUN = 1_000_000

# One statement: pick pending rows (locked, so a concurrent run skips them), mark them, and add
# them to the hourly summary. The hour is the message timestamp's, else the time it was consumed.
_PROCESS_PENDING = """
WITH picked AS (
    SELECT id FROM message_history
    WHERE data_type = %(data_type)s AND processed_at IS NULL
    ORDER BY id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), marked AS (
    UPDATE message_history m
    SET processed_at = now(), processed_by_dag_id = %(dag_id)s, processed_by_run_id = %(run_id)s
    FROM picked
    WHERE m.id = picked.id
    RETURNING coalesce(m.message_timestamp, m.consumed_at) AS ts
), summary AS (
    INSERT INTO hourly_summary AS h
        (data_type, hour, message_count, first_message_at, last_message_at, updated_at, updated_by_run_id)
    SELECT %(data_type)s, date_trunc('hour', ts), count(*), min(ts), max(ts), now(), %(run_id)s
    FROM marked
    GROUP BY date_trunc('hour', ts)
    ON CONFLICT (data_type, hour) DO UPDATE SET
        message_count = h.message_count + EXCLUDED.message_count,
        first_message_at = least(h.first_message_at, EXCLUDED.first_message_at),
        last_message_at = greatest(h.last_message_at, EXCLUDED.last_message_at),
        updated_at = EXCLUDED.updated_at,
        updated_by_run_id = EXCLUDED.updated_by_run_id
    RETURNING 1
)
SELECT (SELECT count(*) FROM marked) AS processed, (SELECT count(*) FROM summary) AS hours
"""

_IN_RANGE = """
SELECT count(*) FILTER (WHERE processed_by_run_id = %(run_id)s),
       count(*) FILTER (WHERE processed_at IS NULL)
FROM message_history
WHERE data_type = %(data_type)s AND topic = %(topic)s AND "partition" = %(partition)s
  AND "offset" BETWEEN %(first)s AND %(last)s
"""


def offset_ranges_of(events: Iterable[Any]) -> list[dict[str, Any]]:
    """The ``offset_ranges`` listed in the extra of asset events (batch consumer events)."""
    ranges: list[dict[str, Any]] = []
    for event in events:
        extra = getattr(event, "extra", None) or {}
        for rng in extra.get("offset_ranges") or []:
            if isinstance(rng, Mapping) and {"topic", "partition", "first_offset", "last_offset"} <= rng.keys():
                ranges.append(dict(rng))
    return ranges


def process_pending_rows(
    conn: psycopg.Connection,
    *,
    data_type: str,
    dag_id: str,
    run_id: str,
    event_ranges: list[dict[str, Any]],
    limit: int = MAX_ROWS_PER_RUN,
) -> dict[str, Any]:
    """Process the pending rows of ``data_type`` (see module doc); returns what was done."""
    with conn.transaction():
        row = conn.execute(
            _PROCESS_PENDING,  # type: ignore[arg-type]
            {"data_type": data_type, "dag_id": dag_id, "run_id": run_id, "limit": limit},
        ).fetchone()
    processed, hours = (int(row[0]), int(row[1])) if row else (0, 0)
    from_events = 0
    left_pending = 0
    for rng in event_ranges:
        counts = conn.execute(
            _IN_RANGE,  # type: ignore[arg-type]
            {
                "run_id": run_id,
                "data_type": data_type,
                "topic": rng["topic"],
                "partition": int(rng["partition"]),
                "first": int(rng["first_offset"]),
                "last": int(rng["last_offset"]),
            },
        ).fetchone()
        if counts:
            from_events += int(counts[0])
            left_pending += int(counts[1])
    return {
        "data_type": data_type,
        "processed": processed,
        "summary_hours": hours,
        "processed_from_triggering_events": from_events,
        "still_pending_in_event_ranges": left_pending,
    }


def build_history_processor_dag(data_type: str, *, history_conn_id: str = HISTORY_CONN_ID) -> DAG:
    """The DAG ``process_<data_type>_messages``, scheduled on the data type's history asset."""
    asset = history_asset(data_type)
    dag_id = f"process_{data_type}_messages"

    @dag(
        dag_id=dag_id,
        schedule=[asset],
        start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args={"retries": 2, "retry_delay": timedelta(seconds=10)},
        tags=["workbench", "message-history", data_type],
        doc_md=(
            f"Runs when `kafka_batch_consumer` emits an event on `{asset.uri}`: adds the new "
            f"`{data_type}` rows of `message_history` to `hourly_summary` and marks them processed."
        ),
    )
    def processor() -> None:
        @task(task_id="summarize_new_rows")
        def summarize_new_rows(**context: Any) -> dict[str, Any]:
            events = list(context["triggering_asset_events"].get(asset, []))
            ranges = offset_ranges_of(events)
            run_id: str = context["run_id"]
            log.info(
                "%d triggering event(s) for %s: %s",
                len(events),
                asset.uri,
                ", ".join(
                    f"{(e.extra or {}).get('count', '?')} messages from {(e.extra or {}).get('run_id', '?')}"
                    for e in events
                ),
            )
            conn, target = connect_airflow_connection(
                history_conn_id, application_name=f"kaw-{dag_id} pid={os.getpid()}"
            )
            try:
                result = process_pending_rows(
                    conn, data_type=data_type, dag_id=dag_id, run_id=run_id, event_ranges=ranges
                )
            finally:
                close_quietly(conn)
            log.info(
                "%s: %d %s rows processed into %d hourly summaries (%d of them from the triggering events)",
                target,
                result["processed"],
                data_type,
                result["summary_hours"],
                result["processed_from_triggering_events"],
            )
            if result["still_pending_in_event_ranges"]:
                # Another run holds them (FOR UPDATE SKIP LOCKED); fail so the retry finishes them.
                raise RuntimeError(
                    f"{result['still_pending_in_event_ranges']} {data_type} rows of the triggering events are "
                    "still unprocessed (locked by a concurrent run?); the retry will process them"
                )
            return result

        summarize_new_rows()

    return processor()
