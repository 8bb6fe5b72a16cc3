"""The bundled pipeline's reusable code: operators, assets, database access, test messages.

Importable when stack/plugins is on ``sys.path``: Airflow puts its plugins folder there
(AIRFLOW__CORE__PLUGINS_FOLDER=stack/plugins natively, /opt/airflow/plugins in Compose), and
every DAG file in stack/dags adds ../plugins itself when it is missing, so DAGs also parse and
run where the plugins folder points elsewhere.

- ``batch_consumer``: KafkaBatchConsumerOperator (Kafka -> message_history + asset events)
- ``downstream``: the per-data-type processor DAG factory (message_history -> hourly_summary)
- ``dispatch``: the command watcher's apply function and the key -> DAG routes
- ``command_handlers``: what the handle_reindex / handle_report DAGs do
- ``history_db``: connections, stack/sql migrations, idempotent batch load
- ``message_rows``: Kafka message -> COPY row encoding (pure Python)
- ``assets``: asset names and URIs
- ``sample_messages``: deterministic test messages with a data_type field
- ``recalls_ingest``: the streaming pipeline's ingestion (source API -> Kafka, checkpointed)
- ``spark_jobs``: the Spark job's jars, checks and spark-submit command line
- ``daily_export``: the daily timeline export (source API -> CSV -> Parquet -> S3 -> mail)

The DAGs that exist for both Airflows (product_recalls_ingest, product_recalls_spark,
daily_timeline_export and its _v2) take their params and task bodies from ``recalls_ingest``,
``spark_jobs`` and ``daily_export``; their files in stack/dags and stack/native/airflow2-dags
hold only the wiring of their Airflow version (imports, decorators, context, schedule).
"""
