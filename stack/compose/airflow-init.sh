#!/bin/bash
# One-shot init of the Compose stack (service airflow-init, runs as root), idempotent:
#  0. hand the log and auth volumes to AIRFLOW_UID,
#  1. migrate Airflow's metadata database,
#  2. write the simple auth manager's password file (admin user from .env) to the shared volume,
#  3. check the connections defined by AIRFLOW_CONN_* (Kafka, commands, history) resolve,
#  4. apply stack/sql (message_history, hourly_summary) to the history database.
set -euo pipefail

# The named volumes start out owned by root; the other Airflow services run as AIRFLOW_UID.
mkdir -p /opt/airflow/logs /opt/airflow/auth
chown -R "${AIRFLOW_UID:-50000}:0" /opt/airflow/logs /opt/airflow/auth

echo "airflow-init: migrating the metadata database"
airflow db migrate

echo "airflow-init: writing the password file for user ${AIRFLOW_ADMIN_USER}"
mkdir -p "$(dirname "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")"
python - <<'PY'
import json, os
path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
with open(path, "w", encoding="utf-8") as f:
    json.dump({os.environ["AIRFLOW_ADMIN_USER"]: os.environ["AIRFLOW_ADMIN_PASSWORD"]}, f)
os.chmod(path, 0o644)
PY

for conn in kafka_default kafka_commands workbench_history; do
  airflow connections get "$conn" -o json >/dev/null || {
    echo "airflow-init: connection $conn is not defined; check AIRFLOW_CONN_* in docker-compose.yml and .env" >&2
    exit 1
  }
done

echo "airflow-init: applying stack/sql to the history database"
PYTHONPATH=/opt/airflow/plugins python -m workbench_pipeline.migrate workbench_history
echo "airflow-init: done"
