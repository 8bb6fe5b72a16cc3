"""What the command DAGs do once the dispatcher routed a Kafka command to them.

- ``report``: per data type, the messages processed in the last N hours (from
  ``hourly_summary``) and the rows still waiting for their downstream DAG.
- ``reindex``: refresh the planner statistics of the history tables (``ANALYZE``), the cheap
  maintenance a "reindex" request means for a table that only grows, and report their size.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

DEFAULT_REPORT_HOURS = 24
MAX_REPORT_HOURS = 24 * 366

_REPORT = """
SELECT coalesce(s.data_type, p.data_type) AS data_type,
       coalesce(s.processed, 0) AS processed,
       coalesce(p.pending, 0) AS pending
FROM (
    SELECT data_type, sum(message_count)::bigint AS processed
    FROM hourly_summary
    WHERE hour >= date_trunc('hour', now()) - make_interval(hours => %(hours)s)
    GROUP BY data_type
) s
FULL JOIN (
    SELECT data_type, count(*) AS pending FROM message_history WHERE processed_at IS NULL GROUP BY data_type
) p ON p.data_type = s.data_type
ORDER BY 1
"""


def report_hours(command: Mapping[str, Any]) -> int:
    """The ``hours`` of a report command's JSON value; the default when absent or unusable."""
    value = command.get("value")
    hours = value.get("hours") if isinstance(value, Mapping) else None
    if isinstance(hours, int) and not isinstance(hours, bool) and 1 <= hours <= MAX_REPORT_HOURS:
        return hours
    return DEFAULT_REPORT_HOURS


def build_report(conn: psycopg.Connection, hours: int) -> dict[str, Any]:
    """Processed (last ``hours`` hours, by message hour) and pending rows per data type."""
    rows = conn.execute(_REPORT, {"hours": hours}).fetchall()  # type: ignore[arg-type]
    return {
        "hours": hours,
        "data_types": {str(r[0]): {"processed": int(r[1]), "pending": int(r[2])} for r in rows},
    }


def refresh_statistics(conn: psycopg.Connection) -> dict[str, Any]:
    """ANALYZE the history tables; returns their estimated row counts afterwards."""
    conn.execute("ANALYZE message_history")
    conn.execute("ANALYZE hourly_summary")
    rows = conn.execute(
        "SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN ('message_history', 'hourly_summary')"
    ).fetchall()
    return {"analyzed": {str(r[0]): int(r[1]) for r in rows}}
