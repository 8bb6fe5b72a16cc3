#!/usr/bin/env bash
# Load benchmark of the bundled pipeline (see pipeline-load.py): runs it with the Airflow 3
# venv's Python, which has confluent-kafka, psycopg and msgspec. Arguments go to the script.
#   bash bench/pipeline-load.sh [--messages 100000] [--size 500] [--rounds 3] [--batch-size 10000]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../stack/versions.env
source "$HERE/../stack/versions.env"
VENV="${KAW_CACHE:-$HOME/.cache/kafka-airflow-workbench}/venv-airflow3-$AIRFLOW3_VERSION-py$PYTHON_VERSION"
if [[ ! -x "$VENV/bin/python" ]]; then
  echo "pipeline-load: no Airflow 3 venv at $VENV; run: bash stack/native/stack.sh up" >&2
  exit 1
fi
exec "$VENV/bin/python" "$HERE/pipeline-load.py" "$@"
