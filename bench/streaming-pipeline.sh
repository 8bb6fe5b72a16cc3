#!/usr/bin/env bash
# Benchmark of the streaming pipeline (see streaming-pipeline.py): runs it with the Airflow 3
# venv's Python (confluent-kafka, psycopg, httpx, pyspark). Arguments go to the script.
#   bash bench/streaming-pipeline.sh [--records 100000] [--rounds 3]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../stack/versions.env
source "$HERE/../stack/versions.env"
VENV="${KAW_CACHE:-$HOME/.cache/kafka-airflow-workbench}/venv-airflow3-$AIRFLOW3_VERSION-py$PYTHON_VERSION"
if [[ ! -x "$VENV/bin/python" ]]; then
  echo "streaming-pipeline: no Airflow 3 venv at $VENV; run: bash stack/native/stack.sh up" >&2
  exit 1
fi
exec "$VENV/bin/python" "$HERE/streaming-pipeline.py" "$@"
