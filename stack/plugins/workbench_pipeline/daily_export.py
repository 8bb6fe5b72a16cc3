"""The daily timeline export: one UTC day of the source API's timelines -> CSV -> Parquet -> S3 -> mail.

The DAG daily_timeline_export (Airflow 3, stack/dags) and its Airflow 2 variant
daily_timeline_export_v2 (stack/native/airflow2-dags) are thin wrappers around the steps here:
each task's body is one function of the last section (``extract_timelines`` ...
``send_summary_mail``), and the DAG files keep only what differs between the Airflows (imports,
the asset or dataset, the schedule, the context). Each step takes and returns paths and numbers
(what the tasks pass through XCom), so the steps run and are tested without a scheduler. Nothing
here imports Airflow at module level, so both Airflows import it.

Idempotent per day: the day is the run's data interval (one UTC day, midnight to midnight), the
local files and the object key depend only on the day, and the upload replaces the day's object.
"""

from __future__ import annotations

import csv
import html
import logging
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

log = logging.getLogger(__name__)

DAG_ID = "daily_timeline_export"
DAG_ID_AIRFLOW2 = "daily_timeline_export_v2"
S3_CONN_ID = "workbench_s3"
SMTP_CONN_ID = "workbench_smtp"
BUCKET = "workbench"
OBJECT_PREFIX = "timelines"
ASSET_URI = f"s3://{BUCKET}/{OBJECT_PREFIX}"
"""The asset (Airflow 2: dataset) the upload updates; each event's extra names the day's object."""

SOURCE_API_URL = os.environ.get("KAW_SOURCE_API_URL", "http://127.0.0.1:8090").rstrip("/")
MAIL_TO = os.environ.get("KAW_DAILY_EXPORT_MAIL_TO", "timelines-team@workbench.localhost")
MAIL_FROM = "airflow@workbench.localhost"
DEFAULT_PAGE_SIZE = 50

SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("occurred_at", pa.timestamp("ms", tz="UTC")),
        ("character_id", pa.string()),
        ("server_id", pa.string()),
        ("character_name", pa.string()),
        ("adventure_name", pa.string()),
        ("guild_name", pa.string()),
        ("job_name", pa.string()),
        ("job_grow_name", pa.string()),
        ("level", pa.int32()),
        ("code", pa.int32()),
        ("event_name", pa.string()),
        ("detail", pa.string()),
    ]
)
"""Columns of the CSV and of the Parquet file, in order (the source API's record fields)."""
COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)


class SourceApiError(RuntimeError):
    """The source API did not give the day's records; the message says what to do."""


class ObjectStoreError(RuntimeError):
    """The object store did not take the upload; the message says what to do."""


class MailError(RuntimeError):
    """The SMTP server did not take the summary mail; the message says what to do."""


# ---------------------------------------------------------------------------------------------
# The day of a run and where its files go
# ---------------------------------------------------------------------------------------------


def day_of_interval(start: datetime, end: datetime) -> date:
    """The UTC day a run exports: its data interval must be exactly one day from midnight UTC."""
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    midnight = start_utc.replace(hour=0, minute=0, second=0, microsecond=0)
    if start_utc != midnight or end_utc - start_utc != timedelta(days=1):
        raise ValueError(
            f"the run's data interval {start_utc.isoformat()} .. {end_utc.isoformat()} is not one UTC day "
            "(midnight to midnight): run this DAG on its @daily schedule, as a backfill, or trigger it "
            "with a logical date at midnight UTC"
        )
    return start_utc.date()


def object_key(day: date) -> str:
    """The object of one day: timelines/dt=YYYY-MM-DD/part-0.parquet (Hive-style partition)."""
    return f"{OBJECT_PREFIX}/dt={day.isoformat()}/part-0.parquet"


def work_dir(dag_id: str, day: date, base: str | os.PathLike[str] | None = None) -> Path:
    """The local folder of a day's CSV and Parquet files (same for every rerun of the day).

    ``base``: $KAW_PIPELINE_WORK_DIR, else <temp dir>/workbench-pipeline. The tasks of a run share
    it because the LocalExecutor runs them all on this machine.
    """
    root = Path(base or os.environ.get("KAW_PIPELINE_WORK_DIR") or Path(tempfile.gettempdir()) / "workbench-pipeline")
    folder = root / dag_id / f"dt={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ---------------------------------------------------------------------------------------------
