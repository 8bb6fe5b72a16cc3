"""Benchmark of the streaming pipeline (source API -> Kafka -> Spark -> PostgreSQL) on the native
stack, beside the batch consumer DAG loading the same messages.

Per round: a source-API feed of N recalls; the ingestion (product_recalls_ingest's code) fetches
and produces them to a fresh 3-partition topic; the Spark job (the command line of
product_recalls_spark's operator) moves the topic into product_recalls; then kafka_batch_consumer
(the reference, an Airflow 3 DAG run) loads the same N messages into message_history. Prints
records/s per stage and end to end, the share of the Spark run spent before its query started
(JVM, SparkSession, jars), each round and the medians, and the ratio Spark / batch consumer.

Run: bash bench/streaming-pipeline.sh [--records 100000] [--rounds 3]
Needs the stack up (postgres kafka source-api airflow3 spark). Cleans up what it made.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "stack" / "plugins"))
sys.path.insert(0, str(REPO / "stack" / "tests"))

import httpx  # noqa: E402

from stack_client import AirflowApi, KafkaTool, ensure_pipeline_connections, pg_connect  # noqa: E402
from test_streaming_pipeline import ENV, SOURCE_API_URL, Lane  # noqa: E402
from workbench_pipeline.history_db import apply_migrations  # noqa: E402

CONSUMER = "kafka_batch_consumer"


def one_round(n: int, airflow: AirflowApi) -> dict[str, float]:
    tag = uuid.uuid4().hex[:8]
    db = pg_connect()
    apply_migrations(db)
    lane = Lane(
        name=f"kaw-bench-recalls-{tag}", topic=f"kaw-bench-recalls-{tag}", query=f"kaw_bench_recalls_{tag}",
        checkpoint_dir=Path(ENV["KAW_SPARK_CHECKPOINT_DIR"]) / f"kaw_bench_recalls_{tag}",
        db=db, kafka=KafkaTool(), http=httpx.Client(base_url=SOURCE_API_URL, timeout=120),
    )
    lane.kafka.create_topic(lane.topic, 3)
    try:
        lane.feed(n, step_seconds=0.01)
        t0 = time.perf_counter()
        ingest = lane.ingest(f"bench-{tag}", page_size=5000)
        ingest_s = time.perf_counter() - t0
        assert ingest["produced"] == n, ingest

        t0 = time.perf_counter()
        rc, out = lane.spark_run(f"bench-{tag}", timeout=1200, max_offsets_per_trigger=50_000)
        spark_s = time.perf_counter() - t0
        if rc != 0:
            raise SystemExit(f"the Spark job failed:\n{out[-3000:]}")
        summary = json.loads(next(line for line in out.splitlines() if line.startswith("KAW_SPARK_SUMMARY "))[18:])
        rows, distinct = lane.table_counts()
        assert rows == distinct == n, (rows, distinct)

        run_id = f"bench_{tag}"
        airflow.trigger(CONSUMER, run_id, {"topics": [lane.topic], "group_id": f"kaw-bench-{tag}", "max_messages": n, "batch_size": 10000})
        if airflow.wait_run(CONSUMER, run_id, timeout=900) != "success":
            raise SystemExit(f"{CONSUMER} run {run_id} failed; see its consume_and_load log")
        consumer = airflow.xcom(CONSUMER, run_id, "consume_and_load")
        run = airflow.get(f"/api/v2/dags/{CONSUMER}/dagRuns/{run_id}")
        from datetime import datetime

        consumer_run_s = (datetime.fromisoformat(run["end_date"]) - datetime.fromisoformat(run["start_date"])).total_seconds()
        consumer_s = consumer["last_commit_at"] - consumer["first_poll_at"]
        startup_s = spark_s - summary["query_seconds"]
        return {
            "fetch_rate": n / ingest["fetch_seconds"],
            "produce_rate": n / ingest["produce_seconds"],
            "ingest_rate": n / ingest_s,
            "spark_rate": n / spark_s,
            "spark_query_rate": n / summary["query_seconds"],
            "spark_s": spark_s,
            "startup_share": startup_s / spark_s,
            "end_to_end_rate": n / (ingest_s + spark_s),
            "consumer_rate": n / consumer_s,
            "consumer_run_rate": n / consumer_run_s,
        }
    finally:
        lane.cleanup()
        db.execute("DELETE FROM message_history WHERE topic = %s", (lane.topic,))
        lane.http.close()
        db.close()


LABELS = {
    "fetch_rate": "API fetch (records/s)",
    "produce_rate": "produce, all acked (records/s)",
    "ingest_rate": "ingestion run incl. checkpoint (records/s)",
    "spark_rate": "Spark run, spark-submit to exit (records/s)",
    "spark_query_rate": "Spark query only (records/s)",
    "startup_share": "Spark start-up share of its run",
    "end_to_end_rate": "end to end, ingestion + Spark (records/s)",
    "consumer_rate": "batch consumer DAG, first poll to last commit (records/s)",
    "consumer_run_rate": "batch consumer DAG run, start to end (records/s)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    airflow = AirflowApi()
    ensure_pipeline_connections(airflow)
    airflow.wait_for_dag(CONSUMER)
    results = []
    for i in range(args.rounds):
        r = one_round(args.records, airflow)
        results.append(r)
        print(f"round {i + 1}: " + ", ".join(f"{k}={v:,.2f}" if "share" in k else f"{k}={v:,.0f}" for k, v in r.items()), flush=True)
    print(f"\nmedians over {args.rounds} round(s) of {args.records:,} records:")
    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    for key, label in LABELS.items():
        value = med[key]
        print(f"  {label:<58} {value:>10.0%}" if "share" in key else f"  {label:<58} {value:>10,.0f}")
    print(f"  {'ratio end to end / batch consumer run':<58} {med['end_to_end_rate'] / med['consumer_run_rate']:>10.2f}")
    print(f"  {'ratio Spark run / batch consumer run':<58} {med['spark_rate'] / med['consumer_run_rate']:>10.2f}")


if __name__ == "__main__":
    main()
