"""Apply stack/sql to a history database named by an Airflow connection id (default
workbench_history): ``python -m workbench_pipeline.migrate [CONN_ID]``. Used by the Compose
init service; the kafka_batch_consumer DAG's first task does the same on every run.
"""

from __future__ import annotations

import sys

from workbench_pipeline.history_db import (
    HISTORY_CONN_ID,
    HistoryDatabaseError,
    apply_migrations,
    close_quietly,
    connect_airflow_connection,
)


def main(argv: list[str]) -> int:
    conn_id = argv[1] if len(argv) > 1 else HISTORY_CONN_ID
    try:
        conn, target = connect_airflow_connection(conn_id, "kaw-migrate")
    except HistoryDatabaseError as err:
        print(f"migrate: {err}", file=sys.stderr)
        return 1
    try:
        applied = apply_migrations(conn)
    except HistoryDatabaseError as err:
        print(f"migrate: {err}", file=sys.stderr)
        return 1
    finally:
        close_quietly(conn)
    print(f"migrate: {target}: " + (f"applied {', '.join(applied)}" if applied else "schema is current"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