# Extract: source API -> CSV
# ---------------------------------------------------------------------------------------------


def fetch_records(
    start: datetime,
    end: datetime,
    *,
    base_url: str = SOURCE_API_URL,
    page_size: int = DEFAULT_PAGE_SIZE,
    client: httpx.Client | None = None,
) -> list[dict[str, Any]]:
    """Every timeline record with start <= occurred_at < end, read page by page."""
    own = client is None
    http = client or httpx.Client(base_url=base_url, timeout=30)
    params = {
        "start": start.astimezone(UTC).isoformat(),
        "end": end.astimezone(UTC).isoformat(),
        "page_size": page_size,
    }
    records: list[dict[str, Any]] = []
    total: int | None = None
    try:
        page = 1
        while True:
            try:
                r = http.get("/timelines", params={**params, "page": page})
            except httpx.TransportError as err:
                raise SourceApiError(
                    f"the source API at {base_url} does not answer ({err}); "
                    "start it with `stack/native/stack.sh up source-api`, then clear this task"
                ) from err
            if r.status_code != 200:
                raise SourceApiError(f"GET {r.request.url} answered {r.status_code}: {r.text[:300]}")
            body = r.json()
            if total is None:
                total = int(body["total"])
            elif int(body["total"]) != total:
                raise SourceApiError(
                    f"the source changed while it was read (total {total}, then {body['total']}): clear this task to read the day again"
                )
            records.extend(body["records"])
            if not body["records"] or len(records) >= total:
                break
            page += 1
    finally:
        if own:
            http.close()
    if len(records) != total:
        raise SourceApiError(f"the source API announced {total} records but gave {len(records)}: clear this task to read the day again")
    return records


def write_csv(records: list[Mapping[str, Any]], path: Path) -> int:
    """Write the records with the columns of SCHEMA (a header even when there are none); returns rows."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for record in records:
            missing = [c for c in COLUMNS if c not in record]
            if missing:
                raise SourceApiError(f"record {record.get('event_id', '?')} has no {', '.join(missing)}: the source API changed its fields")
            writer.writerow(record)
    tmp.replace(path)
    return len(records)


# ---------------------------------------------------------------------------------------------
# Convert: CSV -> Parquet
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParquetFile:
    path: str
    rows: int
    bytes: int
    events_by_type: dict[str, int]


def csv_to_parquet(csv_path: Path, parquet_path: Path) -> ParquetFile:
    """Read the CSV with the declared column types (an empty text stays ""), write Parquet (snappy)."""
    table = pacsv.read_csv(
        csv_path,
        convert_options=pacsv.ConvertOptions(
            column_types={field.name: field.type for field in SCHEMA},
            include_columns=list(COLUMNS),
            strings_can_be_null=False,
        ),
    )
    table = table.select(list(COLUMNS)).cast(SCHEMA)
    tmp = parquet_path.with_name(parquet_path.name + ".tmp")
    pq.write_table(table, tmp, compression="snappy")
    tmp.replace(parquet_path)
    names = table.column("event_name").to_pylist()
    return ParquetFile(
        path=str(parquet_path),
        rows=table.num_rows,
        bytes=parquet_path.stat().st_size,
        events_by_type=dict(sorted(Counter(names).items())),
    )


# ---------------------------------------------------------------------------------------------
# Upload: Parquet -> S3 (the Amazon provider's S3Hook)
# ---------------------------------------------------------------------------------------------


def _endpoint_of(hook: Any) -> str:
    try:
        return str(hook.conn_config.endpoint_url or "AWS S3")
    except Exception:  # the hook's connection itself may be what is broken
        return f"the endpoint of connection {S3_CONN_ID}"


def upload_parquet(hook: Any, local_path: str, key: str, bucket: str = BUCKET) -> dict[str, Any]:
    """Put the file at s3://bucket/key, replacing the day's object; returns size, ETag and time.

    ``hook``: an S3Hook (apache-airflow-providers-amazon). Connection failures become an
    ObjectStoreError that names the endpoint and the fix; Airflow then retries the task.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        hook.load_file(filename=local_path, key=key, bucket_name=bucket, replace=True)
        head = hook.head_object(key=key, bucket_name=bucket)
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket", "404"):
            raise ObjectStoreError(
                f"bucket {bucket} does not exist at {_endpoint_of(hook)}: `stack/native/stack.sh up object-store` creates it"
            ) from err
        raise ObjectStoreError(f"the object store at {_endpoint_of(hook)} refused s3://{bucket}/{key}: {err}") from err
    except BotoCoreError as err:
        raise ObjectStoreError(
            f"the object store at {_endpoint_of(hook)} did not take s3://{bucket}/{key} ({err}); "
            "is it running? `stack/native/stack.sh status` shows it, `stack/native/stack.sh up object-store` "
            "starts it; the task is retried"
        ) from err
    if head is None:
        raise ObjectStoreError(f"s3://{bucket}/{key} is not there after the upload to {_endpoint_of(hook)}")
    modified = head.get("LastModified")
    return {
        "bucket": bucket,
        "key": key,
        "uri": f"s3://{bucket}/{key}",
        "bytes": int(head.get("ContentLength", 0)),
        "etag": str(head.get("ETag", "")).strip('"'),
        "last_modified": modified.isoformat() if isinstance(modified, datetime) else str(modified),
    }


