"""Spark Structured Streaming job: Kafka topic product_recalls -> PostgreSQL table product_recalls.

Run by the product_recalls_spark DAG with spark-submit (local mode; the Kafka source and the
PostgreSQL JDBC driver come with --jars from the stack's cache) as bounded work:
``trigger(availableNow=True)`` processes what the topic holds beyond the checkpoint, in
micro-batches of at most --max-offsets-per-trigger records, and ends.

- Parsing: the JSON value with an explicit schema (from_json), nested fields included.
- Cleaning, as the seed pipeline does: the version fields (ndeg_de_version, rappelguid) are
  dropped, the two risk fields merged, "Du dd/MM/yyyy au dd/MM/yyyy" split into two dates,
  accents removed from every text except links, ids and dates; nested fields flattened (contact)
  or kept as JSON (identification_des_produits). All of it in Spark SQL expressions, no Python
  UDF.
- De-duplication by reference_fiche: within a run, a watermark on the Kafka timestamp and
  dropDuplicatesWithinWatermark; across runs, the table's primary key (ON CONFLICT DO NOTHING),
  so the first copy wins.
- Writing (foreachBatch): Spark's JDBC writer appends the batch to product_recalls_staging in
  parallel; then one PostgreSQL transaction (psycopg, on the driver) moves the batch's rows into
  product_recalls with INSERT ... ON CONFLICT DO NOTHING and records the batch in spark_batches
  (offset ranges read from the checkpoint's offsets/<batchId>, rows in and written, duration).
  The JDBC writer alone cannot do this: it only INSERTs (a copy already in the table would fail
  the batch) and commits per partition, so rows and their spark_batches row could not commit
  together.
- Recovery: the checkpoint ($KAW_STATE/spark/checkpoints/<query>) records a batch's offsets
  before it runs and commits/<batchId> after foreachBatch returned. A run killed in between
  replays the same batch: its leftover staging rows are deleted first, and rows already moved
  are skipped by the primary key, so every record ends up in the table exactly once.

Exit code 0 when the query processed everything; 1 with a one-line reason on stderr otherwise
(e.g. PostgreSQL down): the checkpoint is unchanged for the failed batch, so a rerun retries it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, IntegerType, StringType, StructField, StructType

QUERY_NAME = "product_recalls_to_postgres"

# The source API's record (stack/source_api/recalls.py), every field named: from_json ignores
# anything else and leaves missing fields null.
RECALL_SCHEMA = StructType(
    [
        StructField("reference_fiche", StringType()),
        StructField("ndeg_de_version", IntegerType()),
        StructField("rappelguid", StringType()),
        StructField("date_publication", StringType()),
        StructField("nature_juridique_du_rappel", StringType()),
        StructField("categorie_de_produit", StringType()),
        StructField("sous_categorie_de_produit", StringType()),
        StructField("nom_de_la_marque_du_produit", StringType()),
        StructField("noms_des_modeles_ou_references", StringType()),
        StructField(
            "identification_des_produits",
            ArrayType(
                StructType(
                    [
                        StructField("gtin", StringType()),
                        StructField("lot", StringType()),
                        StructField("date", StringType()),
                        StructField("type_de_date", StringType()),
                    ]
                )
            ),
        ),
        StructField("conditionnements", StringType()),
        StructField("date_debut_fin_de_commercialisation", StringType()),
        StructField("temperature_de_conservation", StringType()),
        StructField("marque_de_salubrite", StringType()),
        StructField("zone_geographique_de_vente", StringType()),
        StructField("distributeurs", StringType()),
        StructField("motif_du_rappel", StringType()),
        StructField("risques_encourus_par_le_consommateur", StringType()),
        StructField("description_complementaire_du_risque", StringType()),
        StructField("preconisations_sanitaires", StringType()),
        StructField("conduites_a_tenir_par_le_consommateur", ArrayType(StringType())),
        StructField("contact", StructType([StructField("numero", StringType()), StructField("courriel", StringType())])),
        StructField("modalites_de_compensation", StringType()),
        StructField("date_de_fin_de_la_procedure_de_rappel", StringType()),
        StructField("liens_vers_les_images", ArrayType(StringType())),
        StructField("lien_vers_la_liste_des_produits", StringType()),
        StructField("lien_vers_la_liste_des_distributeurs", StringType()),
        StructField("lien_vers_affichette_pdf", StringType()),
        StructField("lien_vers_la_fiche_rappel", StringType()),
    ]
)

# accented letters -> plain ones; guillemets -> '"'; no-break space -> space (one char each)
_ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝ«»\u00a0"
_PLAIN = 'aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUY"" '
assert len(_ACCENTED) == len(_PLAIN)


def plain(c: Column) -> Column:
    """Text without accents and ligatures, spaces collapsed and trimmed; empty text becomes null."""
    out = F.translate(c, _ACCENTED, _PLAIN)
    for lig, rep in (("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE")):
        out = F.replace(out, F.lit(lig), F.lit(rep))
    return F.nullif(F.trim(F.regexp_replace(out, r"\s+", " ")), F.lit(""))


def sale_date(c: Column, which: int) -> Column:
    """Date number ``which`` (1 = start, 2 = end) of "Du dd/MM/yyyy au dd/MM/yyyy"."""
    text = F.regexp_extract(c, r"(\d{2}/\d{2}/\d{4})\D+(\d{2}/\d{2}/\d{4})", which)
    return F.try_to_timestamp(F.nullif(text, F.lit("")), F.lit("dd/MM/yyyy")).cast("date")


def cleaned(parsed: DataFrame) -> DataFrame:
    """The table's columns from the parsed records (r.*) and their Kafka position."""
    r = "r."
    text = lambda name: plain(F.col(r + name))  # noqa: E731
    return parsed.select(
        F.col("reference_fiche"),
        F.expr("try_cast(r.date_publication AS timestamp)").alias("date_publication"),
        text("nature_juridique_du_rappel").alias("nature_juridique_du_rappel"),
        text("categorie_de_produit").alias("categorie_de_produit"),
        text("sous_categorie_de_produit").alias("sous_categorie_de_produit"),
        text("nom_de_la_marque_du_produit").alias("nom_de_la_marque_du_produit"),
        text("noms_des_modeles_ou_references").alias("noms_des_modeles_ou_references"),
        F.to_json(F.col(r + "identification_des_produits")).alias("identification_des_produits"),
        text("conditionnements").alias("conditionnements"),
        sale_date(F.col(r + "date_debut_fin_de_commercialisation"), 1).alias("date_debut_commercialisation"),
        sale_date(F.col(r + "date_debut_fin_de_commercialisation"), 2).alias("date_fin_commercialisation"),
        text("temperature_de_conservation").alias("temperature_de_conservation"),
        F.trim(F.col(r + "marque_de_salubrite")).alias("marque_de_salubrite"),
        text("zone_geographique_de_vente").alias("zone_geographique_de_vente"),
        text("distributeurs").alias("distributeurs"),
        text("motif_du_rappel").alias("motif_du_rappel"),
        plain(
            F.concat_ws(". ", F.col(r + "risques_encourus_par_le_consommateur"), F.col(r + "description_complementaire_du_risque"))
        ).alias("risques_pour_le_consommateur"),
        text("preconisations_sanitaires").alias("preconisations_sanitaires"),
        plain(F.concat_ws("; ", F.col(r + "conduites_a_tenir_par_le_consommateur"))).alias("conduites_a_tenir_par_le_consommateur"),
        F.trim(F.col(r + "contact.numero")).alias("numero_de_contact"),
        F.trim(F.col(r + "contact.courriel")).alias("courriel_de_contact"),
        text("modalites_de_compensation").alias("modalites_de_compensation"),
        F.expr("try_cast(r.date_de_fin_de_la_procedure_de_rappel AS date)").alias("date_de_fin_de_la_procedure_de_rappel"),
        F.col(r + "liens_vers_les_images").alias("liens_vers_les_images"),
        F.col(r + "lien_vers_la_liste_des_produits").alias("lien_vers_la_liste_des_produits"),
        F.col(r + "lien_vers_la_liste_des_distributeurs").alias("lien_vers_la_liste_des_distributeurs"),
        F.col(r + "lien_vers_affichette_pdf").alias("lien_vers_affichette_pdf"),
        F.col(r + "lien_vers_la_fiche_rappel").alias("lien_vers_la_fiche_rappel"),
        F.col("topic").alias("kafka_topic"),
        F.col("partition").alias("kafka_partition"),
        F.col("offset").alias("kafka_offset"),
        F.col("timestamp").alias("kafka_timestamp"),
    )


