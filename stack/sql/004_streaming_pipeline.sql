-- Streaming pipeline (source API -> Kafka topic product_recalls -> Spark -> PostgreSQL):
-- the ingestion checkpoint, the cleaned recalls and one row per Spark micro-batch.
-- Idempotent, applied whole in one transaction by workbench_pipeline.migrate.

-- Where each incremental pipeline resumes. The product_recalls_ingest DAG keeps
-- {"published_since": ISO-8601, "ids_at_checkpoint": [reference_fiche published at that very
-- time and already produced], "feed": ..., "topic": ...} under pipeline 'product_recalls_ingest'
-- and moves it only after Kafka acknowledged every record of the run.
CREATE TABLE IF NOT EXISTS pipeline_checkpoints (
    pipeline           text        PRIMARY KEY,
    checkpoint         jsonb       NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    updated_by_run_id  text
);

-- The cleaned recalls, one row per reference_fiche: the first copy wins (INSERT ... ON CONFLICT
-- DO NOTHING), and it says where it came from (topic, partition, offset), which Spark
-- micro-batch wrote it and which Airflow run submitted that Spark run.
CREATE TABLE IF NOT EXISTS product_recalls (
    reference_fiche                        text        PRIMARY KEY,
    date_publication                       timestamptz NOT NULL,
    nature_juridique_du_rappel             text,
    categorie_de_produit                   text,
    sous_categorie_de_produit              text,
    nom_de_la_marque_du_produit            text,
    noms_des_modeles_ou_references         text,
    identification_des_produits            jsonb,
    conditionnements                       text,
    -- date_debut_fin_de_commercialisation ("Du 01/10/2026 au 15/10/2026") split in two
    date_debut_commercialisation           date,
    date_fin_commercialisation             date,
    temperature_de_conservation            text,
    marque_de_salubrite                    text,
    zone_geographique_de_vente             text,
    distributeurs                          text,
    motif_du_rappel                        text,
    -- risques_encourus_par_le_consommateur and description_complementaire_du_risque merged
    risques_pour_le_consommateur           text,
    preconisations_sanitaires              text,
    conduites_a_tenir_par_le_consommateur  text,
    numero_de_contact                      text,
    courriel_de_contact                    text,
    modalites_de_compensation              text,
    date_de_fin_de_la_procedure_de_rappel  date,
    liens_vers_les_images                  text[],
    lien_vers_la_liste_des_produits        text,
    lien_vers_la_liste_des_distributeurs   text,
    lien_vers_affichette_pdf               text,
    lien_vers_la_fiche_rappel              text,
    kafka_topic                            text        NOT NULL,
    kafka_partition                        integer     NOT NULL,
    kafka_offset                           bigint      NOT NULL,
    kafka_timestamp                        timestamptz,
    spark_batch_id                         bigint      NOT NULL,
    spark_query_name                       text        NOT NULL,
    airflow_dag_id                         text,
    airflow_run_id                         text,
    loaded_at                              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS product_recalls_kafka_position ON product_recalls (kafka_topic, kafka_partition, kafka_offset);
CREATE INDEX IF NOT EXISTS product_recalls_batch ON product_recalls (spark_query_name, spark_batch_id);

-- What Spark's JDBC writer appends for a micro-batch before the merge moves it into
-- product_recalls (JSON as text, no constraints). Rows of a batch that crashed are deleted when
-- the batch is replayed; the merge deletes the rows it moved, in the same transaction.
CREATE UNLOGGED TABLE IF NOT EXISTS product_recalls_staging (
    LIKE product_recalls INCLUDING DEFAULTS
);
ALTER TABLE product_recalls_staging ALTER COLUMN identification_des_produits TYPE text;
ALTER TABLE product_recalls_staging ALTER COLUMN date_publication DROP NOT NULL;
CREATE INDEX IF NOT EXISTS product_recalls_staging_batch ON product_recalls_staging (spark_query_name, spark_batch_id);

-- One row per Spark micro-batch of a streaming query, written in the transaction that moves the
-- batch's rows into the target table. Offsets as {"<partition>": offset}, end exclusive (as in
-- Spark's checkpoint offsets/<batchId>); rows_in = Kafka records in the range, rows_written =
-- rows new in the table (a replayed batch adds its new rows to the count).
CREATE TABLE IF NOT EXISTS spark_batches (
    query_name     text        NOT NULL,
    batch_id       bigint      NOT NULL,
    airflow_dag_id text,
    airflow_run_id text,
    start_offsets  jsonb,
    end_offsets    jsonb,
    rows_in        bigint,
    rows_written   bigint,
    duration_ms    bigint,
    started_at     timestamptz,
    finished_at    timestamptz,
    PRIMARY KEY (query_name, batch_id)
);