def asset_extra(day: date, uploaded: Mapping[str, Any], rows: int) -> dict[str, Any]:
    """The extra of the day's asset event: {key, rows, bytes, date}."""
    return {"key": uploaded["key"], "rows": rows, "bytes": uploaded["bytes"], "date": day.isoformat()}


# ---------------------------------------------------------------------------------------------
# Mail: the summary, sent with the SMTP provider's hook
# ---------------------------------------------------------------------------------------------


def summary_subject(dag_id: str, day: date, rows: int) -> str:
    return f"[{dag_id}] {day.isoformat()}: {rows} timeline events exported"


def summary_html(
    *, dag_id: str, run_id: str, day: date, uploaded: Mapping[str, Any], rows: int, events_by_type: Mapping[str, int]
) -> str:
    """The mail body; every value is escaped (run ids and event names are data, not markup)."""
    e = html.escape
    by_type = "".join(f"<tr><td>{e(str(k))}</td><td>{int(v)}</td></tr>" for k, v in events_by_type.items())
    return (
        f"<p>{e(dag_id)} exported the timelines of {e(day.isoformat())}.</p>"
        "<table>"
        f"<tr><th>object</th><td>{e(str(uploaded['uri']))}</td></tr>"
        f"<tr><th>rows</th><td>{int(rows)}</td></tr>"
        f"<tr><th>bytes</th><td>{int(uploaded['bytes'])}</td></tr>"
        f"<tr><th>run</th><td>{e(run_id)}</td></tr>"
        "</table>"
        f"<table><tr><th>event</th><th>count</th></tr>{by_type}</table>"
    )


def send_summary(conn_id: str, to: str, subject: str, html_content: str) -> dict[str, Any]:
    """Send one mail through the connection's SMTP server (SmtpHook, SMTP provider)."""
    import smtplib

    from airflow.exceptions import AirflowException
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    hook = SmtpHook(smtp_conn_id=conn_id)
    try:
        with hook as smtp:
            smtp.send_email_smtp(to=to, subject=subject, html_content=html_content, from_email=MAIL_FROM)
    except (OSError, smtplib.SMTPException, AirflowException) as err:
        # A refused connection is an OSError; SmtpHook turns repeated disconnects into AirflowException.
        conn = getattr(hook, "smtp_connection", None)
        where = f"{conn.host}:{conn.port}" if conn is not None else "of the connection"
        raise MailError(
            f"the SMTP server {where} (connection {conn_id}) did not take the summary mail ({err}); "
            "the day's object is uploaded already. Start the mail catcher (`stack/native/stack.sh up mail`) "
            "and clear this task to send the mail"
        ) from err
    return {"to": to, "subject": subject}


# ---------------------------------------------------------------------------------------------
# Helpers for tests and the editor
# ---------------------------------------------------------------------------------------------


