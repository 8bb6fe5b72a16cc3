"""Airflow 2 DAG daily_timeline_export_v2: the Airflow 2 variant of daily_timeline_export (stack/dags).

One day of game-character timelines to Parquet in the object store.

Every day at midnight UTC, for the day that just ended (the run's data interval, midnight to
midnight UTC):

1. ``extract_timelines``: the day's records from the local source API (paged) to a CSV file;
2. ``convert_to_parquet``: the CSV to Parquet with pyarrow (typed columns);
3. ``upload_to_object_store``: the file to s3://workbench/timelines/dt=YYYY-MM-DD/part-0.parquet
   with the Amazon provider's S3Hook (connection workbench_s3), replacing the day's object, and an
   event on the dataset s3://workbench/timelines with extra {key, rows, bytes, date};
4. ``send_summary_mail``: a summary mail with the SMTP provider (connection workbench_smtp).

The tasks pass paths and counts through XCom. A rerun of a day (clear, or a backfill with
reprocess "completed") replaces that day's object and sends one new mail; nothing else changes.
Catchup is off: past days run with `airflow dags backfill` (Airflow 2 has no backfill API, so the
editor's Backfill form is for Airflow 3 only). Both variants write the same objects (the content
of a day does not depend on who wrote it); the mails say which DAG sent them.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

# stack/plugins on sys.path (Airflow 2 reads this folder through a link; its plugins folder is
# elsewhere).
_PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
if _PLUGINS.is_dir() and str(_PLUGINS) not in sys.path:
    sys.path.append(str(_PLUGINS))

import pendulum  # noqa: E402
from airflow.datasets import Dataset  # noqa: E402
from airflow.decorators import dag, task  # noqa: E402
from airflow.models.param import Param  # noqa: E402
from airflow.operators.python import get_current_context  # noqa: E402

from workbench_pipeline import daily_export as dx  # noqa: E402

TIMELINES_ASSET = Dataset(dx.ASSET_URI)


@dag(
    dag_id=dx.DAG_ID_AIRFLOW2,
    schedule="@daily",
    start_date=pendulum.today("UTC").subtract(days=30),
    catchup=False,
    max_active_runs=3,
    params=dx.dag_params(Param),
    default_args={"retries": 0},
    tags=["workbench", "daily", "s3", "example"],
    doc_md=__doc__,
)
def daily_timeline_export_v2() -> None:
    @task(retries=2, retry_delay=timedelta(seconds=20))
    def extract_timelines(data_interval_start: Any = None, data_interval_end: Any = None) -> dict[str, Any]:
        """The day's records from the source API to <work dir>/dt=<day>/timelines.csv."""
        page_size = int(get_current_context()["params"]["page_size"])
        return dx.extract_timelines(dx.DAG_ID_AIRFLOW2, data_interval_start, data_interval_end, page_size)

    @task
    def convert_to_parquet(extracted: dict[str, Any]) -> dict[str, Any]:
        """The CSV to part-0.parquet beside it."""
        return dx.convert_to_parquet(extracted)

    @task(outlets=[TIMELINES_ASSET], retries=2, retry_delay=timedelta(seconds=20))
    def upload_to_object_store(converted: dict[str, Any]) -> dict[str, Any]:
        """The Parquet file to s3://workbench/timelines/dt=<day>/part-0.parquet; one dataset event."""
        return dx.upload_to_object_store(converted, get_current_context()["outlet_events"][TIMELINES_ASSET])

    @task
    def send_summary_mail(uploaded: dict[str, Any], converted: dict[str, Any]) -> dict[str, Any]:
        """The summary mail of the day through the SMTP connection."""
        context = get_current_context()
        return dx.send_summary_mail(dx.DAG_ID_AIRFLOW2, context["run_id"], str(context["params"]["mail_to"]), uploaded, converted)

    extracted = extract_timelines()
    converted = convert_to_parquet(extracted)
    uploaded = upload_to_object_store(converted)
    send_summary_mail(uploaded, converted)


daily_timeline_export_v2()
