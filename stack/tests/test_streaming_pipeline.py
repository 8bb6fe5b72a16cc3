"""Reliability of the streaming pipeline (source API -> Kafka -> Spark -> PostgreSQL) on the real
stack: the source-api service, Kafka, PostgreSQL and spark-submit with the cached jars.

Each test reads its own source-API feed into its own topic, checkpoint row, Spark checkpoint
folder and query name, and deletes all of it at the end, so the product_recalls pipeline of the
stack is never touched. The ingestion runs the DAG's code (workbench_pipeline.recalls_ingest);
the Spark job runs with the command line the DAG's operator builds (spark_jobs.submit_command),
which lets a test SIGKILL it or stop PostgreSQL under it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest

STACK_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(STACK_DIR / "plugins"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack_client import KAFKA_BROKERS, KafkaTool, pg_connect, wait_for  # noqa: E402
from workbench_pipeline import recalls_ingest  # noqa: E402
from workbench_pipeline.history_db import apply_migrations  # noqa: E402

SOURCE_API_URL = os.environ.get("KAW_SOURCE_API_URL", "http://127.0.0.1:8090").rstrip("/")
STACK_SH = STACK_DIR / "native" / "stack.sh"


def stack_env() -> dict[str, str]:
    """The stack's settings (stack.sh env) over this process's environment."""
    out = subprocess.run(["bash", str(STACK_SH), "env"], capture_output=True, text=True, check=True).stdout
    env = dict(os.environ)
    for line in out.splitlines():
        if line.startswith("export ") and "=" in line:
            key, value = line[len("export "):].split("=", 1)
            env[key] = value
    return env


ENV = stack_env()


@dataclass
class Lane:
    """One test's private pipeline: feed, topic, checkpoint row, Spark checkpoint, query."""

    name: str
    topic: str
    query: str
    checkpoint_dir: Path
    db: psycopg.Connection
    kafka: KafkaTool
    http: httpx.Client
    feeds: list[str] = field(default_factory=list)

    def feed(self, published: int, **spec: object) -> str:
        r = self.http.post("/recalls/control/feeds", json={"name": self.name, "published": published, **spec})
        assert r.status_code == 201, r.text
        self.feeds.append(self.name)
        return self.name

    def ingest(self, run_id: str, page_size: int = 1000) -> dict:
        return recalls_ingest.run_ingest(
            run_id=run_id, topic=self.topic, feed=self.name, pipeline=self.name, page_size=page_size, api_url=SOURCE_API_URL
        )

    def spark_cmd(self, run_id: str, **kw: object) -> tuple[list[str], dict[str, str]]:
        os.environ.update({k: v for k, v in ENV.items() if k.startswith("KAW_SPARK_")})
        os.environ.setdefault("KAW_SPARK_LOG4J", str(STACK_DIR / "native" / "spark" / "log4j2.properties"))
        from workbench_pipeline.spark_jobs import submit_command

        cmd = submit_command(
            checkpoint_dir=str(self.checkpoint_dir), topic=self.topic, query_name=self.query, bootstrap=KAFKA_BROKERS,
            airflow_dag_id="pytest", airflow_run_id=run_id, **kw,  # type: ignore[arg-type]
        )
        venv_bin = str(Path(ENV["KAW_AIRFLOW3_VENV"]) / "bin")
        env = {
            **ENV,
            "PATH": f"{venv_bin}:{ENV.get('PATH', '')}",
            "SPARK_LOCAL_IP": "127.0.0.1",
            "KAW_JOB_PG_HOST": ENV.get("KAW_PG_HOST", "127.0.0.1"),
            "KAW_JOB_PG_PORT": ENV.get("KAW_PG_PORT", "5432"),
            "KAW_JOB_PG_DATABASE": ENV.get("KAW_PG_DATABASE", "workbench"),
            "KAW_JOB_PG_USER": ENV.get("KAW_PG_USER", "workbench"),
            "KAW_JOB_PG_PASSWORD": ENV.get("KAW_PG_PASSWORD", "workbench"),
            "PYSPARK_PYTHON": str(Path(venv_bin) / "python"),
        }
        cmd[0] = str(Path(venv_bin) / "spark-submit")
        return cmd, env

    def spark_start(self, run_id: str, **kw: object) -> subprocess.Popen[str]:
        cmd, env = self.spark_cmd(run_id, **kw)
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def spark_run(self, run_id: str, timeout: float = 600, **kw: object) -> tuple[int, str]:
        proc = self.spark_start(run_id, **kw)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            raise AssertionError(f"the Spark job did not end within {timeout:.0f} s:\n{out[-3000:]}") from None
        return proc.returncode, out

    # what is in the table for this lane
    def table_counts(self) -> tuple[int, int]:
        row = self.db.execute(
            "SELECT count(*), count(DISTINCT reference_fiche) FROM product_recalls WHERE spark_query_name = %s", (self.query,)
        ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    def table_ids(self) -> set[str]:
        rows = self.db.execute("SELECT reference_fiche FROM product_recalls WHERE spark_query_name = %s", (self.query,)).fetchall()
        return {r[0] for r in rows}

    def batches(self) -> list[tuple]:
        return self.db.execute(
            "SELECT batch_id, start_offsets, end_offsets, rows_in, rows_written FROM spark_batches WHERE query_name = %s ORDER BY batch_id",
            (self.query,),
        ).fetchall()

    def cleanup(self) -> None:
        if os.environ.get("KAW_KEEP_TEST_DATA") == "1":
            return
        for name in self.feeds:
            self.http.delete(f"/recalls/control/feeds/{name}")
        self.kafka.delete_topics([self.topic])
        self.db.execute("DELETE FROM product_recalls WHERE spark_query_name = %s", (self.query,))
        self.db.execute("DELETE FROM product_recalls_staging WHERE spark_query_name = %s", (self.query,))
        self.db.execute("DELETE FROM spark_batches WHERE query_name = %s", (self.query,))
        self.db.execute("DELETE FROM pipeline_checkpoints WHERE pipeline = %s", (self.name,))
        shutil.rmtree(self.checkpoint_dir, ignore_errors=True)


@pytest.fixture()
def lane() -> Iterator[Lane]:
    try:
        db = pg_connect()
    except psycopg.Error as err:
        pytest.fail(f"PostgreSQL does not answer: {err}; start it with: bash stack/native/stack.sh up", pytrace=False)
    apply_migrations(db)
    http = httpx.Client(base_url=SOURCE_API_URL, timeout=60)
    try:
        http.get("/health").raise_for_status()
    except httpx.HTTPError as err:
        pytest.fail(f"the source API at {SOURCE_API_URL} does not answer ({err}); start it with: bash stack/native/stack.sh up source-api", pytrace=False)
    jars = Path(ENV.get("KAW_SPARK_JARS_DIR", ""))
    if not (jars / ".complete").is_file():
        pytest.fail(f"the Spark job jars are missing ({jars}); run: bash stack/native/stack.sh install spark", pytrace=False)
    tag = uuid.uuid4().hex[:8]
    kafka = KafkaTool()
    made = Lane(
        name=f"kaw-pytest-recalls-{tag}",
        topic=f"kaw-pytest-recalls-{tag}",
        query=f"kaw_pytest_recalls_{tag}",
        checkpoint_dir=Path(ENV["KAW_SPARK_CHECKPOINT_DIR"]) / f"kaw_pytest_recalls_{tag}",
        db=db,
        kafka=kafka,
        http=http,
    )
    kafka.create_topic(made.topic, 3)
    yield made
    made.cleanup()
    http.close()
    db.close()


def expected_ids(lane: Lane, n: int) -> set[str]:
    return {f"{lane.name.upper()}-{i:07d}" for i in range(n)}


def report(what: str, produced: set[str], lane: Lane) -> tuple[int, int]:
    rows, distinct = lane.table_counts()
    in_table = lane.table_ids()
    lost = len(produced - in_table)
    extra = len(in_table - produced)
    duplicated = rows - distinct
    print(f"\n{what}: produced {len(produced)}, in table {distinct}, lost {lost}, duplicated {duplicated}, unexpected {extra}")
    return lost, duplicated


def test_sigkill_mid_run_then_rerun_loads_every_record_once(lane: Lane) -> None:
    n = 100_000
    lane.feed(n, step_seconds=0.01, group=1)
    t0 = time.monotonic()
    result = lane.ingest("pytest-ingest-1", page_size=5000)
    assert result["produced"] == n
    print(f"\ningested {n} records in {time.monotonic() - t0:.1f} s")

    # First Spark run: SIGKILL (driver JVM and its Python, the whole process group) once the
    # first micro-batch is committed and the second is being written.
    started = time.time()
    proc = lane.spark_start("pytest-spark-1", max_offsets_per_trigger=30_000)
    try:
        wait_for("the first micro-batch in spark_batches", lambda: len(lane.batches()) >= 1 or proc.poll() is not None, 300, 0.2)
        assert proc.poll() is None, f"the Spark job ended before it could be killed:\n{proc.stdout.read() if proc.stdout else ''}"
        wait_for(
            "rows of the second micro-batch in the staging table",
            lambda: lane.db.execute(
                "SELECT count(*) FROM product_recalls_staging WHERE spark_query_name = %s", (lane.query,)
            ).fetchone()[0] > 0 or len(lane.batches()) >= 2,
            120, 0.05,
        )
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    killed_rows, _ = lane.table_counts()
    assert 0 < killed_rows < n, f"the kill should leave a partial table, found {killed_rows} rows"
    # What the killed run could not clean up is in the stack's scratch space, not in /tmp.
    from workbench_pipeline.spark_jobs import clear_stale_scratch, scratch_root

    left = [p.name for p in scratch_root().glob("blockmgr-*") if p.stat().st_mtime >= started - 1]
    assert left, f"the killed run's block manager folder should be in {scratch_root()}"
    in_tmp = [p.name for p in Path(tempfile.gettempdir()).glob("blockmgr-*") if p.stat().st_mtime >= started - 1]
    assert not in_tmp, f"a Spark run left {in_tmp} in {tempfile.gettempdir()}"
    print(f"killed with {killed_rows} rows in the table, {len(lane.batches())} batch(es) recorded")

    rc, out = lane.spark_run("pytest-spark-2")
    assert rc == 0, out[-3000:]
    lost, duplicated = report("after SIGKILL and rerun", expected_ids(lane, n), lane)
    assert (lost, duplicated) == (0, 0)
    rows, _ = lane.table_counts()
    assert rows == n
    # the batches cover the topic without a gap: each starts where the previous ended
    batches = lane.batches()
    for prev, cur in zip(batches, batches[1:]):
        assert cur[1] == prev[2], f"batch {cur[0]} starts at {cur[1]}, batch {prev[0]} ended at {prev[2]}"
    end = {str(p): o for p, o in lane.kafka.end_offsets(lane.topic).items()}
    assert batches[-1][2] == end
    assert sum(b[4] for b in batches) == n
    # The next prepare task clears leftovers untouched for 6 hours: seen from 7 hours on, the killed run's go.
    removed = clear_stale_scratch(now=time.time() + 7 * 3600)
    assert set(left) <= set(removed), f"{left} should have been cleared, removed {removed}"
    assert not [p for p in scratch_root().iterdir() if p.name in left]
    assert lane.db.execute("SELECT count(*) FROM product_recalls_staging WHERE spark_query_name = %s", (lane.query,)).fetchone()[0] == 0


def test_api_duplicates_and_overlapping_pages_make_no_duplicate_rows(lane: Lane) -> None:
    # 2998 records, four per second (the last second holds two so far), every 7th served twice,
    # every page repeating the last 25 records of the one before
    lane.feed(2998, step_seconds=1, group=4, duplicate_every=7, page_overlap=25)
    prefix = lane.name.upper()
    first = lane.ingest("pytest-dups-1", page_size=250)
    assert first["fetched"] == 2998
    assert first["duplicates_skipped"] > 0 and first["served"] > 2998
    cp = lane.db.execute("SELECT checkpoint, updated_by_run_id FROM pipeline_checkpoints WHERE pipeline = %s", (lane.name,)).fetchone()
    assert cp[0]["ids_at_checkpoint"] == [f"{prefix}-0002996", f"{prefix}-0002997"]
    at_cp = lane.http.get("/recalls", params={"feed": lane.name, "published_since": cp[0]["published_since"]}).json()["records"]
    assert {r["date_publication"] for r in at_cp} == {cp[0]["published_since"]}
    assert cp[1] == "pytest-dups-1"

    # Two records appear in the checkpoint's own second: the next run takes them and only them.
    lane.http.post(f"/recalls/control/feeds/{lane.name}/publish", json={"count": 2})
    second = lane.ingest("pytest-dups-2", page_size=250)
    assert (second["fetched"], second["already_produced"]) == (2, 2)
    lane.http.post(f"/recalls/control/feeds/{lane.name}/publish", json={"count": 500})
    third = lane.ingest("pytest-dups-3", page_size=100)
    assert (third["fetched"], third["already_produced"]) == (500, 4)
    nothing = lane.ingest("pytest-dups-4", page_size=100)
    assert nothing["fetched"] == 0
    # A retry of an ingestion (the checkpoint put back, as after a failure before it moved)
    # produces the same records again: Kafka then holds copies, the table must not.
    lane.db.execute("UPDATE pipeline_checkpoints SET checkpoint = %s WHERE pipeline = %s", (psycopg.types.json.Jsonb(cp[0]), lane.name))
    retry = lane.ingest("pytest-dups-retry", page_size=100)
    assert retry["fetched"] == 502
    assert sum(lane.kafka.end_offsets(lane.topic).values()) == 2998 + 2 + 500 + 502

    rc, out = lane.spark_run("pytest-dups-spark")
    assert rc == 0, out[-3000:]
    lost, duplicated = report("API duplicates, overlapping pages, re-produced records", expected_ids(lane, 3500), lane)
    assert (lost, duplicated) == (0, 0)
    assert lane.table_counts() == (3500, 3500)
    # Spark saw 4002 records and wrote 3500 rows
    batches = lane.batches()
    assert sum(b[3] for b in batches) == 4002 and sum(b[4] for b in batches) == 3500


def _running_airflows() -> list[str]:
    """The Airflows with a running component (stopping PostgreSQL stops their schedulers)."""
    out = subprocess.run(["bash", str(STACK_SH), "status"], capture_output=True, text=True).stdout
    return sorted({name for line in out.splitlines() for name in ("airflow3", "airflow2") if line.startswith(name) and " running " in line})


def _stop_postgres() -> None:
    subprocess.run(["bash", str(STACK_SH), "down", "postgres"], check=True, capture_output=True)


def _start_postgres(airflows: list[str]) -> None:
    """PostgreSQL again, and the Airflows that were running before it stopped.

    Without their database the Airflow components exit one by one, some slowly: one still
    shutting down would count as running to `up` and then exit under it. So the Airflows are
    stopped first (what is left of them), then started whole with PostgreSQL.
    """
    if airflows:
        down = subprocess.run(["bash", str(STACK_SH), "down", *airflows], capture_output=True, text=True)
        assert down.returncode == 0, f"stack.sh down {' '.join(airflows)} failed:\n{down.stderr[-2000:]}"
    r = subprocess.run(["bash", str(STACK_SH), "up", "postgres", *airflows], capture_output=True, text=True)
    assert r.returncode == 0, f"stack.sh up postgres {' '.join(airflows)} failed:\n{r.stderr[-2000:]}"


def test_postgres_down_during_a_batch_fails_clearly_and_the_retry_loads_everything(lane: Lane) -> None:
    n = 20_000
    lane.feed(n, step_seconds=0.01)
    assert lane.ingest("pytest-pgdown-ingest", page_size=5000)["produced"] == n
    proc = lane.spark_start("pytest-pgdown-1", max_offsets_per_trigger=5_000, pause_after_batch_seconds=2)
    stopped = False
    airflows = _running_airflows()
    try:
        wait_for("the first micro-batch in spark_batches", lambda: len(lane.batches()) >= 1 or proc.poll() is not None, 300, 0.1)
        assert proc.poll() is None, "the Spark job ended before PostgreSQL could be stopped"
        lane.db.close()
        _stop_postgres()  # during the job's pause: the next batch meets a stopped server
        stopped = True
        out, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
        if stopped:
            _start_postgres(airflows)
            lane.db = wait_for("PostgreSQL back", pg_connect, 60, 0.5)
    assert proc.returncode == 1, out[-3000:]
    failure = [line for line in out.splitlines() if line.startswith("product_recalls job failed:")]
    assert failure, out[-3000:]
    print("\n" + failure[0])
    assert "was not written to PostgreSQL" in failure[0] and "the next run retries it" in failure[0]

    partial, _ = lane.table_counts()
    assert partial < n
    rc, out = lane.spark_run("pytest-pgdown-2")
    assert rc == 0, out[-3000:]
    lost, duplicated = report("PostgreSQL down during a batch, then retried", expected_ids(lane, n), lane)
    assert (lost, duplicated) == (0, 0)


def _last_log(api: object, dag_id: str, run_id: str, task_id: str) -> str:
    """The end of the task's last try's log, for a failure message."""
    try:
        tries = [ti.get("try_number") or 1 for ti in api.task_instances(dag_id, run_id) if ti["task_id"] == task_id]  # type: ignore[attr-defined]
        return str(api.task_log(dag_id, run_id, task_id, max(tries) if tries else 1))[-4000:]  # type: ignore[attr-defined]
    except httpx.HTTPError as err:
        return f"(no log of {dag_id}/{run_id}/{task_id}: {err})"


def test_the_dags_ingest_and_load_with_the_airflow_run_ids(lane: Lane) -> None:
    """product_recalls_ingest then product_recalls_spark (SparkSubmitOperator) on a feed of 2,000."""
    from stack_client import AirflowApi, ensure_pipeline_connections

    api = AirflowApi()
    try:
        ensure_pipeline_connections(api)
        for dag_id in ("product_recalls_ingest", "product_recalls_spark"):
            api.wait_for_dag(dag_id)
        lane.feed(2000, step_seconds=1, duplicate_every=50)
        ingest_run = f"pytest_ingest_{uuid.uuid4().hex[:8]}"
        api.trigger("product_recalls_ingest", ingest_run, {"feed": lane.name, "topic": lane.topic, "pipeline": lane.name})
        assert api.wait_run("product_recalls_ingest", ingest_run, 300) == "success", _last_log(api, "product_recalls_ingest", ingest_run, "fetch_and_produce")
        figures = api.xcom("product_recalls_ingest", ingest_run, "fetch_and_produce")
        assert figures["produced"] == 2000 and figures["duplicates_skipped"] == 40
        cp = lane.db.execute("SELECT updated_by_run_id FROM pipeline_checkpoints WHERE pipeline = %s", (lane.name,)).fetchone()
        assert cp == (ingest_run,)

        spark_run = f"pytest_spark_{uuid.uuid4().hex[:8]}"
        api.trigger("product_recalls_spark", spark_run, {"topic": lane.topic, "query_name": lane.query})
        state = api.wait_run("product_recalls_spark", spark_run, 600)
        assert state == "success", _last_log(api, "product_recalls_spark", spark_run, "spark_submit")
        assert lane.table_counts() == (2000, 2000)
        runs = lane.db.execute(
            "SELECT DISTINCT airflow_dag_id, airflow_run_id FROM product_recalls WHERE spark_query_name = %s", (lane.query,)
        ).fetchall()
        assert runs == [("product_recalls_spark", spark_run)]
        batches = lane.batches()
        assert batches and sum(b[4] for b in batches) == 2000
        assert lane.db.execute(
            "SELECT count(*) FROM spark_batches WHERE query_name = %s AND airflow_run_id = %s", (lane.query, spark_run)
        ).fetchone()[0] == len(batches)
        # the query's checkpoint is where the DAG keeps it: offsets/<batchId> and commits/<batchId>
        assert (lane.checkpoint_dir / "commits" / str(batches[-1][0])).is_file()
    finally:
        api.close()
