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

import logging
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# stack/plugins on sys.path even where the plugins folder is configured elsewhere (no-op otherwise).
_PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
if _PLUGINS.is_dir() and str(_PLUGINS) not in sys.path:
    sys.path.append(str(_PLUGINS))

import pendulum  # noqa: E402
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, get_current_context, task  # noqa: E402

from workbench_pipeline import daily_export as dx  # noqa: E402

log = logging.getLogger(__name__)

TIMELINES_ASSET = Asset(dx.ASSET_URI)


@dag(
    dag_id=dx.DAG_ID,
    # Daily data intervals (midnight to midnight UTC): in Airflow 3 a plain "@daily" is a trigger
    # timetable, whose runs have a zero-length interval.
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=pendulum.today("UTC").subtract(days=30),
    catchup=False,
    max_active_runs=3,
    params={
        "page_size": Param(dx.DEFAULT_PAGE_SIZE, type="integer", minimum=1, maximum=1000, description="Records per source API request"),
        "mail_to": Param(dx.MAIL_TO, type="string", description="Recipient of the summary mail"),
    },
    default_args={"retries": 0},
    tags=["workbench", "daily", "s3", "example"],
    doc_md=__doc__,
)
def daily_timeline_export() -> None:
    @task
    def extract_timelines(data_interval_start: Any = None, data_interval_end: Any = None) -> dict[str, Any]:
        """The day's records from the source API to <work dir>/dt=<day>/timelines.csv."""
        params = get_current_context()["params"]
        day = dx.day_of_interval(data_interval_start, data_interval_end)
        records = dx.fetch_records(data_interval_start, data_interval_end, page_size=int(params["page_size"]))
        csv_path = dx.work_dir(dx.DAG_ID, day) / "timelines.csv"
        rows = dx.write_csv(records, csv_path)
        log.info("%d records of %s from %s -> %s", rows, day, dx.SOURCE_API_URL, csv_path)
        return {"date": day.isoformat(), "csv_path": str(csv_path), "rows": rows}

    @task
    def convert_to_parquet(extracted: dict[str, Any]) -> dict[str, Any]:
        """The CSV to part-0.parquet beside it."""
        csv_path = Path(extracted["csv_path"])
        out = dx.csv_to_parquet(csv_path, csv_path.with_name("part-0.parquet"))
        if out.rows != extracted["rows"]:
            raise ValueError(f"{csv_path} has {extracted['rows']} records but {out.path} got {out.rows} rows")
        log.info("%d rows -> %s (%d bytes)", out.rows, out.path, out.bytes)
        return {"date": extracted["date"], "parquet_path": out.path, "rows": out.rows, "bytes": out.bytes, "events_by_type": out.events_by_type}

    @task(outlets=[TIMELINES_ASSET], retries=2, retry_delay=timedelta(seconds=20))
    def upload_to_object_store(converted: dict[str, Any]) -> dict[str, Any]:
        """The Parquet file to s3://workbench/timelines/dt=<day>/part-0.parquet; one asset event."""
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        day = date.fromisoformat(converted["date"])
        uploaded = dx.upload_parquet(S3Hook(aws_conn_id=dx.S3_CONN_ID), converted["parquet_path"], dx.object_key(day))
        extra = dx.asset_extra(day, uploaded, converted["rows"])
        get_current_context()["outlet_events"][TIMELINES_ASSET].extra = extra
        log.info("uploaded %s (%d bytes, ETag %s); asset event extra %s", uploaded["uri"], uploaded["bytes"], uploaded["etag"], extra)
        return {**uploaded, "rows": converted["rows"], "date": converted["date"]}

    @task
    def send_summary_mail(uploaded: dict[str, Any], converted: dict[str, Any]) -> dict[str, Any]:
        """The summary mail of the day through the SMTP connection."""
        context = get_current_context()
        day = date.fromisoformat(uploaded["date"])
        subject = dx.summary_subject(dx.DAG_ID, day, uploaded["rows"])
        body = dx.summary_html(
            dag_id=dx.DAG_ID,
            run_id=context["run_id"],
            day=day,
            uploaded=uploaded,
            rows=uploaded["rows"],
            events_by_type=converted["events_by_type"],
        )
        sent = dx.send_summary(dx.SMTP_CONN_ID, str(context["params"]["mail_to"]), subject, body)
        log.info("sent '%s' to %s", subject, sent["to"])
        return sent

    extracted = extract_timelines()
    converted = convert_to_parquet(extracted)
    uploaded = upload_to_object_store(converted)
    send_summary_mail(uploaded, converted)


daily_timeline_export()
