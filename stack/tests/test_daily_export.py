"""The daily pipeline on the native stack, for real: source API -> CSV -> Parquet -> S3 -> mail.

- the source API serves the same records for a day every time, paged, and says what is wrong
  with a bad request;
- the steps of workbench_pipeline.daily_export (CSV, Parquet, day of a run) on their own;
- an Airflow 3 backfill of 3 days of daily_timeline_export gives 3 objects in the object store
  whose rows (read back with pyarrow) are the source's, 3 asset events with {key, rows, bytes,
  date} and 3 summary mails (read through Mailpit's API); the same backfill again with reprocess
  "completed" keeps every object's content and the number of objects, changes their modified
  time and sends one new mail per day;
- the object store down during the upload: the task fails saying so and its retry succeeds once
  the store is back; the mail catcher down: the object lands, only the mail task fails;
- the Airflow 2 variant daily_timeline_export_v2 exports a day the same way.

The object store and the mail catcher are stopped and started with stack.sh (the services of
the checkout these tests run from); a failed test leaves them running again. Runs made here are
deleted at the start of the next run of the same test (their days are fixed: 10 to 16 days ago).
"""

from __future__ import annotations

import io
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pyarrow.parquet as pq
import pytest
from botocore.client import Config

from conftest import unique
from stack_client import AirflowApi, wait_for
from workbench_pipeline import daily_export as dx

STACK_SH = Path(__file__).resolve().parents[1] / "native" / "stack.sh"
SOURCE_API_URL = os.environ.get("KAW_SOURCE_API_URL", "http://127.0.0.1:8090").rstrip("/")
MAIL_API_URL = os.environ.get("KAW_MAIL_API_URL", "http://127.0.0.1:8025").rstrip("/")
S3_ENDPOINT = os.environ.get("KAW_S3_ENDPOINT", "http://127.0.0.1:8333")
S3_ACCESS_KEY = os.environ.get("KAW_S3_ACCESS_KEY", "workbench")
S3_SECRET_KEY = os.environ.get("KAW_S3_SECRET_KEY", "workbench-s3-dev-secret")
AIRFLOW2_URL = os.environ.get("KAW_AIRFLOW2_URL", "http://127.0.0.1:8081").rstrip("/")

TODAY = datetime.now(UTC).date()
BACKFILL_DAYS = [TODAY - timedelta(days=n) for n in (12, 11, 10)]
STORE_DOWN_DAY = TODAY - timedelta(days=14)
SMTP_DOWN_DAY = TODAY - timedelta(days=15)
AIRFLOW2_DAY = TODAY - timedelta(days=16)


# ---------------------------------------------------------------------------------------------
# Clients of the real services
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3() -> Any:
    client = boto3.client(
        "s3",
        endpoint_url=S3_ENDPOINT,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, connect_timeout=5, retries={"max_attempts": 2}),
    )
    try:
        client.head_bucket(Bucket=dx.BUCKET)
    except Exception as err:
        pytest.fail(f"bucket {dx.BUCKET} at {S3_ENDPOINT} is not there ({err}); bash stack/native/stack.sh up object-store", pytrace=False)
    return client


@pytest.fixture(scope="module")
def mail() -> Iterator[httpx.Client]:
    client = httpx.Client(base_url=MAIL_API_URL, timeout=10)
    try:
        client.get("/api/v1/info").raise_for_status()
    except httpx.HTTPError as err:
        pytest.fail(f"Mailpit at {MAIL_API_URL} does not answer ({err}); bash stack/native/stack.sh up mail", pytrace=False)
    yield client
    client.close()


@pytest.fixture(scope="module")
def daily(airflow: AirflowApi) -> AirflowApi:
    dag = airflow.wait_for_dag(dx.DAG_ID)
    if dag.get("is_stale"):
        pytest.fail(
            f"{dx.DAG_ID} is not in the DAG folder the running Airflow 3 reads (started from another checkout?): "
            "bash stack/native/stack.sh down airflow3 airflow2 && bash stack/native/stack.sh up",
            pytrace=False,
        )
    return airflow


