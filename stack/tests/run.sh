#!/usr/bin/env bash
# Runs the pipeline tests (pytest) against the native stack, with the Airflow 3 venv's Python
# (confluent-kafka, psycopg and Airflow are importable there). Installs the pinned pytest into
# that venv when it is missing.
#
#   bash stack/tests/run.sh [JUNIT_XML_PATH] [-- PYTEST_ARGS...]
#   e.g. bash stack/tests/run.sh -- -x stack/tests/test_message_rows.py
#
# Exit code: pytest's, except that "no tests collected" (5) counts as a failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STACK_DIR="$(dirname "$HERE")"
PYTEST_VERSION=9.2.0

# shellcheck source-path=SCRIPTDIR source=../versions.env
source "$STACK_DIR/versions.env"
CACHE="${KAW_CACHE:-$HOME/.cache/kafka-airflow-workbench}"
VENV="$CACHE/venv-airflow3-$AIRFLOW3_VERSION-py$PYTHON_VERSION"
PY="$VENV/bin/python"
if [[ ! -x "$PY" ]]; then
  echo "stack/tests: no Airflow 3 venv at $VENV; create it with: bash stack/native/stack.sh install airflow3" >&2
  exit 1
fi

if [[ "$("$PY" -c 'import importlib.metadata as m; print(m.version("pytest"))' 2>/dev/null || true)" != "$PYTEST_VERSION" ]]; then
  echo "stack/tests: installing pytest==$PYTEST_VERSION into $VENV" >&2
  "$PY" -m pip install --quiet --disable-pip-version-check "pytest==$PYTEST_VERSION"
fi

junit=()
if (($# > 0)) && [[ "$1" != "--" ]]; then
  junit=("--junitxml=$1")
  shift
fi
[[ "${1:-}" == "--" ]] && shift

# No arguments: the whole suite. Otherwise the arguments (paths relative to the caller's cwd).
(($# > 0)) || set -- "$HERE"
rc=0
"$PY" -m pytest -c "$HERE/pytest.ini" --rootdir "$HERE" "${junit[@]}" "$@" || rc=$?
if ((rc == 5)); then
  echo "stack/tests: pytest collected no tests: failing" >&2
  exit 1
fi
exit "$rc"
