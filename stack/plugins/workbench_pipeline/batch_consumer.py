"""KafkaBatchConsumerOperator: Kafka -> message_history, at-least-once read, exactly-once rows.

The operator behind the ``kafka_batch_consumer`` DAG (the modern form of the seeds'
``BatchDynamicOutletKafkaOperator`` + ``LoadOperator``). Per batch it

1. polls up to ``batch_size`` messages with a consumer group and manual commits (the consumer
   comes from the apache-kafka provider's ``KafkaConsumerHook``),
2. encodes them as COPY rows, grouping by ``data_type`` (JSON field, else header, else unknown),
3. loads them in ONE PostgreSQL transaction (``HistoryLoader``: COPY when the offsets are new,
   else COPY into a temp table + ``INSERT ... ON CONFLICT (topic, partition, offset) DO NOTHING``),
4. commits the batch's offsets to Kafka only after that transaction committed.

While one batch is loaded (step 3, in a worker thread), the next is polled and encoded. A crash
before step 4 leaves the offsets where they were: the rerun reads the batch again and the
unique (topic, partition, offset) skips the rows that did reach the table. So nothing is lost
and nothing is loaded twice. At the end it emits ONE asset event per data type seen, through an asset
alias (the outlets are dynamic), with ``extra``: count, offset ranges per partition, run id.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from airflow.providers.apache.kafka.hooks.consume import KafkaConsumerHook
from airflow.sdk import Asset, AssetAlias, BaseOperator
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from workbench_pipeline.assets import HISTORY_ASSET_ALIAS, history_asset
from workbench_pipeline.history_db import (
    HISTORY_CONN_ID,
    HistoryDatabaseError,
    HistoryDataRejected,
    HistoryLoader,
    close_quietly,
    connect_airflow_connection,
)
from workbench_pipeline.message_rows import DataTypeStats, EncodedBatch, WireFormatDecoder, encode_batch
from workbench_pipeline.schema_decoding import SCHEMA_REGISTRY_CONN_ID, decoder_for_airflow

if TYPE_CHECKING:
    from airflow.sdk import Context

DEFAULT_TOPICS: tuple[str, ...] = ("workbench.events",)
DEFAULT_GROUP_ID = "workbench-batch-consumer"
DEFAULT_MAX_MESSAGES = 10_000
DEFAULT_BATCH_SIZE = 1_000

# What a commit gets while the group's coordinator moves to another broker (one crashed or
# restarts): waiting fixes it, so the commit is retried for up to COMMIT_RETRY_SECONDS.
_COORDINATOR_MOVING_CODES = frozenset({
    KafkaError._WAIT_COORD,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
    KafkaError.NOT_COORDINATOR,
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
    KafkaError.REQUEST_TIMED_OUT,
    KafkaError._TIMED_OUT,
    KafkaError._TRANSPORT,
})
COMMIT_RETRY_SECONDS = 60.0
# What a commit gets when the group took this consumer's partitions away (its session timed out
# while the coordinator moved): the commit is dropped, the rows stay (see _ConsumerRun._commit).
_MEMBERSHIP_LOST_CODES = frozenset({
    KafkaError.UNKNOWN_MEMBER_ID,
    KafkaError.ILLEGAL_GENERATION,
    KafkaError.REBALANCE_IN_PROGRESS,
})

# Kafka errors that no amount of waiting fixes: fail at once with what to do.
_FATAL_CODES: dict[int, str] = {
    KafkaError.UNKNOWN_TOPIC_OR_PART: "the topic does not exist: create it or fix the 'topics' parameter",
    KafkaError.TOPIC_AUTHORIZATION_FAILED: "the Kafka connection may not read this topic",
    KafkaError.GROUP_AUTHORIZATION_FAILED: "the Kafka connection may not use this consumer group",
}


class KafkaConsumeError(RuntimeError):
    """Kafka could not be consumed from; the message says what to check."""


class GroupConsumerHook(KafkaConsumerHook):
    """``KafkaConsumerHook`` whose consumer config gets per-run overrides (the group id etc.).

    The connection (``kafka_default``) holds the brokers and security settings; the group and
    the commit behaviour belong to the run, so they are layered on top here.
    """

    def __init__(self, topics: Sequence[str], kafka_config_id: str, overrides: dict[str, Any]) -> None:
        super().__init__(topics=topics, kafka_config_id=kafka_config_id)
        self._overrides = overrides

    def _get_client(self, config: dict[str, Any]) -> Consumer:
        merged = dict(config)
        merged.setdefault("auto.offset.reset", "earliest")
        # A run killed mid-way stays a group member until its session times out, and the rerun
        # waits for that before it gets partitions: 10 s instead of librdkafka's 45 s.
        merged.setdefault("session.timeout.ms", 10_000)
        merged.update(self._overrides)
        return super()._get_client(merged)


def _as_topics(value: object) -> list[str]:
    if isinstance(value, str):
        value = [t for t in (part.strip() for part in value.split(",")) if t]
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(t, str) and t.strip() for t in value):
        raise ValueError(f"'topics' must be a non-empty list of topic names, got {value!r}")
    return [t.strip() for t in value]


def _as_positive_int(name: str, value: object, upper: int) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValueError(f"'{name}' must be a whole number, got {value!r}") from None
    if not 1 <= number <= upper:
        raise ValueError(f"'{name}' must be between 1 and {upper}, got {number}")
    return number


class KafkaBatchConsumerOperator(BaseOperator):
    """Consume Kafka topics in batches into ``message_history``; emit one asset event per data type.

    :param topics: topics to subscribe to (list, or comma-separated string).
    :param group_id: consumer group; its committed offsets are where the next run starts.
    :param max_messages: stop after loading this many messages (the rest waits for the next run).
    :param batch_size: messages per database transaction and Kafka commit.
    :param kafka_conn_id: Airflow connection of Kafka (brokers, security; its group.id is replaced).
    :param history_conn_id: Airflow connection of the history database.
    :param idle_timeout_seconds: stop when no message arrived for this long (normally the run
        stops earlier, as soon as every assigned partition reported its end).
    :param assignment_timeout_seconds: fail when Kafka assigns no partition within this time.
    :param pause_after_batch_seconds: sleep after each committed batch. Only to slow a run down
        for tests and demos (so one can stop a server in the middle); 0 in normal use.
    :param asset_for_data_type: the mapping data type -> asset the events are emitted on.
    :param schema_registry_conn_id: Airflow connection (http, host = URL) of the schema registry
        that keys and values in the Confluent wire format are decoded with (Avro, Protobuf,
        JSON Schema, by confluent-kafka's deserializers); when it does not exist the URL comes
        from ``KAW_SCHEMA_REGISTRY_URL``; ``None`` stores such messages as bytes.
    """

    template_fields: Sequence[str] = (
        "topics",
        "group_id",
        "max_messages",
        "batch_size",
        "kafka_conn_id",
        "history_conn_id",
        "pause_after_batch_seconds",
        "schema_registry_conn_id",
    )
    ui_color = "#e8f4ff"

    def __init__(
        self,
        *,
        topics: Sequence[str] | str = DEFAULT_TOPICS,
        group_id: str = DEFAULT_GROUP_ID,
        max_messages: int | str = DEFAULT_MAX_MESSAGES,
        batch_size: int | str = DEFAULT_BATCH_SIZE,
        kafka_conn_id: str = "kafka_default",
        history_conn_id: str = HISTORY_CONN_ID,
        poll_timeout_seconds: float = 1.0,
        idle_timeout_seconds: float = 10.0,
        assignment_timeout_seconds: float = 60.0,
        pause_after_batch_seconds: float | str = 0.0,
        asset_for_data_type: Callable[[str], Asset] = history_asset,
        outlet_alias: AssetAlias = HISTORY_ASSET_ALIAS,
        schema_registry_conn_id: str | None = SCHEMA_REGISTRY_CONN_ID,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("outlets", [outlet_alias])
        super().__init__(**kwargs)
        self.topics = topics
        self.group_id = group_id
        self.max_messages = max_messages
        self.batch_size = batch_size
        self.kafka_conn_id = kafka_conn_id
        self.history_conn_id = history_conn_id
        self.poll_timeout_seconds = poll_timeout_seconds
        self.idle_timeout_seconds = idle_timeout_seconds
        self.assignment_timeout_seconds = assignment_timeout_seconds
        self.pause_after_batch_seconds = pause_after_batch_seconds
        self.asset_for_data_type = asset_for_data_type
        self.outlet_alias = outlet_alias
        self.schema_registry_conn_id = schema_registry_conn_id

    # ------------------------------------------------------------------------------------------
    def execute(self, context: Context) -> dict[str, Any]:
        topics = _as_topics(self.topics)
        max_messages = _as_positive_int("max_messages", self.max_messages, 10_000_000)
        batch_size = _as_positive_int("batch_size", self.batch_size, 100_000)
        if not isinstance(self.group_id, str) or not self.group_id.strip():
            raise ValueError(f"'group_id' must be a non-empty string, got {self.group_id!r}")
        group_id = self.group_id.strip()
        pause = float(self.pause_after_batch_seconds or 0)
        run_id: str = context["run_id"]
        dag_id: str = context["ti"].dag_id

        # The database first: when it is down, fail before consuming anything.
        conn, target = connect_airflow_connection(
            self.history_conn_id, application_name=f"kaw-consumer pid={os.getpid()} run={run_id}"
        )
        self.log.info("history database: %s (connection %r)", target, self.history_conn_id)
        loader = HistoryLoader(conn, target)
        decoder: WireFormatDecoder | None = None
        if self.schema_registry_conn_id:
            decoder = decoder_for_airflow(self.schema_registry_conn_id)
            self.log.info(
                "wire-format keys/values (Avro, Protobuf, JSON Schema) decoded with the schema registry at %s",
                getattr(decoder, "url", None) or f"(none: no connection {self.schema_registry_conn_id!r}, no KAW_SCHEMA_REGISTRY_URL)",
            )

        hook = GroupConsumerHook(
            topics=topics,
            kafka_config_id=self.kafka_conn_id,
            overrides={
                "group.id": group_id,
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "enable.partition.eof": True,
            },
        )
        consumer: Consumer | None = None
        run: _ConsumerRun | None = None
        try:
            consumer = hook.get_conn
            run = _ConsumerRun(
                self,
                consumer=consumer,
                loader=loader,
                topics=topics,
                group_id=group_id,
                max_messages=max_messages,
                batch_size=batch_size,
                pause=pause,
                dag_id=dag_id,
                run_id=run_id,
                decoder=decoder,
            )
            consumer.subscribe(topics, on_assign=run.on_assign, on_revoke=run.on_revoke)
            summary = run.consume_all()
        except HistoryDatabaseError as err:
            self.log.error(
                "LOAD FAILED, offsets NOT committed for the failed batch: %s. %d messages of earlier "
                "batches were loaded and committed. Rerun once the database is back: the rerun starts "
                "at the last committed offsets, so nothing is lost and nothing is loaded twice.",
                err,
                run.loaded if run else 0,
            )
            raise
        finally:
            if run is not None:
                run.closing = True
            if consumer is not None:
                try:
                    consumer.close()
                except (KafkaException, RuntimeError) as err:  # the run's outcome is already decided
                    self.log.warning("closing the Kafka consumer failed: %s", err)
            close_quietly(conn)

        self._emit_asset_events(
            context, by_data_type=run.by_data_type, run_id=run_id, dag_id=dag_id, topics=topics, group_id=group_id
        )
        return summary

    def _emit_asset_events(
        self,
        context: Context,
        *,
        by_data_type: dict[str, DataTypeStats],
        run_id: str,
        dag_id: str,
        topics: list[str],
        group_id: str,
    ) -> None:
        outlet_events = context["outlet_events"]
        for data_type in sorted(by_data_type):
            stats = by_data_type[data_type]
            asset = self.asset_for_data_type(data_type)
            extra: dict[str, Any] = {
                "data_type": data_type,
                "count": stats.count,
                "offset_ranges": [r.to_json() for r in stats.sorted_ranges()],
                "run_id": run_id,
                "dag_id": dag_id,
                "topics": topics,
                "group_id": group_id,
                "history_table": "message_history",
            }
            outlet_events[self.outlet_alias].add(asset, extra=extra)
            self.log.info("asset event: %s (%d messages of data type %r)", asset.uri, stats.count, data_type)


class _ConsumerRun:
    """The state of one execute(): poll loop, batches, counters."""

    def __init__(
        self,
        op: KafkaBatchConsumerOperator,
        *,
        consumer: Consumer,
        loader: HistoryLoader,
        topics: list[str],
        group_id: str,
        max_messages: int,
        batch_size: int,
        pause: float,
        dag_id: str,
        run_id: str,
        decoder: WireFormatDecoder | None = None,
    ) -> None:
        self.op = op
        self.decoder = decoder
        self.log = op.log
        self.consumer = consumer
        self.loader = loader
        self.topics = topics
        self.group_id = group_id
        self.max_messages = max_messages
        self.batch_size = batch_size
        self.pause = pause
        self.dag_id = dag_id
        self.run_id = run_id
        self.assigned: set[tuple[str, int]] = set()
        self.at_eof: set[tuple[str, int]] = set()
        self.by_data_type: dict[str, DataTypeStats] = {}
        self.loaded = 0  # messages loaded (and their offsets committed, unless the group rebalanced meanwhile)
        self.inserted = 0
        self.batches = 0
        self.load_seconds = 0.0
        self.committed: dict[str, int] = {}
        self.closing = False  # set before close(): the revocation it causes is no news
        self.in_flight: tuple[Future[tuple[int, EncodedBatch]], EncodedBatch] | None = None
        self.in_flight_rows = 0
        self.last_commit_at = 0.0

    def _uri(self, data_type: str) -> str:
        return self.op.asset_for_data_type(data_type).uri

    def on_assign(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            self.assigned.add((tp.topic, tp.partition))
        self.log.info("assigned partitions: %s", sorted(f"{t}[{p}]" for t, p in self.assigned))

    def on_revoke(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            self.assigned.discard((tp.topic, tp.partition))
            self.at_eof.discard((tp.topic, tp.partition))
        if not self.closing:
            self.log.warning(
                "partitions %s revoked: another consumer joined group %r; it continues from the committed offsets",
                sorted(f"{tp.topic}[{tp.partition}]" for tp in partitions),
                self.group_id,
            )

    def consume_all(self) -> dict[str, Any]:
        """Poll, encode and load until a stop condition; returns the run's figures.

        Two batches are on the way at most: while one is loaded (in a worker thread; psycopg
        waits on the socket without the GIL), the next one is polled and encoded. A batch's
        offsets are committed only after its own transaction committed, and in batch order.
        """
        pending: list[Message] = []
        started = time.monotonic()
        last_activity = started
        first_poll_at = time.time()
        stopped_because = "max_messages reached"
        self.last_commit_at = first_poll_at
        self.log.info(
            "first poll at %.3f: topics %s, group %r, max %d messages, batches of %d",
            first_poll_at,
            self.topics,
            self.group_id,
            self.max_messages,
            self.batch_size,
        )
        # Leaving with an error, the executor waits for a running load before the connection is
        # closed; that batch's offsets stay uncommitted, so a rerun reads it again and skips its rows.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-load") as loads:
            while self.loaded + self.in_flight_rows + len(pending) < self.max_messages:
                want = min(
                    self.batch_size - len(pending),
                    self.max_messages - self.loaded - self.in_flight_rows - len(pending),
                )
                polled = self.consumer.consume(num_messages=want, timeout=self.op.poll_timeout_seconds)
                now = time.monotonic()
                for msg in polled:
                    err = msg.error()
                    if err is None:
                        pending.append(msg)
                        self.at_eof.discard((msg.topic() or "", msg.partition() or 0))
                        last_activity = now
                    elif err.code() == KafkaError._PARTITION_EOF:
                        self.at_eof.add((msg.topic() or "", msg.partition() or 0))
                    else:
                        self._raise_or_warn(err, msg)
                if len(pending) >= self.batch_size:
                    self._submit(loads, pending)
                    pending = []
                    last_activity = time.monotonic()
                    continue
                if self.in_flight is not None and self.in_flight[0].done():
                    self._complete_in_flight()
                if not self.assigned:
                    if now - started > self.op.assignment_timeout_seconds:
                        raise KafkaConsumeError(
                            f"Kafka assigned no partition of {self.topics} to group {self.group_id!r} within "
                            f"{self.op.assignment_timeout_seconds:.0f} s: check that the brokers of connection "
                            f"{self.op.kafka_conn_id!r} are reachable and that the topics exist"
                        )
                    continue
                if self.assigned <= self.at_eof:
                    stopped_because = "reached the end of every assigned partition"
                    break
                if now - last_activity > self.op.idle_timeout_seconds:
                    stopped_because = f"no message for {self.op.idle_timeout_seconds:.0f} s"
                    break
            if pending:
                self._submit(loads, pending)
            self._complete_in_flight()
        last_commit_at = self.last_commit_at
        elapsed = max(last_commit_at - first_poll_at, 1e-9)
        rate = self.loaded / elapsed if self.loaded else 0.0
        self.log.info(
            "done (%s): %d messages consumed, %d new rows, %d already loaded, %d batches; "
            "first poll %.3f -> last commit %.3f = %.3f s, %.0f msg/s (database %.3f s)",
            stopped_because,
            self.loaded,
            self.inserted,
            self.loaded - self.inserted,
            self.batches,
            first_poll_at,
            last_commit_at,
            elapsed,
            rate,
            self.load_seconds,
        )
        return {
            "topics": self.topics,
            "group_id": self.group_id,
            "consumed": self.loaded,
            "inserted": self.inserted,
            "already_loaded": self.loaded - self.inserted,
            "batches": self.batches,
            "data_types": {dt: st.count for dt, st in sorted(self.by_data_type.items())},
            "committed_offsets": self.committed,
            "first_poll_at": first_poll_at,
            "last_commit_at": last_commit_at,
            "messages_per_second": round(rate, 1),
            "database_seconds": round(self.load_seconds, 3),
            "stopped_because": stopped_because,
        }

    def _raise_or_warn(self, err: KafkaError, msg: Message) -> None:
        where = f"{msg.topic()}[{msg.partition()}]" if msg.topic() else ", ".join(self.topics)
        hint = _FATAL_CODES.get(err.code())
        if hint is not None or err.fatal():
            raise KafkaConsumeError(f"Kafka error on {where}: {err.str()} ({hint or 'fatal client error'})")
        self.log.warning("Kafka reported %s on %s; retrying", err.str(), where)

    def _submit(self, loads: ThreadPoolExecutor, pending: list[Message]) -> None:
        """Encode a batch, wait for the previous load (and commit it), start this batch's load."""
        batch = encode_batch(pending, self._uri, dag_id=self.dag_id, run_id=self.run_id, decoder=self.decoder)
        self._complete_in_flight()
        self.in_flight = (loads.submit(self._load, batch, pending), batch)
        self.in_flight_rows = batch.row_count

    def _load(self, batch: EncodedBatch, pending: list[Message]) -> tuple[int, EncodedBatch]:
        """In the load thread: one transaction; returns (rows newly inserted, the batch loaded)."""
        t0 = time.monotonic()
        try:
            inserted = self.loader.load(batch)
        except HistoryDataRejected as err:
            # The fast JSON check let through something jsonb refuses (e.g. a number beyond
            # numeric's range): the transaction rolled back; encode strictly and load again.
            self.log.warning("%s; loading the batch again with strict JSON checks", err)
            batch = encode_batch(pending, self._uri, dag_id=self.dag_id, run_id=self.run_id, strict=True, decoder=self.decoder)
            inserted = self.loader.load(batch)
        self.load_seconds += time.monotonic() - t0
        return inserted, batch

    def _commit(self, offsets: list[TopicPartition]) -> bool:
        """Commit synchronously; True once committed.

        While the group coordinator moves (a broker crashed or restarts) it waits and retries.
        When the group took the partitions away meanwhile (the session timed out during the
        move), it returns False: the batch's rows are in message_history, and whoever reads
        those partitions next starts at the last committed offset and skips them (unique rows).
        """
        deadline = time.monotonic() + COMMIT_RETRY_SECONDS
        delay = 0.2
        while True:
            errors: list[KafkaError] = []
            try:
                result = self.consumer.commit(offsets=offsets, asynchronous=False)
                errors = [tp.error for tp in result or [] if tp.error is not None]
            except KafkaException as err:
                if not (err.args and isinstance(err.args[0], KafkaError)):
                    raise
                errors = [err.args[0]]
            if not errors:
                return True
            problem = errors[0]
            if problem.code() in _MEMBERSHIP_LOST_CODES:
                self.log.warning(
                    "offsets of this batch not committed: %s (the group rebalanced); its rows are loaded, "
                    "and the partitions are read on from the last committed offset, skipping them",
                    problem.str(),
                )
                return False
            if problem.code() not in _COORDINATOR_MOVING_CODES or time.monotonic() > deadline:
                raise KafkaConsumeError(
                    f"committing offsets to group {self.group_id!r} failed after the batch was loaded "
                    f"({problem.str()}); the rows are in message_history and a rerun skips them"
                )
            self.log.warning("committing offsets to group %r: %s; retrying in %.1f s", self.group_id, problem.str(), delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)

    def _complete_in_flight(self) -> None:
        """Wait for the batch being loaded; once its transaction committed, commit its offsets."""
        if self.in_flight is None:
            return
        future, _ = self.in_flight
        self.in_flight = None
        self.in_flight_rows = 0
        inserted, batch = future.result()  # a load error ends the run here: offsets stay put
        offsets = [TopicPartition(t, p, o) for (t, p), o in sorted(batch.next_offsets.items())]
        committed = self._commit(offsets)
        if committed:
            self.last_commit_at = time.time()
            for (t, p), o in batch.next_offsets.items():
                self.committed[f"{t}:{p}"] = o
        for data_type, stats in batch.by_data_type.items():
            self.by_data_type.setdefault(data_type, DataTypeStats()).merge(stats)
        self.loaded += batch.row_count
        self.inserted += inserted
        self.batches += 1
        self.log.info(
            "batch %d: %s loaded (%d new), offsets %s %s",
            self.batches,
            batch.describe(),
            inserted,
            "committed" if committed else "NOT committed",
            ", ".join(f"{t}[{p}]={o}" for (t, p), o in sorted(batch.next_offsets.items())),
        )
        if self.pause > 0:
            time.sleep(self.pause)
