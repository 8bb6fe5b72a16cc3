"""Airflow DAG daily_timeline_export: one day of game-character timelines to Parquet in the object store.

Every day at midnight UTC, for the day that just ended (the run's data interval, midnight to
midnight UTC):

1. ``extract_timelines``: the day's records from the local source API (paged) to a CSV file;
2. ``convert_to_parquet``: the CSV to Parquet with pyarrow (typed columns);
3. ``upload_to_object_store``: the file to s3://workbench/timelines/dt=YYYY-MM-DD/part-0.parquet
   with the Amazon provider's S3Hook (connection workbench_s3), replacing the day's object, and an
   event on the asset s3://workbench/timelines with extra {key, rows, bytes, date};
4. ``send_summary_mail``: a summary mail with the SMTP provider (connection workbench_smtp).

The tasks pass paths and counts through XCom. A rerun of a day (clear, or a backfill with
reprocess "completed") replaces that day's object and sends one new mail; nothing else changes.
Catchup is off: past days run as backfills (from the editor or `airflow backfill create`).
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

# stack/plugins on sys.path even where the plugins folder is configured elsewhere (no-op otherwise).
_PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
if _PLUGINS.is_dir() and str(_PLUGINS) not in sys.path:
    sys.path.append(str(_PLUGINS))

import pendulum  # noqa: E402
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, get_current_context, task  # noqa: E402

from workbench_pipeline import daily_export as dx  # noqa: E402

TIMELINES_ASSET = Asset(dx.ASSET_URI)


@dag(
    dag_id=dx.DAG_ID,
    # Daily data intervals (midnight to midnight UTC): in Airflow 3 a plain "@daily" is a trigger
    # timetable, whose runs have a zero-length interval.
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=pendulum.today("UTC").subtract(days=30),
    catchup=False,
    max_active_runs=3,
    params=dx.dag_params(Param),
    default_args={"retries": 0},
    tags=["workbench", "daily", "s3", "example"],
    doc_md=__doc__,
)
def daily_timeline_export() -> None:
    @task(retries=2, retry_delay=timedelta(seconds=20))
    def extract_timelines(data_interval_start: Any = None, data_interval_end: Any = None) -> dict[str, Any]:
        """The day's records from the source API to <work dir>/dt=<day>/timelines.csv."""
        page_size = int(get_current_context()["params"]["page_size"])
        return dx.extract_timelines(dx.DAG_ID, data_interval_start, data_interval_end, page_size)

    @task
    def convert_to_parquet(extracted: dict[str, Any]) -> dict[str, Any]:
        """The CSV to part-0.parquet beside it."""
        return dx.convert_to_parquet(extracted)

    @task(outlets=[TIMELINES_ASSET], retries=2, retry_delay=timedelta(seconds=20))
    def upload_to_object_store(converted: dict[str, Any]) -> dict[str, Any]:
        """The Parquet file to s3://workbench/timelines/dt=<day>/part-0.parquet; one asset event."""
        return dx.upload_to_object_store(converted, get_current_context()["outlet_events"][TIMELINES_ASSET])

    @task
    def send_summary_mail(uploaded: dict[str, Any], converted: dict[str, Any]) -> dict[str, Any]:
        """The summary mail of the day through the SMTP connection."""
        context = get_current_context()
        return dx.send_summary_mail(dx.DAG_ID, context["run_id"], str(context["params"]["mail_to"]), uploaded, converted)

    extracted = extract_timelines()
    converted = convert_to_parquet(extracted)
    uploaded = upload_to_object_store(converted)
    send_summary_mail(uploaded, converted)


daily_timeline_export()
