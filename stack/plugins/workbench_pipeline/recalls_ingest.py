"""Source API -> Kafka for the streaming pipeline: what the product_recalls_ingest DAG runs.

One run reads the checkpoint (table pipeline_checkpoints, pipeline 'product_recalls_ingest'),
fetches every recall published since it from the source API (all pages; a record the API
serves twice is produced once), produces each to the topic keyed by ``reference_fiche`` with an
idempotent producer (acks=all), waits until Kafka acknowledged every record, and only then
moves the checkpoint, in one UPDATE that fails when another run moved it meanwhile.

The checkpoint is ``{"published_since": ISO, "ids_at_checkpoint": [...]}``: the publication
time of the newest record produced and the ids produced at exactly that time. The next run asks
for ``published_since`` inclusive and skips only those ids, so a record published in the same
second but served later is not lost. A failed run moves nothing: its retry fetches the same
records again and re-produces them (Spark and the table's primary key drop the copies), so a
retry never skips a record.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
from confluent_kafka import KafkaError, Producer

log = logging.getLogger(__name__)

INGEST_PIPELINE = "product_recalls_ingest"
DEFAULT_TOPIC = "product_recalls"
DEFAULT_FEED = "main"
DEFAULT_PAGE_SIZE = 1000
DEFAULT_MAX_RECORDS = 200_000
SOURCE_API_URL = os.environ.get("KAW_SOURCE_API_URL", "http://127.0.0.1:8090").rstrip("/")


class IngestError(RuntimeError):
    """A run could not fetch, produce or checkpoint; says which and what to check."""


@dataclass(frozen=True)
class Checkpoint:
    published_since: str | None = None
    ids_at_checkpoint: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, value: Mapping[str, Any] | None) -> Checkpoint:
        if not value:
            return cls()
        extra = {k: v for k, v in value.items() if k not in ("published_since", "ids_at_checkpoint")}
        return cls(value.get("published_since"), tuple(value.get("ids_at_checkpoint") or ()), extra)

    def to_json(self) -> dict[str, Any]:
        return {**self.extra, "published_since": self.published_since, "ids_at_checkpoint": list(self.ids_at_checkpoint)}


@dataclass
class Fetched:
    records: list[dict[str, Any]]
    served: int  # records the API returned, copies included
    duplicates_skipped: int  # served again in the run (overlapping pages, repeated records)
    already_produced: int  # at the checkpoint's time and produced by an earlier run
    pages: int


def fetch_since(
    http: httpx.Client,
    checkpoint: Checkpoint,
    *,
    feed: str = DEFAULT_FEED,
    page_size: int = DEFAULT_PAGE_SIZE,
    max_records: int = DEFAULT_MAX_RECORDS,
) -> Fetched:
    """Every new record since the checkpoint, oldest first, each once (at most ``max_records``)."""
    seen: set[str] = set()
    skip = set(checkpoint.ids_at_checkpoint)
    out: list[dict[str, Any]] = []
    served = dups = already = 0
    page = 1
    while len(out) < max_records:
        params: dict[str, Any] = {"page": page, "page_size": page_size, "feed": feed}
        if checkpoint.published_since:
            params["published_since"] = checkpoint.published_since
        try:
            r = http.get("/recalls", params=params)
        except httpx.HTTPError as err:
            raise IngestError(f"source API {http.base_url} did not answer GET /recalls page {page}: {err}; check `stack.sh status` (source-api)") from err
        if r.status_code != 200:
            raise IngestError(f"source API GET /recalls page {page} answered {r.status_code}: {r.text[:300]}")
        body = r.json()
        records = body.get("records")
        if not isinstance(records, list):
            raise IngestError(f"source API GET /recalls page {page}: no 'records' list in the answer")
        for rec in records:
            served += 1
            ref = rec.get("reference_fiche") if isinstance(rec, dict) else None
            if not isinstance(ref, str) or not ref:
                raise IngestError(f"source API page {page}: a record without reference_fiche: {str(rec)[:200]}")
            if ref in seen:
                dups += 1
                continue
            seen.add(ref)
            if ref in skip and rec.get("date_publication") == checkpoint.published_since:
                already += 1
                continue
            out.append(rec)
            if len(out) >= max_records:
                break
        if not records or page * page_size >= int(body.get("total", 0)):
            break
        page += 1
    out.sort(key=lambda rec: (str(rec.get("date_publication")), rec["reference_fiche"]))
    return Fetched(out, served, dups, already, page)


def next_checkpoint(old: Checkpoint, produced: list[dict[str, Any]], extra: Mapping[str, Any]) -> Checkpoint:
    """The checkpoint after ``produced`` (oldest first) was acknowledged."""
    if not produced:
        return Checkpoint(old.published_since, old.ids_at_checkpoint, {**old.extra, **extra})
    newest = str(produced[-1]["date_publication"])
    ids = [r["reference_fiche"] for r in produced if r.get("date_publication") == newest]
    if newest == old.published_since:  # the run only added ids at the same time
        ids = sorted(set(old.ids_at_checkpoint) | set(ids))
    return Checkpoint(newest, tuple(sorted(ids)), {**old.extra, **extra})


@dataclass
class ProduceResult:
    produced: int
    seconds: float


def produce_all(
    records: Iterable[dict[str, Any]], *, topic: str, brokers: str, run_id: str, extra_config: Mapping[str, Any] | None = None
) -> ProduceResult:
    """Produce every record (key reference_fiche, value the JSON record) and wait for all acks.

    Raises IngestError when any record was not acknowledged (nothing is checkpointed then)."""
    config: dict[str, Any] = {
        **(extra_config or {}),
        "bootstrap.servers": brokers,
        "enable.idempotence": True,  # no copies from the producer's own retries, order kept
        "acks": "all",
        "linger.ms": 20,
        "batch.size": 512 * 1024,
        "compression.type": "lz4",
        "delivery.timeout.ms": 60_000,
    }
    # a consumer's settings in a shared Kafka connection mean nothing to a producer
    for key in ("group.id", "enable.auto.commit", "auto.offset.reset", "allow.auto.create.topics"):
        config.pop(key, None)
    producer = Producer(config)
    failures: list[str] = []
    acked = 0

    def on_delivery(err: KafkaError | None, _msg: Any) -> None:
        nonlocal acked
        if err is not None:
            failures.append(str(err))
        else:
            acked += 1

    headers = [("airflow_run_id", run_id.encode()), ("source", b"source-api/recalls")]
    t0 = time.monotonic()
    n = 0
    for rec in records:
        value = json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode()
        while True:
            try:
                producer.produce(topic, key=rec["reference_fiche"].encode(), value=value, headers=headers, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.05)
        n += 1
        if n % 10_000 == 0:
            producer.poll(0)
        if failures:
            break
    remaining = producer.flush(90)
    seconds = time.monotonic() - t0
    if failures or remaining or acked != n:
        raise IngestError(
            f"Kafka at {brokers} acknowledged {acked} of {n} records to {topic} "
            f"({remaining} still waiting, first error: {failures[0] if failures else 'none'}); "
            "the checkpoint was not moved, so a retry fetches and produces them again"
        )
    return ProduceResult(n, seconds)


# ---------------------------------------------------------------------------------------------
# Checkpoint table
# ---------------------------------------------------------------------------------------------


def read_checkpoint(conn: psycopg.Connection, pipeline: str) -> tuple[Checkpoint, Any]:
    row = conn.execute("SELECT checkpoint FROM pipeline_checkpoints WHERE pipeline = %s", (pipeline,)).fetchone()
    raw = row[0] if row else None
    return Checkpoint.from_json(raw), raw


def save_checkpoint(conn: psycopg.Connection, pipeline: str, old_raw: Any, new: Checkpoint, run_id: str) -> None:
    """Move the checkpoint from ``old_raw`` to ``new``; fails when another run moved it meanwhile."""
    value = json.dumps(new.to_json())
    if old_raw is None:
        cur = conn.execute(
            """INSERT INTO pipeline_checkpoints (pipeline, checkpoint, updated_at, updated_by_run_id)
               VALUES (%s, %s::jsonb, now(), %s) ON CONFLICT (pipeline) DO NOTHING""",
            (pipeline, value, run_id),
        )
    else:
        cur = conn.execute(
            """UPDATE pipeline_checkpoints SET checkpoint = %s::jsonb, updated_at = now(), updated_by_run_id = %s
               WHERE pipeline = %s AND checkpoint = %s::jsonb""",
            (value, run_id, pipeline, json.dumps(old_raw)),
        )
    if cur.rowcount != 1:
        raise IngestError(
            f"the checkpoint of {pipeline} was moved by another run while this one produced; "
            "the records are in Kafka (Spark drops copies): run the DAG again"
        )


# ---------------------------------------------------------------------------------------------
# Connections (Airflow 3 and 2)
# ---------------------------------------------------------------------------------------------


def _get_connection(conn_id: str) -> Any | None:
    try:
        from airflow.sdk import BaseHook  # Airflow 3
    except ImportError:  # Airflow 2
        from airflow.hooks.base import BaseHook  # type: ignore[no-redef]
    try:
        return BaseHook.get_connection(conn_id)
    except Exception as err:  # AirflowNotFoundException differs between versions
        if "isn't defined" in str(err) or "not found" in str(err).lower() or type(err).__name__ == "AirflowNotFoundException":
            return None
        raise


def pg_params(conn_id: str) -> dict[str, Any]:
    """psycopg connect() arguments from an Airflow connection, else the local stack's database."""
    c = _get_connection(conn_id)
    if c is None:
        url = urlsplit(os.environ.get("KAW_PG_URL", "postgresql://workbench:workbench@127.0.0.1:5432/workbench"))
        log.info("no Airflow connection %r: using the local stack's database %s:%s%s", conn_id, url.hostname, url.port, url.path)
        return {"host": url.hostname, "port": url.port or 5432, "dbname": url.path.lstrip("/"), "user": url.username, "password": url.password}
    return {"host": c.host, "port": int(c.port or 5432), "dbname": c.schema, "user": c.login, "password": c.password}


