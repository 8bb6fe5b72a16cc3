#!/bin/bash
# First start of the postgres container only (docker-entrypoint-initdb.d): create the message
# history database next to Airflow's metadata database (POSTGRES_DB), owned by the same user.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$HISTORY_DB" -v owner="$POSTGRES_USER" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SQL
