# shellcheck shell=bash disable=SC2034  # variables are used by the files that source this one
# Spark: not a long-running service. pyspark (local mode, Java 17) lives in the Airflow 3 venv;
# `stack.sh install spark` (pulled in by `up`) downloads once the jars a job needs beside
# pyspark's own (the Kafka source and the PostgreSQL JDBC driver) from Maven Central into the
# cache. A job runs only inside a DAG run (product_recalls_spark, SparkSubmitOperator), with
# its driver UI on :4040 while it runs and its log in $KAW_LOG_DIR/spark.log.

: "${SPARK_VERSION:=4.2.0}"
: "${SPARK_SCALA_VERSION:=2.13}"
: "${POSTGRES_JDBC_VERSION:=42.7.14}"
KAW_SPARK_UI_PORT="${KAW_SPARK_UI_PORT:-4040}"
SPARK_JARS_DIR="$KAW_CACHE/spark-jars-$SPARK_VERSION-scala$SPARK_SCALA_VERSION-pgjdbc$POSTGRES_JDBC_VERSION" # cache key = versions
SPARK_STATE="$KAW_STATE/spark"
KAW_SPARK_CHECKPOINT_DIR="$SPARK_STATE/checkpoints"
SPARK_LOG="$KAW_LOG_DIR/spark.log"
SPARK_LOG4J="$KAW_NATIVE_DIR/spark/log4j2.properties"

# The jars are what spark-sql-kafka-0-10 and the JDBC driver need at run time (mvn
# dependency:copy-dependencies, runtime scope) with every repository mirrored to Maven Central.
spark_install() {
  need_java
  mkdir -p "$KAW_SPARK_CHECKPOINT_DIR"
  if [[ -f "$SPARK_JARS_DIR/.complete" ]]; then
    return 0
  fi
  need_mvn
  ensure_dirs
  local t0=$SECONDS mvnlog="$KAW_LOG_DIR/spark-install.log" tmp="$SPARK_JARS_DIR.tmp"
  log "downloading the Spark $SPARK_VERSION Kafka source and PostgreSQL JDBC $POSTGRES_JDBC_VERSION jars with Maven into $SPARK_JARS_DIR (log: $mvnlog)"
  rm -rf "$tmp"
  mvn -B -q -s "$KAW_NATIVE_DIR/spark/maven-settings.xml" -f "$KAW_NATIVE_DIR/spark/pom.xml" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" \
    -Dspark.version="$SPARK_VERSION" -Dscala.binary.version="$SPARK_SCALA_VERSION" \
    -Dpostgresql.jdbc.version="$POSTGRES_JDBC_VERSION" >"$mvnlog" 2>&1 ||
    die "downloading the Spark job jars failed; see $mvnlog"
  local jar
  for jar in "spark-sql-kafka-0-10_$SPARK_SCALA_VERSION-$SPARK_VERSION.jar" "postgresql-$POSTGRES_JDBC_VERSION.jar"; do
    [[ -f "$tmp/$jar" ]] || die "$jar missing after mvn; see $mvnlog"
  done
  rm -rf "$SPARK_JARS_DIR"
  mv "$tmp" "$SPARK_JARS_DIR"
  date -Is >"$SPARK_JARS_DIR/.complete"
  log "Spark job jars ready in $((SECONDS - t0))s ($(find "$SPARK_JARS_DIR" -name '*.jar' | wc -l) jars, $(du -sh "$SPARK_JARS_DIR" | cut -f1))"
}

spark_jars_installed() { [[ -f "$SPARK_JARS_DIR/.complete" ]]; }

# The pid of a running Spark driver (a spark-submit JVM, SparkSubmit class) and its UI port, as
# "PID PORT"; fails when no job runs.
spark_running_driver() {
  local pid port
  pid="$(pgrep -f 'org\.apache\.spark\.deploy\.SparkSubmit' | head -n 1)" || return 1
  [[ -n "$pid" ]] || return 1
  port="$(ss -Hltnp 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {n = split($4, a, ":"); print a[n]}' | sort -n | awk '$1 >= 4040 && $1 < 4100' | head -n 1)"
  echo "$pid ${port:-$KAW_SPARK_UI_PORT}"
}

# What the Airflow processes export for the Spark DAGs (called by airflow3_env / airflow2_env).
spark_airflow_env() {
  export KAW_SPARK_JARS_DIR="$SPARK_JARS_DIR"
  export KAW_SPARK_CHECKPOINT_DIR
  export KAW_SPARK_LOG="$SPARK_LOG"
  export KAW_SPARK_LOG4J="$SPARK_LOG4J"
  export KAW_SPARK_UI_PORT
  # SparkSubmitOperator's connection: local mode with two worker threads.
  export AIRFLOW_CONN_SPARK_LOCAL='{"conn_type": "spark", "host": "local[2]", "extra": {"deploy-mode": "client", "spark-binary": "spark-submit"}}'
}

# One line for `stack.sh status`: jars, a running job's driver UI, the log.
spark_status_row() {
  local jars state health pid="-" mem="-" driver
  if spark_jars_installed; then
    jars="$(find "$SPARK_JARS_DIR" -name '*.jar' | wc -l) jars"
    state=installed
  else
    jars="jars missing (stack.sh install spark)"
    state=missing
  fi
  if driver="$(spark_running_driver)"; then
    pid="${driver%% *}"
    mem="$(mem_mb "$pid")"
    health="job running, driver UI http://$KAW_HOST:${driver##* }; $jars"
  else
    health="no job running; $jars"
  fi
  printf '%-24s %-8s %-9s %-15s %s\n' spark "$pid" "$state" "$mem" "$health"
  [[ "$state" == installed ]]
}

spark_describe() {
  local running="no job running now"
  local driver
  if driver="$(spark_running_driver)"; then running="a job runs now: driver UI http://$KAW_HOST:${driver##* }"; fi
  echo "spark      pyspark $SPARK_VERSION (local[2], in the airflow3 venv) run by DAG product_recalls_spark; $running; jars $SPARK_JARS_DIR; checkpoints $KAW_SPARK_CHECKPOINT_DIR; log $SPARK_LOG"
}

# Nothing to stop: a running job belongs to its DAG run (Airflow stops it with the task).
spark_stop() { return 0; }