TABLE_COLUMNS = [f.name for f in RECALL_SCHEMA.fields]  # for documentation only


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:400] if text else type(err).__name__


class BatchWriter:
    """foreachBatch: staging append over JDBC, then one transaction: merge + spark_batches row."""

    def __init__(self, args: argparse.Namespace, pg: dict[str, Any]) -> None:
        self.args = args
        self.pg = pg
        self.jdbc_url = f"jdbc:postgresql://{pg['host']}:{pg['port']}/{pg['dbname']}"
        self.batches = 0
        self.rows_in = 0
        self.rows_written = 0

    def _connect(self) -> psycopg.Connection:
        try:
            return psycopg.connect(autocommit=True, connect_timeout=10, application_name="kaw-spark-product-recalls", **self.pg)
        except psycopg.Error as err:
            raise RuntimeError(
                f"PostgreSQL at {self.pg['host']}:{self.pg['port']}/{self.pg['dbname']} is not reachable: {_first_line(err)}"
            ) from err

    def offsets(self, batch_id: int) -> tuple[dict[str, int] | None, dict[str, int] | None]:
        """(start, end) offsets of a batch per partition, from the checkpoint's offset log."""
        root = Path(self.args.checkpoint_dir)
        end = _read_offsets(root / "offsets" / str(batch_id), self.args.topic)
        start = _read_offsets(root / "offsets" / str(batch_id - 1), self.args.topic) if batch_id > 0 else None
        if start is None and batch_id == 0:
            start = _read_offsets(root / "sources" / "0" / "0", self.args.topic)
        return start, end

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        started = datetime.now(UTC)
        t0 = time.monotonic()
        a = self.args
        start, end = self.offsets(batch_id)
        rows_in = sum(end[p] - (start or {}).get(p, 0) for p in end) if end else None
        out = batch.select(
            "*",
            F.lit(batch_id).cast("long").alias("spark_batch_id"),
            F.lit(a.query_name).alias("spark_query_name"),
            F.lit(a.airflow_dag_id).alias("airflow_dag_id"),
            F.lit(a.airflow_run_id).alias("airflow_run_id"),
        )
        try:
            with self._connect() as conn:
                # leftovers of an earlier attempt at this batch (killed before its merge)
                conn.execute(
                    "DELETE FROM product_recalls_staging WHERE spark_query_name = %s AND spark_batch_id = %s", (a.query_name, batch_id)
                )
            out.write.jdbc(
                self.jdbc_url,
                "product_recalls_staging",
                mode="append",
                properties={
                    "user": self.pg["user"],
                    "password": self.pg["password"] or "",
                    "driver": "org.postgresql.Driver",
                    "batchsize": "2000",
                    "reWriteBatchedInserts": "true",
                    "connectTimeout": "10",
                },
            )
            with self._connect() as conn, conn.transaction():
                written = conn.execute(_MERGE, (a.query_name, batch_id)).rowcount
                duration_ms = int((time.monotonic() - t0) * 1000)
                conn.execute(
                    _BATCH_ROW,
                    (
                        a.query_name, batch_id, a.airflow_dag_id, a.airflow_run_id,
                        json.dumps(start) if start is not None else None, json.dumps(end) if end is not None else None,
                        rows_in, written, duration_ms, started, datetime.now(UTC),
                    ),
                )
        except Exception as err:
            raise RuntimeError(
                f"micro-batch {batch_id} of {a.query_name} was not written to PostgreSQL "
                f"{self.pg['host']}:{self.pg['port']}/{self.pg['dbname']}: {_root_cause(err)}. "
                "Its offsets stay uncommitted in the checkpoint: the next run retries it."
            ) from err
        self.batches += 1
        self.rows_in += rows_in or 0
        self.rows_written += written
        print(
            f"batch {batch_id}: {rows_in} records in, {written} new rows, {duration_ms} ms "
            f"(offsets {json.dumps(start)} -> {json.dumps(end)})",
            flush=True,
        )
        if a.pause_after_batch_seconds > 0:
            time.sleep(a.pause_after_batch_seconds)


