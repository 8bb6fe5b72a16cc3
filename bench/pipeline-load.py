"""Load benchmark of kafka_batch_consumer against `psql \\copy` on the native stack.

Per round: produce N messages of about SIZE bytes (JSON with a data_type field) to a fresh
3-partition topic, run kafka_batch_consumer on it (fresh group, one run), and take its own
figures: messages per second from the first poll to the last committed offsets (logged by
the operator and returned in its XCom). Then, in the same round, `psql \\copy` the same rows
(exported from message_history) into a scratch copy of the table (same columns, indexes and
constraints) and time it. Prints each round and the medians, and the ratio consumer / COPY.

Run: bash bench/pipeline-load.sh [--messages 100000] [--size 500] [--rounds 3] [--batch-size 10000]
(the wrapper picks the Airflow 3 venv's Python). Needs the native stack (kafka, postgres,
airflow3) up. Targets from issue 5: >= 20,000 msg/s and >= 1/3 of COPY.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "stack" / "plugins"))
sys.path.insert(0, str(REPO / "stack" / "tests"))

from stack_client import (  # noqa: E402
    PG_DATABASE,
    PG_HOST,
    PG_PASSWORD,
    PG_PORT,
    PG_USER,
    AirflowApi,
    KafkaTool,
    ensure_pipeline_connections,
    pg_connect,
)
from workbench_pipeline.history_db import apply_migrations  # noqa: E402
from workbench_pipeline.sample_messages import sample_messages  # noqa: E402

CONSUMER = "kafka_batch_consumer"
COLUMNS = (
    'topic, "partition", "offset", key, key_bytes, value_json, value_text, value_bytes, headers, data_type, '
    "message_timestamp, consumed_at, consumer_dag_id, consumer_run_id, dataset_uri"
)
SCRATCH = "message_history_bench_copy"


def psql(*args: str) -> float:
    """Run psql against the history database; returns its wall time in seconds."""
    env = {**os.environ, "PGPASSWORD": PG_PASSWORD}
    cmd = [
        "psql",
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        PG_HOST,
        "-p",
        str(PG_PORT),
        "-U",
        PG_USER,
        "-d",
        PG_DATABASE,
        *args,
    ]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, capture_output=True, text=True)
    return time.perf_counter() - t0


def one_round(
    *, n: int, size: int, batch_size: int, kafka: KafkaTool, airflow: AirflowApi, workdir: Path
) -> dict[str, float]:
    topic = f"kaw-bench-load-{uuid.uuid4().hex[:8]}"
    kafka.create_topic(topic, 3)
    try:
        t0 = time.perf_counter()
        kafka.produce(topic, ((k.encode(), v, None) for k, v in sample_messages(n, target_bytes=size)), partitions=3)
        produce_s = time.perf_counter() - t0

        run_id = f"bench_{uuid.uuid4().hex[:8]}"
        conf = {"topics": [topic], "group_id": f"kaw-bench-{run_id}", "max_messages": n, "batch_size": batch_size}
        airflow.trigger(CONSUMER, run_id, conf)
        state = airflow.wait_run(CONSUMER, run_id, timeout=900)
        if state != "success":
            raise SystemExit(f"{CONSUMER} run {run_id} ended {state}; see its consume_and_load log")
        summary = airflow.xcom(CONSUMER, run_id, "consume_and_load")
        if summary["consumed"] != n or summary["inserted"] != n:
            raise SystemExit(
                f"expected {n} new rows, the run reports {summary['consumed']} consumed, {summary['inserted']} new"
            )
        consumer_s = summary["last_commit_at"] - summary["first_poll_at"]

        # The reference: the same rows, psql \copy into a scratch copy of the table.
        data = workdir / f"{topic}.copy"
        psql("-c", f"\\copy (SELECT {COLUMNS} FROM message_history WHERE topic = '{topic}' ORDER BY id) TO '{data}'")
        psql("-c", f"DROP TABLE IF EXISTS {SCRATCH}; CREATE TABLE {SCRATCH} (LIKE message_history INCLUDING ALL)")
        copy_s = psql("-c", f"\\copy {SCRATCH} ({COLUMNS}) FROM '{data}'")
        psql("-c", f"DROP TABLE {SCRATCH}")
        file_mb = data.stat().st_size / 1e6
        data.unlink()
        return {
            "produce_s": produce_s,
            "consumer_s": consumer_s,
            "consumer_rate": n / consumer_s,
            "database_s": float(summary["database_seconds"]),
            "copy_s": copy_s,
            "copy_rate": n / copy_s,
            "file_mb": file_mb,
        }
    finally:
        kafka.delete_topics([topic])
        with pg_connect() as db:
            db.execute("DELETE FROM message_history WHERE topic = %s", (topic,))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=500, help="approximate bytes per message")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=10_000, help="batch_size conf of the consumer run")
    args = parser.parse_args()

    kafka, airflow = KafkaTool(), AirflowApi()
    ensure_pipeline_connections(airflow)
    airflow.wait_for_dag(CONSUMER)
    with pg_connect() as db:
        apply_migrations(db)
    sample = [len(v) for _, v in sample_messages(1000, target_bytes=args.size)]
    print(
        f"pipeline-load: {args.messages} messages of ~{statistics.mean(sample):.0f} bytes, "
        f"batch_size {args.batch_size}, {args.rounds} rounds; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    header = ("round", "consumer s", "msg/s", "(db s)", "psql \\copy s", "msg/s", "ratio", "load")
    print("{:>5} {:>10} {:>9} {:>7} {:>12} {:>9} {:>6} {:>5}".format(*header))
    rounds = []
    with tempfile.TemporaryDirectory(prefix="kaw-bench-") as tmp:
        workdir = Path(tmp)
        for i in range(1, args.rounds + 1):
            r = one_round(
                n=args.messages,
                size=args.size,
                batch_size=args.batch_size,
                kafka=kafka,
                airflow=airflow,
                workdir=workdir,
            )
            rounds.append(r)
            print(
                f"{i:>5} {r['consumer_s']:>10.3f} {r['consumer_rate']:>9.0f} {r['database_s']:>7.3f} "
                f"{r['copy_s']:>12.3f} {r['copy_rate']:>9.0f} {r['consumer_rate'] / r['copy_rate']:>6.2f} "
                f"{os.getloadavg()[0]:>5.1f}"
            )
    rate = statistics.median(r["consumer_rate"] for r in rounds)
    copy_rate = statistics.median(r["copy_rate"] for r in rounds)
    ratio = statistics.median(r["consumer_rate"] / r["copy_rate"] for r in rounds)
    print(
        f"median: kafka_batch_consumer {rate:,.0f} msg/s (first poll -> last commit), "
        f"psql \\copy {copy_rate:,.0f} msg/s, ratio {ratio:.2f} "
        f"(targets: >= 20,000 msg/s: {'met' if rate >= 20_000 else 'NOT met'}; "
        f">= 0.33 of COPY: {'met' if ratio >= 1 / 3 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