def kafka_config(conn_id: str) -> dict[str, Any]:
    """The confluent-kafka settings of an Airflow Kafka connection, else the local broker."""
    c = _get_connection(conn_id)
    if c is None:
        brokers = os.environ.get("KAW_KAFKA_BROKERS", "127.0.0.1:9092")
        log.info("no Airflow connection %r: using the local Kafka at %s", conn_id, brokers)
        return {"bootstrap.servers": brokers}
    config = dict(c.extra_dejson or {})
    if not config.get("bootstrap.servers"):
        raise IngestError(f"Airflow connection {conn_id!r} has no bootstrap.servers in its extra")
    return config


def pg_connect(params: Mapping[str, Any], application_name: str) -> psycopg.Connection:
    try:
        return psycopg.connect(autocommit=True, connect_timeout=10, application_name=application_name, **params)
    except psycopg.Error as err:
        raise IngestError(
            f"cannot connect to PostgreSQL {params.get('user')}@{params.get('host')}:{params.get('port')}/{params.get('dbname')}: "
            f"{str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__}"
        ) from err


def run_ingest(
    *,
    run_id: str,
    history_conn_id: str = "workbench_history",
    kafka_conn_id: str = "kafka_default",
    topic: str = DEFAULT_TOPIC,
    feed: str = DEFAULT_FEED,
    pipeline: str = INGEST_PIPELINE,
    page_size: int = DEFAULT_PAGE_SIZE,
    max_records: int = DEFAULT_MAX_RECORDS,
    api_url: str = SOURCE_API_URL,
) -> dict[str, Any]:
    """One ingestion run; returns its figures (also the task's XCom)."""
    from workbench_pipeline.history_db import apply_migrations

    kconf = kafka_config(kafka_conn_id)
    conn = pg_connect(pg_params(history_conn_id), "kaw-recalls-ingest")
    try:
        apply_migrations(conn)
        checkpoint, raw = read_checkpoint(conn, pipeline)
        log.info("checkpoint of %s: %s", pipeline, json.dumps(checkpoint.to_json()))
        t0 = time.monotonic()
        with httpx.Client(base_url=api_url, timeout=60) as http:
            fetched = fetch_since(http, checkpoint, feed=feed, page_size=page_size, max_records=max_records)
        fetch_s = time.monotonic() - t0
        log.info(
            "fetched %d new recalls in %.2f s (%d pages, %d served, %d served twice, %d already produced)",
            len(fetched.records), fetch_s, fetched.pages, fetched.served, fetched.duplicates_skipped, fetched.already_produced,
        )
        result = produce_all(fetched.records, topic=topic, brokers=kconf["bootstrap.servers"], run_id=run_id, extra_config=kconf)
        log.info("Kafka acknowledged %d records to %s in %.2f s", result.produced, topic, result.seconds)
        new = next_checkpoint(checkpoint, fetched.records, {"feed": feed, "topic": topic})
        save_checkpoint(conn, pipeline, raw, new, run_id)
        log.info("checkpoint moved to %s", json.dumps(new.to_json())[:500])
    finally:
        conn.close()
    return {
        "fetched": len(fetched.records),
        "served": fetched.served,
        "duplicates_skipped": fetched.duplicates_skipped,
        "already_produced": fetched.already_produced,
        "pages": fetched.pages,
        "produced": result.produced,
        "fetch_seconds": round(fetch_s, 3),
        "produce_seconds": round(result.seconds, 3),
        "topic": topic,
        "checkpoint": new.to_json() if len(new.ids_at_checkpoint) <= 50 else {**new.to_json(), "ids_at_checkpoint": f"{len(new.ids_at_checkpoint)} ids"},
    }