_COLS = (
    "reference_fiche, date_publication, nature_juridique_du_rappel, categorie_de_produit, sous_categorie_de_produit, "
    "nom_de_la_marque_du_produit, noms_des_modeles_ou_references, identification_des_produits, conditionnements, "
    "date_debut_commercialisation, date_fin_commercialisation, temperature_de_conservation, marque_de_salubrite, "
    "zone_geographique_de_vente, distributeurs, motif_du_rappel, risques_pour_le_consommateur, preconisations_sanitaires, "
    "conduites_a_tenir_par_le_consommateur, numero_de_contact, courriel_de_contact, modalites_de_compensation, "
    "date_de_fin_de_la_procedure_de_rappel, liens_vers_les_images, lien_vers_la_liste_des_produits, "
    "lien_vers_la_liste_des_distributeurs, lien_vers_affichette_pdf, lien_vers_la_fiche_rappel, kafka_topic, "
    "kafka_partition, kafka_offset, kafka_timestamp, spark_batch_id, spark_query_name, airflow_dag_id, airflow_run_id"
)
_MERGE = f"""
WITH moved AS (
    DELETE FROM product_recalls_staging WHERE spark_query_name = %s AND spark_batch_id = %s RETURNING *
)
INSERT INTO product_recalls ({_COLS})
SELECT {_COLS.replace("identification_des_produits,", "identification_des_produits::jsonb,", 1)}
FROM moved WHERE reference_fiche IS NOT NULL AND date_publication IS NOT NULL
ORDER BY kafka_partition, kafka_offset
ON CONFLICT (reference_fiche) DO NOTHING
"""
_BATCH_ROW = """
INSERT INTO spark_batches (query_name, batch_id, airflow_dag_id, airflow_run_id, start_offsets, end_offsets,
                           rows_in, rows_written, duration_ms, started_at, finished_at)
VALUES (%s, %s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, %s, %s, %s)
ON CONFLICT (query_name, batch_id) DO UPDATE SET
    rows_written = spark_batches.rows_written + EXCLUDED.rows_written,
    duration_ms = EXCLUDED.duration_ms, finished_at = EXCLUDED.finished_at
"""


