# shellcheck shell=bash disable=SC2034  # variables are used by the files that source this one
# Mail catcher: Mailpit, built once from its Go module (`go install`, web UI included) into the
# cache. SMTP on 127.0.0.1:$KAW_SMTP_PORT (no auth, no TLS: the Airflow connection
# workbench_smtp), web UI and REST API (/api/v1/messages) on 127.0.0.1:$KAW_MAIL_HTTP_PORT.
# Messages are kept in $KAW_STATE/mail/mailpit.db (the newest 500).

MAILPIT_VERSION="${MAILPIT_VERSION:-1.33.1}"
MAILPIT_HOME="$KAW_CACHE/mailpit-v${MAILPIT_VERSION#v}" # cache key = version
MAILPIT_BIN="$MAILPIT_HOME/bin/mailpit"
MAIL_STATE="$KAW_STATE/mail"
MAIL_API_URL="http://$KAW_HOST:$KAW_MAIL_HTTP_PORT"

# Build Mailpit with the Go toolchain once per version (a few minutes on a small machine).
mail_install() {
  if [[ -x "$MAILPIT_BIN" && -f "$MAILPIT_HOME/.complete" ]]; then
    return 0
  fi
  # (Not from apt: Debian 12's Go is 1.19, Mailpit v1.33.1 needs 1.26.)
  command -v go >/dev/null 2>&1 ||
    die "go not found (needed once to build Mailpit $MAILPIT_VERSION): install Go 1.26 or newer from https://go.dev/dl and put it on PATH"
  ensure_dirs
  local t0=$SECONDS ilog="$KAW_LOG_DIR/mail-install.log"
  log "building Mailpit v${MAILPIT_VERSION#v} with go install into $MAILPIT_HOME/bin (log: $ilog)"
  rm -rf "$MAILPIT_HOME"
  mkdir -p "$MAILPIT_HOME/bin"
  GOBIN="$MAILPIT_HOME/bin" GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
    go install "github.com/axllent/mailpit@v${MAILPIT_VERSION#v}" >"$ilog" 2>&1 ||
    die "building Mailpit failed (go install github.com/axllent/mailpit@v${MAILPIT_VERSION#v}); see $ilog"
  [[ -x "$MAILPIT_BIN" ]] || die "go install left no $MAILPIT_BIN; see $ilog"
  date -Is >"$MAILPIT_HOME/.complete"
  log "Mailpit built in $((SECONDS - t0))s ($(du -sh "$MAILPIT_BIN" | cut -f1))"
}

mail_start() {
  if is_running mail; then
    log "mail already running (pid $(service_pid mail))"
    return 0
  fi
  ensure_port_free "$KAW_SMTP_PORT" "Mailpit's SMTP server"
  ensure_port_free "$KAW_MAIL_HTTP_PORT" "Mailpit's web UI and API"
  mkdir -p "$MAIL_STATE"
  # --disable-version-check: no call home (the machine may have no internet).
  start_bg mail "$MAILPIT_BIN" --smtp "$KAW_HOST:$KAW_SMTP_PORT" --listen "$KAW_HOST:$KAW_MAIL_HTTP_PORT" \
    --database "$MAIL_STATE/mailpit.db" --max 500 --disable-version-check --smtp-disable-rdns
}

mail_healthy() {
  http_get "$MAIL_API_URL/readyz" >/dev/null && port_open "$KAW_SMTP_PORT"
}

mail_wait() {
  wait_until "mail" "${KAW_MAIL_TIMEOUT:-60}" "$(log_file mail)" mail mail_healthy
}

mail_stop() {
  stop_bg mail TERM 15 group
}

mail_describe() {
  echo "mail       SMTP $KAW_HOST:$KAW_SMTP_PORT (no auth, no TLS), web UI and API $MAIL_API_URL (GET /api/v1/messages; Mailpit v${MAILPIT_VERSION#v}; data $MAIL_STATE)"
}