# ---------------------------------------------------------------------------------------------
# The DAG's params and task body, shared by product_recalls_ingest of Airflow 3 (stack/dags) and
# of Airflow 2 (stack/native/airflow2-dags)
# ---------------------------------------------------------------------------------------------


def dag_params(param: Callable[..., Any]) -> dict[str, Any]:
    """The DAG's params, made with the running Airflow's ``Param`` class."""
    return {
        "feed": param(DEFAULT_FEED, type="string", minLength=1, description="Source API feed (main, or a test feed)"),
        "topic": param(DEFAULT_TOPIC, type="string", minLength=1, description="Kafka topic to produce to"),
        "pipeline": param(INGEST_PIPELINE, type="string", minLength=1, description="Checkpoint name in pipeline_checkpoints"),
        "page_size": param(DEFAULT_PAGE_SIZE, type="integer", minimum=1, maximum=5000, description="Records per API page"),
        "max_records": param(DEFAULT_MAX_RECORDS, type="integer", minimum=1, maximum=5_000_000, description="At most this many records per run"),
        "kafka_conn_id": param("kafka_default", type="string", minLength=1),
        "history_conn_id": param("workbench_history", type="string", minLength=1),
    }


def fetch_and_produce(context: Mapping[str, Any]) -> dict[str, Any]:
    """Task fetch_and_produce: one ingestion run with the run's params (``context`` is the task's Airflow context)."""
    p = context["params"]
    return run_ingest(
        run_id=context["run_id"],
        history_conn_id=p["history_conn_id"],
        kafka_conn_id=p["kafka_conn_id"],
        topic=p["topic"],
        feed=p["feed"],
        pipeline=p["pipeline"],
        page_size=int(p["page_size"]),
        max_records=int(p["max_records"]),
    )