_KEY_RE = re.compile(rf"^{OBJECT_PREFIX}/dt=(\d{{4}}-\d{{2}}-\d{{2}})/part-0\.parquet$")


def day_of_key(key: str) -> date | None:
    """The day of an object key made by object_key, else None."""
    m = _KEY_RE.match(key)
    return date.fromisoformat(m.group(1)) if m else None


def iter_days(first: date, last: date) -> Iterator[date]:
    """first, first + 1 day, ..., last."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# The DAGs' params and task bodies, shared by daily_timeline_export (Airflow 3) and
# daily_timeline_export_v2 (Airflow 2)
# ---------------------------------------------------------------------------------------------


def dag_params(param: Callable[..., Any]) -> dict[str, Any]:
    """The DAG's params, made with the running Airflow's ``Param`` class."""
    return {
        "page_size": param(DEFAULT_PAGE_SIZE, type="integer", minimum=1, maximum=1000, description="Records per source API request"),
        "mail_to": param(MAIL_TO, type="string", description="Recipient of the summary mail"),
    }


def extract_timelines(dag_id: str, data_interval_start: Any, data_interval_end: Any, page_size: int) -> dict[str, Any]:
    """Task extract_timelines: the day's records from the source API to <work dir>/dt=<day>/timelines.csv."""
    day = day_of_interval(data_interval_start, data_interval_end)
    records = fetch_records(data_interval_start, data_interval_end, page_size=page_size)
    csv_path = work_dir(dag_id, day) / "timelines.csv"
    rows = write_csv(records, csv_path)
    log.info("%d records of %s from %s -> %s", rows, day, SOURCE_API_URL, csv_path)
    return {"date": day.isoformat(), "csv_path": str(csv_path), "rows": rows}


def convert_to_parquet(extracted: Mapping[str, Any]) -> dict[str, Any]:
    """Task convert_to_parquet: the CSV to part-0.parquet beside it."""
    csv_path = Path(extracted["csv_path"])
    out = csv_to_parquet(csv_path, csv_path.with_name("part-0.parquet"))
    if out.rows != extracted["rows"]:
        raise ValueError(f"{csv_path} has {extracted['rows']} records but {out.path} got {out.rows} rows")
    log.info("%d rows -> %s (%d bytes)", out.rows, out.path, out.bytes)
    return {"date": extracted["date"], "parquet_path": out.path, "rows": out.rows, "bytes": out.bytes, "events_by_type": out.events_by_type}


def upload_to_object_store(converted: Mapping[str, Any], outlet_event: Any) -> dict[str, Any]:
    """Task upload_to_object_store: the Parquet file to s3://workbench/timelines/dt=<day>/part-0.parquet
    (S3Hook, connection workbench_s3); ``outlet_event`` (the task's outlet event accessor of the
    asset, Airflow 2: dataset) gets the event's extra {key, rows, bytes, date}."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    day = date.fromisoformat(converted["date"])
    uploaded = upload_parquet(S3Hook(aws_conn_id=S3_CONN_ID), converted["parquet_path"], object_key(day))
    extra = asset_extra(day, uploaded, converted["rows"])
    outlet_event.extra = extra
    log.info("uploaded %s (%d bytes, ETag %s); asset event extra %s", uploaded["uri"], uploaded["bytes"], uploaded["etag"], extra)
    return {**uploaded, "rows": converted["rows"], "date": converted["date"]}


def send_summary_mail(dag_id: str, run_id: str, mail_to: str, uploaded: Mapping[str, Any], converted: Mapping[str, Any]) -> dict[str, Any]:
    """Task send_summary_mail: the summary mail of the day through the SMTP connection workbench_smtp."""
    day = date.fromisoformat(uploaded["date"])
    subject = summary_subject(dag_id, day, uploaded["rows"])
    body = summary_html(
        dag_id=dag_id,
        run_id=run_id,
        day=day,
        uploaded=uploaded,
        rows=uploaded["rows"],
        events_by_type=converted["events_by_type"],
    )
    sent = send_summary(SMTP_CONN_ID, mail_to, subject, body)
    log.info("sent '%s' to %s", subject, sent["to"])
    return sent