def _read_offsets(path: Path, topic: str) -> dict[str, int] | None:
    """The {partition: offset} of ``topic`` in a Spark offset-log file, None when absent."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    for line in reversed(raw.decode("utf-8", "replace").splitlines()):
        line = line.strip("\x00 ")
        if line.startswith("{") and f'"{topic}"' in line:
            try:
                value = json.loads(line)[topic]
            except (ValueError, KeyError):
                continue
            return {str(p): int(o) for p, o in sorted(value.items(), key=lambda kv: int(kv[0]))}
    return None


def _root_cause(err: BaseException) -> str:
    """The innermost cause's first line (Py4J errors carry the Java exception text)."""
    seen = err
    while seen.__cause__ is not None:
        seen = seen.__cause__
    text = _first_line(seen)
    for marker in ("org.postgresql.util.PSQLException: ", "java.net.ConnectException: ", "psycopg.OperationalError: "):
        if marker in str(seen):
            text = str(seen).split(marker, 1)[1].splitlines()[0][:300]
            break
    return text


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bootstrap", default=os.environ.get("KAW_KAFKA_BROKERS", "127.0.0.1:9092"))
    p.add_argument("--topic", default="product_recalls")
    p.add_argument("--checkpoint-dir", required=True)
    p.add_argument("--query-name", default=QUERY_NAME)
    p.add_argument("--airflow-dag-id", default=None)
    p.add_argument("--airflow-run-id", default=None)
    p.add_argument("--max-offsets-per-trigger", type=int, default=25_000)
    p.add_argument("--watermark", default="30 minutes", help="dedup window on the Kafka timestamp")
    p.add_argument("--pause-after-batch-seconds", type=float, default=0.0, help="tests only")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    pg = {
        "host": os.environ.get("KAW_JOB_PG_HOST", "127.0.0.1"),
        "port": int(os.environ.get("KAW_JOB_PG_PORT", "5432")),
        "dbname": os.environ.get("KAW_JOB_PG_DATABASE", "workbench"),
        "user": os.environ.get("KAW_JOB_PG_USER", "workbench"),
        "password": os.environ.get("KAW_JOB_PG_PASSWORD", ""),
    }
    t_start = time.monotonic()
    spark = (
        SparkSession.builder.appName(f"{args.query_name} ({args.airflow_run_id or 'by hand'})")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")  # fixed in the checkpoint at the first run
        .config("spark.sql.streaming.stateStore.stateSchemaCheck", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")
    session_s = time.monotonic() - t_start
    writer = BatchWriter(args, pg)
    raw = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", args.bootstrap)
        .option("subscribe", args.topic)
        .option("startingOffsets", "earliest")
        .option("maxOffsetsPerTrigger", str(args.max_offsets_per_trigger))
        .load()
    )
    parsed = raw.select(
        F.from_json(F.col("value").cast("string"), RECALL_SCHEMA).alias("r"), "topic", "partition", "offset", "timestamp"
    ).select(F.col("r.reference_fiche").alias("reference_fiche"), "r", "topic", "partition", "offset", "timestamp")
    deduped = (
        parsed.where(F.col("reference_fiche").isNotNull())
        .withWatermark("timestamp", args.watermark)
        .dropDuplicatesWithinWatermark(["reference_fiche"])
    )
    t_query = time.monotonic()
    query = (
        cleaned(deduped)
        .writeStream.queryName(args.query_name)
        .foreachBatch(writer)
        .option("checkpointLocation", args.checkpoint_dir)
        .trigger(availableNow=True)
        .start()
    )
    try:
        query.awaitTermination()
    except Exception as err:
        print(f"product_recalls job failed: {_root_cause(err)}", file=sys.stderr, flush=True)
        spark.stop()
        return 1
    query_s = time.monotonic() - t_query
    summary = {
        "query_name": args.query_name,
        "batches": writer.batches,
        "rows_in": writer.rows_in,
        "rows_written": writer.rows_written,
        "session_seconds": round(session_s, 3),
        "query_seconds": round(query_s, 3),
    }
    print("KAW_SPARK_SUMMARY " + json.dumps(summary), flush=True)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
