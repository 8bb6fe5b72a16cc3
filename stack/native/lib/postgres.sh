# shellcheck shell=bash disable=SC2034  # variables are used by the files that source this one
# PostgreSQL: Debian's server binaries, our own cluster (initdb) on 127.0.0.1:$KAW_PG_PORT.
# Role workbench/workbench owns the databases airflow3, airflow2 (Airflow metadata) and
# workbench (the product's message history).

PG_BIN="${KAW_PG_BIN:-/usr/lib/postgresql/$POSTGRES_MAJOR/bin}"

# PostgreSQL refuses to run as root. As root we run it as the `postgres` system user, with its
# files under a directory that user can read (the state dir is usually under /root).
if is_root; then
  PG_ROOT="${KAW_PG_ROOT:-/var/lib/kafka-airflow-workbench}"
  PG_OS_USER=postgres
else
  PG_ROOT="${KAW_PG_ROOT:-$KAW_STATE/postgres}"
  PG_OS_USER="$(id -un)"
fi
PG_DATA="$PG_ROOT/pgdata"
PG_SOCKET_DIR="$PG_ROOT/run" # unix socket (superuser `postgres`, trust) for admin work only

# as_pg CMD... : run CMD as the OS user that owns the cluster (from a dir that user can read)
as_pg() {
  if is_root; then
    (cd "$PG_ROOT" && setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_USER" --init-groups -- "$@")
  else
    (cd "$PG_ROOT" && "$@")
  fi
}

# shellcheck disable=SC2120  # extra psql arguments are optional
pg_admin_psql() { # psql as the cluster superuser over the private unix socket
  "$PG_BIN/psql" -X -q -h "$PG_SOCKET_DIR" -p "$KAW_PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
}

postgres_install() {
  if [[ ! -x "$PG_BIN/postgres" ]]; then
    if apt_install "postgresql-$POSTGRES_MAJOR" "postgresql-client-$POSTGRES_MAJOR"; then
      postgres_stop_debian_default_cluster
    fi
  fi
  [[ -x "$PG_BIN/postgres" ]] ||
    die "PostgreSQL $POSTGRES_MAJOR server not found in $PG_BIN: run \`sudo apt-get install postgresql-$POSTGRES_MAJOR\` (or set KAW_PG_BIN to its bin dir)"
  if is_root && ! id "$PG_OS_USER" >/dev/null 2>&1; then
    die "system user $PG_OS_USER is missing (it comes with the postgresql-common package): run \`sudo apt-get install postgresql-$POSTGRES_MAJOR\`"
  fi
}

# Installing Debian's package creates (and may start) a default cluster on port 5432; ours
# needs that port, so stop the one that the install just started.
postgres_stop_debian_default_cluster() {
  if command -v pg_ctlcluster >/dev/null 2>&1 && pg_lsclusters -h 2>/dev/null | grep -q "^$POSTGRES_MAJOR main $KAW_PG_PORT online"; then
    log "stopping Debian's default cluster $POSTGRES_MAJOR/main, which holds port $KAW_PG_PORT"
    pg_ctlcluster "$POSTGRES_MAJOR" main stop || true
  fi
  return 0
}

# Create the cluster once (initdb into a temp dir, then rename: an interrupted run leaves no
# half-made data dir behind).
postgres_init_cluster() {
  mkdir -p "$PG_ROOT" "$PG_SOCKET_DIR"
  if is_root; then
    chown "$PG_OS_USER:" "$PG_ROOT" "$PG_SOCKET_DIR"
    chmod 0755 "$PG_ROOT"
  fi
  [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
  log "creating PostgreSQL $POSTGRES_MAJOR cluster in $PG_DATA"
  rm -rf "$PG_DATA.tmp"
  as_pg "$PG_BIN/initdb" -D "$PG_DATA.tmp" -U postgres --encoding=UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 >>"$(log_file postgres)" 2>&1 ||
    die "initdb failed; see $(log_file postgres)"
  mv "$PG_DATA.tmp" "$PG_DATA"
}

postgres_start() {
  if is_running postgres; then
    log "postgres already running (pid $(service_pid postgres))"
    return 0
  fi
  # Our own cluster still running without a pid file (e.g. the state dir was deleted under it).
  if [[ -f "$PG_DATA/postmaster.pid" ]] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    die "a PostgreSQL server is already running on $PG_DATA without a stack pid file; stop it with: $(is_root && echo "runuser -u postgres -- ")$PG_BIN/pg_ctl -D $PG_DATA stop -m fast"
  fi
  ensure_port_free "$KAW_PG_PORT" "PostgreSQL; if it is Debian's own cluster: \`pg_ctlcluster $POSTGRES_MAJOR main stop\`"
  postgres_init_cluster
  local args=(
    -D "$PG_DATA"
    -c "listen_addresses=$KAW_HOST"
    -c "port=$KAW_PG_PORT"
    -c "unix_socket_directories=$PG_SOCKET_DIR"
    -c max_connections=300          # two Airflows with connection pools per process
    -c shared_buffers=128MB
    -c synchronous_commit=off       # dev stack: faster commits, no corruption risk
    -c log_min_messages=warning
    -c log_line_prefix='%m [%p] %q%u@%d '
  )
  if is_root; then
    start_bg postgres setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_USER" --init-groups -- \
      env -C "$PG_ROOT" "$PG_BIN/postgres" "${args[@]}"
  else
    start_bg postgres "$PG_BIN/postgres" "${args[@]}"
  fi
}

postgres_healthy() {
  "$PG_BIN/pg_isready" -q -h "$KAW_HOST" -p "$KAW_PG_PORT" -t 2
}

postgres_wait() {
  wait_until "postgres" "${KAW_PG_TIMEOUT:-60}" "$(log_file postgres)" postgres postgres_healthy
  postgres_bootstrap
}

# Role and databases, idempotent (runs on every `up`, takes well under a second).
postgres_bootstrap() {
  # shellcheck disable=SC2119
  pg_admin_psql >>"$(log_file postgres)" 2>&1 <<SQL || die "creating role/databases failed; see $(log_file postgres)"
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$KAW_PG_USER') THEN
    CREATE ROLE $KAW_PG_USER LOGIN CREATEDB PASSWORD '$KAW_PG_PASSWORD';
  ELSE
    ALTER ROLE $KAW_PG_USER LOGIN CREATEDB PASSWORD '$KAW_PG_PASSWORD';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$KAW_PG_AIRFLOW2_USER') THEN
    CREATE ROLE $KAW_PG_AIRFLOW2_USER LOGIN PASSWORD '$KAW_PG_AIRFLOW2_PASSWORD';
  ELSE
    ALTER ROLE $KAW_PG_AIRFLOW2_USER LOGIN PASSWORD '$KAW_PG_AIRFLOW2_PASSWORD';
  END IF;
END
\$\$;
-- Airflow 2's own login acts as $KAW_PG_USER, so what it creates is owned by $KAW_PG_USER.
GRANT $KAW_PG_USER TO $KAW_PG_AIRFLOW2_USER;
ALTER ROLE $KAW_PG_AIRFLOW2_USER SET role = '$KAW_PG_USER';
SELECT format('CREATE DATABASE %I OWNER $KAW_PG_USER ENCODING %L TEMPLATE template0', d, 'UTF8')
FROM unnest(ARRAY['$KAW_PG_DB_AIRFLOW3', '$KAW_PG_DB_AIRFLOW2', '$KAW_PG_DB_WORKBENCH']) AS d
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = d)
\gexec
SQL
  log "postgres: role $KAW_PG_USER and databases $KAW_PG_DB_AIRFLOW3, $KAW_PG_DB_AIRFLOW2, $KAW_PG_DB_WORKBENCH ready"
}

postgres_stop() {
  # SIGINT = PostgreSQL's "fast" shutdown (disconnects clients, clean checkpoint).
  stop_bg postgres INT 60 leader
}

# workbench_psql [DB] : psql as workbench over TCP (how the product and Airflow connect)
workbench_psql() {
  PGPASSWORD="$KAW_PG_PASSWORD" "$PG_BIN/psql" -X -q -h "$KAW_HOST" -p "$KAW_PG_PORT" -U "$KAW_PG_USER" -d "${1:-$KAW_PG_DB_WORKBENCH}" "${@:2}"
}

postgres_describe() {
  echo "postgres   postgresql://$KAW_PG_USER:$KAW_PG_PASSWORD@$KAW_HOST:$KAW_PG_PORT/$KAW_PG_DB_WORKBENCH  (also dbs $KAW_PG_DB_AIRFLOW3, $KAW_PG_DB_AIRFLOW2; data $PG_DATA)"
}
