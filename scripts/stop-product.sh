#!/usr/bin/env bash
# Stops what `npm start` started: code-server and the local stack (native or Compose).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$KAW_ROOT"
bash scripts/code-server.sh stop --port "${KAW_PORT:-3000}" || true
if command -v docker >/dev/null && docker info >/dev/null 2>&1 && [ -f stack/compose/docker-compose.yml ]; then
  docker compose --project-name kafka-airflow-workbench -f stack/compose/docker-compose.yml --env-file stack/compose/.env down || true
fi
bash stack/native/stack.sh down
