#!/usr/bin/env bash
# Runs every test of the project, setting up what it needs first:
#   1. npm dependencies, type checks and lint
#   2. unit tests (node:test, no editor, no servers)
#   3. the native stack (Kafka, PostgreSQL, Airflow 3 and 2), then integration tests against it
#      and the pipeline DAGs' pytest suite
#   4. the .vsix and the checks of what it holds, then code-server and end-to-end tests in a
#      real editor (Playwright + chromium), in the current VS Code and in the floor VS Code
# Safe to run again: installs are cached under ~/.cache/kafka-airflow-workbench. A stack that
# this script started is stopped at the end; one that was already running is left running.
# Set KAW_KEEP_STACK=1 to keep it running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$KAW_ROOT"

results="$KAW_ROOT/build/test-results"
rm -rf "$results"
mkdir -p "$results"
started_at=$(date +%s)
phase_times=()
phase() { phase_times+=("$1 $(( $(date +%s) - started_at ))s"); kaw_say "$1"; }

phase "npm dependencies"
kaw_npm_install

phase "type check and lint"
npm run --silent check

phase "unit tests"
node --import tsx --test --test-concurrency=2 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination="$results/unit.xml" \
  test/unit/*.test.ts

phase "native stack"
stack_was_running=0
if bash stack/native/stack.sh status >/dev/null 2>&1; then stack_was_running=1; fi
stop_stack() {
  if [ "$stack_was_running" = 0 ] && [ "${KAW_KEEP_STACK:-0}" != 1 ]; then
    kaw_say "Stopping the native stack this run started"
    bash stack/native/stack.sh down || true
  fi
}
trap stop_stack EXIT
bash stack/native/stack.sh up

phase "integration tests"
node --import tsx --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination="$results/integration.xml" \
  test/integration/*.test.ts

phase "pipeline tests (pytest, DAGs on the native stack)"
bash stack/tests/run.sh "$results/pipeline.xml"

phase "package the extension"
npm run --silent package
node --import tsx --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination="$results/package.xml" \
  test/package/*.test.ts

# The full e2e suite in both editors (see scripts/code-server.sh): the current one, whose run
# takes the README's screenshots, then the floor the extension declares. Both run even when the
# first fails, and either failing fails the run.
e2e_failed=0
for editor in current floor; do
  phase "end-to-end tests, $editor editor (code-server + chromium)"
  KAW_CODE_SERVER=$editor bash scripts/code-server.sh install
  KAW_CODE_SERVER=$editor KAW_VSIX="$KAW_ROOT/build/kafka-airflow-workbench.vsix" npx playwright test || e2e_failed=1
done

phase "done"
printf '%s\n' "${phase_times[@]}"
node scripts/summarize-tests.mjs "$results"
[ "$e2e_failed" = 0 ] || { kaw_say "end-to-end tests failed (see test/e2e/artifacts/<editor>/report)"; exit 1; }
