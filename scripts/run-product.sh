#!/usr/bin/env bash
# Runs the product for a newcomer, in one command:
#   1. installs npm dependencies and builds the .vsix
#   2. brings up a local stack: the Compose stack when a Docker engine answers, otherwise
#      the native stack (Kafka, PostgreSQL, Airflow 3 and Airflow 2 as local processes)
#   3. starts VS Code in the browser (code-server) with the extension installed and set to
#      connect to that stack, and prints the URL to open
# Safe to run again: installs are cached, a running stack is reused, code-server restarts.
# Stop everything with `npm run stop`.
#
# Environment: KAW_PORT (code-server port, default 3000), KAW_STACK=native|compose to force one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$KAW_ROOT"

port="${KAW_PORT:-3000}"
workspace="$KAW_STATE/demo-workspace"

kaw_npm_install
kaw_say "Building the extension (.vsix)"
npm run --silent package

stack="${KAW_STACK:-}"
if [ -z "$stack" ]; then
  if command -v docker >/dev/null && docker info >/dev/null 2>&1 && [ -f stack/compose/docker-compose.yml ]; then
    stack=compose
  else
    stack=native
  fi
fi
if [ "$stack" = compose ]; then
  kaw_say "Starting the Compose stack (docker compose up -d --wait)"
  # The same .env the Launch Stack command writes: generated secrets, the documented passwords.
  [ -f stack/compose/.env ] || node --import tsx -e "
    const fs = require('node:fs');
    const { composeEnvFromTemplate } = require('./src/stack/launcher.ts');
    fs.writeFileSync('stack/compose/.env', composeEnvFromTemplate(fs.readFileSync('stack/compose/.env.example', 'utf8'), 'workbench'), { mode: 0o600 });"
  docker compose --project-name kafka-airflow-workbench -f stack/compose/docker-compose.yml --env-file stack/compose/.env up -d --wait
else
  kaw_say "No Docker engine: starting the native stack"
  bash stack/native/stack.sh up
fi

kaw_say "Preparing the demo workspace in $workspace"
mkdir -p "$workspace"
if [ -d stack/examples ]; then cp -rn stack/examples/. "$workspace/"; fi
[ -f "$workspace/README.md" ] || printf '# Kafka Airflow Workbench demo workspace\n\nOpen the Kafka Airflow Workbench view in the activity bar.\n' > "$workspace/README.md"

settings_file="$KAW_STATE/demo-settings.json"
cat > "$settings_file" <<JSON
{
  "kafkaAirflow.stack.connectOnStartup": true,
  "workbench.startupEditor": "none"
}
JSON

kaw_say "Starting VS Code in the browser (code-server)"
bash scripts/code-server.sh install
bash scripts/code-server.sh start --port "$port" --vsix build/kafka-airflow-workbench.vsix \
  --settings "$settings_file" --workspace "$workspace" --profile-dir "$KAW_STATE/demo-profile"

cat <<TEXT

Kafka Airflow Workbench is running.

  Editor:      http://127.0.0.1:$port/  (open it in a browser; the extension's icon is in the activity bar)
  Kafka:       127.0.0.1:9092
  Airflow 3:   http://127.0.0.1:8080  (admin / admin)
  PostgreSQL:  127.0.0.1:5432  database workbench  (workbench / workbench)
TEXT
if [ "$stack" = native ]; then
  echo "  Airflow 2:   http://127.0.0.1:8081  (admin / admin)"
  echo "  Stack logs:  bash stack/native/stack.sh logs"
fi
echo
echo "Stop everything: npm run stop"