def stack(*args: str) -> None:
    """Run stack.sh (this checkout's) and fail with its output when it fails."""
    done = subprocess.run(["bash", str(STACK_SH), *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"stack.sh {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def mails_about(mail: httpx.Client, dag_id: str, day: date) -> dict[str, dict[str, Any]]:
    """The summary mails of one day from one DAG (by ID), newest first."""
    prefix = f"[{dag_id}] {day.isoformat()}:"
    messages = mail.get("/api/v1/messages", params={"limit": 500}).raise_for_status().json()["messages"]
    return {m["ID"]: m for m in messages if m["Subject"].startswith(prefix)}


def source_total(day: date) -> int:
    r = httpx.get(f"{SOURCE_API_URL}/timelines", params={"date": day.isoformat(), "page_size": 1}, timeout=10)
    r.raise_for_status()
    return int(r.json()["total"])


def source_records(day: date) -> list[dict[str, Any]]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return dx.fetch_records(start, start + timedelta(days=1), base_url=SOURCE_API_URL, page_size=1000)


def read_object(s3: Any, day: date) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    obj = s3.get_object(Bucket=dx.BUCKET, Key=dx.object_key(day))
    table = pq.read_table(io.BytesIO(obj["Body"].read()))
    assert table.schema.names == list(dx.COLUMNS)
    return table.to_pylist(), obj


def midnight(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def delete_runs_on(api: AirflowApi, dag_id: str, day: date) -> None:
    """Delete the runs of a day (left by an earlier run of these tests), so it can run again."""
    runs = api.get(
        f"/api/v2/dags/{dag_id}/dagRuns",
        logical_date_gte=midnight(day),
        logical_date_lte=f"{day.isoformat()}T00:00:01Z",
        limit=100,
    )["dag_runs"]
    for run in runs:
        api.request("DELETE", f"/api/v2/dags/{dag_id}/dagRuns/{run['dag_run_id']}").raise_for_status()


def trigger_day(api: AirflowApi, day: date, run_id: str) -> None:
    """A run of the day as the scheduler would make it: logical date and interval of the day."""
    delete_runs_on(api, dx.DAG_ID, day)
    r = api.request(
        "POST",
        f"/api/v2/dags/{dx.DAG_ID}/dagRuns",
        json={
            "dag_run_id": run_id,
            "logical_date": midnight(day),
            "data_interval_start": midnight(day),
            "data_interval_end": midnight(day + timedelta(days=1)),
            "conf": {},
        },
    )
    assert r.status_code in (200, 201), f"triggering {dx.DAG_ID} for {day} failed: {r.status_code} {r.text}"


def task_instance(api: AirflowApi, run_id: str, task_id: str) -> dict[str, Any]:
    return api.get(f"/api/v2/dags/{dx.DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}")


# ---------------------------------------------------------------------------------------------
# The source API and the steps, without Airflow
# ---------------------------------------------------------------------------------------------


def test_source_api_serves_the_same_records_for_a_day_in_pages() -> None:
    day = BACKFILL_DAYS[0]
    whole = source_records(day)
    assert 20 <= len(whole) <= 80 and len(whole) == source_total(day)
    paged = dx.fetch_records(
        datetime(day.year, day.month, day.day, tzinfo=UTC),
        datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1),
        base_url=SOURCE_API_URL,
        page_size=7,
    )
    assert paged == whole, "7 records a page give the same records as one page"
    assert [r["event_id"] for r in whole] == sorted(r["event_id"] for r in whole)
    assert all(r["occurred_at"].startswith(day.isoformat()) for r in whole)
    assert source_records(day) == whole, "a second read gives the same records"


def test_source_api_says_what_is_wrong_with_a_bad_request() -> None:
    def detail(**params: str) -> tuple[int, str]:
        r = httpx.get(f"{SOURCE_API_URL}/timelines", params=params, timeout=10)
        return r.status_code, str(r.json()["detail"])

    assert detail() == (400, "give date=YYYY-MM-DD, or start= and end= (ISO-8601, end exclusive)")
    code, text = detail(start="2026-01-02T00:00:00Z", end="2026-01-01T00:00:00Z")
    assert code == 400 and "must be after start" in text
    code, text = detail(start="2026-01-01T00:00:00Z", end="2026-03-01T00:00:00Z")
    assert code == 400 and "longer than 31 days" in text
    assert httpx.get(f"{SOURCE_API_URL}/timelines", params={"date": "2026-02-30"}, timeout=10).status_code == 422
    future = httpx.get(f"{SOURCE_API_URL}/timelines", params={"date": (TODAY + timedelta(days=3)).isoformat()}, timeout=10)
    assert future.json()["total"] == 0, "a day in the future has no events yet"


def test_steps_write_csv_and_typed_parquet(tmp_path: Path) -> None:
    day = BACKFILL_DAYS[1]
    records = source_records(day)
    csv_path = tmp_path / "timelines.csv"
    assert dx.write_csv(records, csv_path) == len(records)
    out = dx.csv_to_parquet(csv_path, tmp_path / "part-0.parquet")
    assert (out.rows, out.bytes) == (len(records), (tmp_path / "part-0.parquet").stat().st_size)
    assert sum(out.events_by_type.values()) == len(records)
    table = pq.read_table(out.path)
    assert table.schema.equals(dx.SCHEMA, check_metadata=False)
    rows = table.to_pylist()
    assert [r["event_id"] for r in rows] == [r["event_id"] for r in records]
    assert [r["occurred_at"].isoformat().replace("+00:00", "Z") for r in rows] == [r["occurred_at"] for r in records]
    assert [r["guild_name"] for r in rows] == [r["guild_name"] for r in records], "an empty guild stays '' (not null)"
    # An empty day still gives a valid file with the columns.
    assert dx.write_csv([], tmp_path / "empty.csv") == 0
    empty = dx.csv_to_parquet(tmp_path / "empty.csv", tmp_path / "empty.parquet")
    assert empty.rows == 0 and pq.read_table(empty.path).schema.names == list(dx.COLUMNS)


def test_a_run_exports_exactly_one_utc_day() -> None:
    start = datetime(2026, 11, 3, tzinfo=UTC)
    assert dx.day_of_interval(start, start + timedelta(days=1)) == date(2026, 11, 3)
    assert dx.object_key(date(2026, 11, 3)) == "timelines/dt=2026-11-03/part-0.parquet"
    assert dx.day_of_key("timelines/dt=2026-11-03/part-0.parquet") == date(2026, 11, 3)
    with pytest.raises(ValueError, match="not one UTC day"):
        dx.day_of_interval(start, start + timedelta(hours=6))
    with pytest.raises(ValueError, match="trigger it with a logical date at midnight UTC"):
        dx.day_of_interval(start + timedelta(hours=1), start + timedelta(days=1, hours=1))


def test_summary_mail_escapes_what_comes_from_data() -> None:
    body = dx.summary_html(
        dag_id=dx.DAG_ID,
        run_id="manual__<script>",
        day=date(2026, 11, 3),
        uploaded={"uri": "s3://workbench/x", "bytes": 10},
        rows=2,
        events_by_type={"<b>boss</b>": 2},
    )
    assert "<script>" not in body and "&lt;script&gt;" in body and "&lt;b&gt;boss&lt;/b&gt;" in body


# ---------------------------------------------------------------------------------------------
# The DAG on Airflow 3
# ---------------------------------------------------------------------------------------------


def backfill(api: AirflowApi, first: date, last: date) -> list[dict[str, Any]]:
    """An Airflow 3 backfill of first..last with reprocess "completed"; waits for its runs."""
    body = {
        "dag_id": dx.DAG_ID,
        "from_date": midnight(first),
        "to_date": midnight(last),
        "run_backwards": False,
        "dag_run_conf": {},
        "reprocess_behavior": "completed",
        "max_active_runs": 3,
    }
    # One backfill per DAG at a time: one still running here was left by an earlier holder of the
    # stack (the tests run one at a time), so it is cancelled.
    for old in api.get("/api/v2/backfills", dag_id=dx.DAG_ID, limit=100)["backfills"]:
        if old["completed_at"] is None:
            api.request("PUT", f"/api/v2/backfills/{old['id']}/cancel").raise_for_status()
    dry = api.request("POST", "/api/v2/backfills/dry_run", json=body)
    assert dry.status_code == 200, f"backfill dry run: {dry.status_code} {dry.text}"
    planned = sorted(str(b["logical_date"])[:10] for b in dry.json()["backfills"])
    assert planned == [d.isoformat() for d in dx.iter_days(first, last)], f"the dry run lists the days: {planned}"
    made = api.request("POST", "/api/v2/backfills", json=body)
    assert made.status_code == 200, f"creating the backfill: {made.status_code} {made.text}"
    backfill_id = made.json()["id"]
    wait_for(
        f"backfill {backfill_id} to complete",
        lambda: api.get(f"/api/v2/backfills/{backfill_id}")["completed_at"] is not None,
        timeout=300,
        interval=2,
    )
    runs = api.get(
        f"/api/v2/dags/{dx.DAG_ID}/dagRuns", logical_date_gte=midnight(first), logical_date_lte=midnight(last), limit=100
    )["dag_runs"]
    assert sorted(str(r["logical_date"])[:10] for r in runs) == planned, "one run per day"
    failed = {r["dag_run_id"]: r["state"] for r in runs if r["state"] != "success"}
    assert not failed, f"backfill runs failed: {failed}"
    return runs


def timeline_events(api: AirflowApi) -> list[dict[str, Any]]:
    """The newest events (up to 100) of the timelines asset made by the Airflow 3 DAG."""
    asset = api.asset_by_uri(dx.ASSET_URI)
    if asset is None:
        return []
    return api.asset_events(asset_id=asset["id"], source_dag_id=dx.DAG_ID, order_by="-timestamp")


def asset_event_ids(api: AirflowApi) -> set[int]:
    return {e["id"] for e in timeline_events(api)}


def test_backfill_of_three_days_then_again_with_reprocess_completed(daily: AirflowApi, s3: Any, mail: httpx.Client) -> None:
    first, last = BACKFILL_DAYS[0], BACKFILL_DAYS[-1]
    for day in BACKFILL_DAYS:  # runs of an earlier test run would be reprocessed as they were
        delete_runs_on(daily, dx.DAG_ID, day)
    mails_before = {day: set(mails_about(mail, dx.DAG_ID, day)) for day in BACKFILL_DAYS}
    events_before = asset_event_ids(daily)

    runs = backfill(daily, first, last)

    objects = {}
    for day in BACKFILL_DAYS:
        rows, obj = read_object(s3, day)
        expected = source_records(day)
        assert len(rows) == len(expected), f"{day}: {len(rows)} rows, the source has {len(expected)}"
        assert [r["event_id"] for r in rows] == [r["event_id"] for r in expected]
        objects[day] = (rows, obj["ETag"], obj["LastModified"], obj["ContentLength"])
    listed = s3.list_objects_v2(Bucket=dx.BUCKET, Prefix=f"{dx.OBJECT_PREFIX}/")["Contents"]
    ours = sorted(o["Key"] for o in listed if dx.day_of_key(o["Key"]) in BACKFILL_DAYS)
    assert ours == [dx.object_key(d) for d in BACKFILL_DAYS]

    # XComs: paths and counts.
    run_of = {str(r["logical_date"])[:10]: r["dag_run_id"] for r in runs}
    for day in BACKFILL_DAYS:
        run_id = run_of[day.isoformat()]
        extracted = daily.xcom(dx.DAG_ID, run_id, "extract_timelines")
        converted = daily.xcom(dx.DAG_ID, run_id, "convert_to_parquet")
        uploaded = daily.xcom(dx.DAG_ID, run_id, "upload_to_object_store")
        assert extracted["csv_path"].endswith(f"dt={day.isoformat()}/timelines.csv") and extracted["rows"] == len(objects[day][0])
        assert converted["parquet_path"].endswith(f"dt={day.isoformat()}/part-0.parquet") and converted["rows"] == extracted["rows"]
        assert uploaded["key"] == dx.object_key(day) and uploaded["bytes"] == objects[day][3]

    # One asset event per run, with the day's key, rows, bytes and date (backfill run ids repeat
    # between test runs: only the events made since this test started count).
    events = [e for e in timeline_events(daily) if e["id"] not in events_before]
    for day in BACKFILL_DAYS:
        mine = [e for e in events if e["source_run_id"] == run_of[day.isoformat()]]
        assert len(mine) == 1, f"{day}: {len(mine)} asset events"
        assert mine[0]["extra"] == {
            "key": dx.object_key(day),
            "rows": len(objects[day][0]),
            "bytes": objects[day][3],
            "date": day.isoformat(),
        }

    # One new summary mail per day, naming the day's object and row count.
    for day in BACKFILL_DAYS:
        new = wait_for(
            f"the mail of {day}",
            lambda day=day: (m := set(mails_about(mail, dx.DAG_ID, day)) - mails_before[day]) and m,
            30,
        )
        assert len(new) == 1, f"{day}: {len(new)} new mails"
        message = mail.get(f"/api/v1/message/{next(iter(new))}").raise_for_status().json()
        assert message["Subject"] == dx.summary_subject(dx.DAG_ID, day, len(objects[day][0]))
        assert f"s3://{dx.BUCKET}/{dx.object_key(day)}" in message["HTML"]
        assert [a["Address"] for a in message["To"]] == [dx.MAIL_TO]

    # The same backfill again, reprocessing completed runs: same content and objects, newer
    # objects, one more mail per day.
    time.sleep(1.1)  # the store's modified times have one-second resolution
    mails_between = {day: set(mails_about(mail, dx.DAG_ID, day)) for day in BACKFILL_DAYS}
    events_between = asset_event_ids(daily)
    backfill(daily, first, last)
    again = [e for e in timeline_events(daily) if e["id"] not in events_between]
    assert sorted(e["extra"]["date"] for e in again) == [d.isoformat() for d in BACKFILL_DAYS], "one more asset event per day"
    for day in BACKFILL_DAYS:
        rows, obj = read_object(s3, day)
        old_rows, old_etag, old_modified, _ = objects[day]
        assert rows == old_rows and obj["ETag"] == old_etag, f"{day}: the content changed"
        assert obj["LastModified"] > old_modified, f"{day}: the object was not written again"
        new = wait_for(
            f"the second mail of {day}",
            lambda day=day: (m := set(mails_about(mail, dx.DAG_ID, day)) - mails_between[day]) and m,
            30,
        )
        assert len(new) == 1, f"{day}: {len(new)} new mails after the rerun"
    listed = s3.list_objects_v2(Bucket=dx.BUCKET, Prefix=f"{dx.OBJECT_PREFIX}/")["Contents"]
    assert sorted(o["Key"] for o in listed if dx.day_of_key(o["Key"]) in BACKFILL_DAYS) == ours


def test_object_store_down_during_upload_then_the_retry_succeeds(daily: AirflowApi, s3: Any) -> None:
    day = STORE_DOWN_DAY
    run_id = unique("kaw_pytest_store_down")
    stack("down", "object-store")
    try:
        trigger_day(daily, day, run_id)
        wait_for(
            "the upload to fail and wait for its retry",
            lambda: task_instance(daily, run_id, "upload_to_object_store")["state"] == "up_for_retry",
            timeout=120,
        )
        log = daily.task_log(dx.DAG_ID, run_id, "upload_to_object_store", 1)
        assert f"did not take s3://{dx.BUCKET}/{dx.object_key(day)}" in log, log[-2000:]
        assert "stack/native/stack.sh up object-store" in log
    finally:
        stack("up", "object-store")
    assert daily.wait_run(dx.DAG_ID, run_id, timeout=180) == "success"
    upload = task_instance(daily, run_id, "upload_to_object_store")
    assert upload["try_number"] == 2, "the first retry uploaded the file"
    rows, _ = read_object(s3, day)
    assert len(rows) == source_total(day)


def test_smtp_down_the_export_lands_and_only_the_mail_fails(daily: AirflowApi, s3: Any, mail: httpx.Client) -> None:
    day = SMTP_DOWN_DAY
    run_id = unique("kaw_pytest_smtp_down")
    s3.delete_object(Bucket=dx.BUCKET, Key=dx.object_key(day))  # so the object read below is this run's
    mails_before = set(mails_about(mail, dx.DAG_ID, day))
    stack("down", "mail")
    try:
        trigger_day(daily, day, run_id)
        assert daily.wait_run(dx.DAG_ID, run_id, timeout=180) == "failed"
        states = {ti["task_id"]: ti["state"] for ti in daily.task_instances(dx.DAG_ID, run_id)}
        assert states == {
            "extract_timelines": "success",
            "convert_to_parquet": "success",
            "upload_to_object_store": "success",
            "send_summary_mail": "failed",
        }
        log = daily.task_log(dx.DAG_ID, run_id, "send_summary_mail", 1)
        assert "did not take the summary mail" in log and "stack/native/stack.sh up mail" in log, log[-2000:]
        rows, _ = read_object(s3, day)
        assert len(rows) == source_total(day)
    finally:
        stack("up", "mail")
    assert set(mails_about(mail, dx.DAG_ID, day)) == mails_before, "no mail of the day was sent"


# ---------------------------------------------------------------------------------------------
# The Airflow 2 variant
# ---------------------------------------------------------------------------------------------


def test_airflow2_variant_exports_a_day(s3: Any, mail: httpx.Client) -> None:
    day = AIRFLOW2_DAY
    auth = ("admin", "admin")
    with httpx.Client(base_url=AIRFLOW2_URL, auth=auth, timeout=30) as af2:
        try:
            af2.get("/api/v1/health").raise_for_status()
        except httpx.HTTPError as err:
            pytest.fail(f"Airflow 2 at {AIRFLOW2_URL} does not answer ({err}); bash stack/native/stack.sh up airflow2", pytrace=False)
        dag = wait_for(
            f"DAG {dx.DAG_ID_AIRFLOW2} on Airflow 2",
            lambda: (r := af2.get(f"/api/v1/dags/{dx.DAG_ID_AIRFLOW2}")).status_code == 200 and r.json(),
            180,
            2,
        )
        if dag["is_paused"]:
            af2.patch(f"/api/v1/dags/{dx.DAG_ID_AIRFLOW2}", json={"is_paused": False}).raise_for_status()
        # Airflow 2 gives a manual run the interval that ends at its logical date: the run of
        # logical date day + 1 exports the day.
        logical = day + timedelta(days=1)
        old = af2.get(
            f"/api/v1/dags/{dx.DAG_ID_AIRFLOW2}/dagRuns",
            params={"execution_date_gte": midnight(logical), "execution_date_lte": f"{logical.isoformat()}T00:00:01Z"},
        )
        for run in old.raise_for_status().json()["dag_runs"]:
            af2.delete(f"/api/v1/dags/{dx.DAG_ID_AIRFLOW2}/dagRuns/{run['dag_run_id']}").raise_for_status()
        s3.delete_object(Bucket=dx.BUCKET, Key=dx.object_key(day))
        before = set(mails_about(mail, dx.DAG_ID_AIRFLOW2, day))
        run_id = unique("kaw_pytest_af2")
        r = af2.post(
            f"/api/v1/dags/{dx.DAG_ID_AIRFLOW2}/dagRuns",
            json={"dag_run_id": run_id, "logical_date": midnight(logical), "conf": {}},
        )
        assert r.status_code == 200, f"triggering on Airflow 2: {r.status_code} {r.text}"
        state = wait_for(
            "the Airflow 2 run",
            lambda: (s := af2.get(f"/api/v1/dags/{dx.DAG_ID_AIRFLOW2}/dagRuns/{run_id}").json()["state"]) in ("success", "failed") and s,
            240,
            2,
        )
        assert state == "success"
    rows, _ = read_object(s3, day)
    assert len(rows) == source_total(day)
    new = wait_for("the Airflow 2 mail", lambda: (m := set(mails_about(mail, dx.DAG_ID_AIRFLOW2, day)) - before) and m, 30)
    assert len(new) == 1
