#!/usr/bin/env bash
# PostgreSQL (Debian package, no systemd) for the local Anju stack.
#
#   deploy/local/postgres.sh start    initdb a private cluster once, start it, ensure role + databases
#   deploy/local/postgres.sh stop     stop that cluster (and nothing else)
#   deploy/local/postgres.sh status
#   deploy/local/postgres.sh destroy      stop it and delete its data (make clean)
#   deploy/local/postgres.sh psql [args]   psql as the anju role
#
# The cluster is the project's own (data in $ANJU_VAR_DIR/postgres/data, run as the postgres OS user
# when we are root), not Debian's 15/main, so `stop` can never stop a PostgreSQL someone else runs.
# It listens on $ANJU_PG_HOST:$ANJU_PG_PORT; role $ANJU_PG_USER (password $ANJU_PG_PASSWORD,
# CREATEDB, so tests can create their own databases) owns one database per service.
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_VERSION_WANTED="${ANJU_PG_VERSION:-15}"
PG_DATABASES="${ANJU_PG_DATABASES:-anju_jobs anju_workers anju_matching anju_notifications anju_gateway}"
PG_START_TIMEOUT="${ANJU_PG_START_TIMEOUT:-60}"

pg_bin_dir() {
  if [[ -x /usr/lib/postgresql/$PG_VERSION_WANTED/bin/initdb ]]; then
    echo "/usr/lib/postgresql/$PG_VERSION_WANTED/bin"
    return 0
  fi
  local d
  d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n1)
  [[ -n $d && -x $d/initdb ]] || return 1
  echo "$d"
}

path_hash() { printf '%s' "$ANJU_ROOT" | cksum | cut -d' ' -f1; }

# Choose where the cluster lives. Under var/ normally; if we are root and the postgres OS user cannot
# reach var/ (e.g. a clone under /root), fall back to a per-checkout directory in postgres' home.
pg_home() {
  local home="${ANJU_PG_HOME:-$ANJU_VAR_DIR/postgres}"
  if [[ -z ${ANJU_PG_HOME:-} && $(id -u) -eq 0 ]] && ! runuser -u postgres -- test -x "$ANJU_VAR_DIR" 2>/dev/null; then
    home="/var/lib/postgresql/anju-$(path_hash)"
  fi
  echo "$home"
}

# Empty when PostgreSQL is not installed (start then fails; stop/status have nothing to do).
PG_BIN="$(pg_bin_dir || true)"
PG_HOME="$(pg_home)"
PG_DATA="$PG_HOME/data"
# Written by the server's OS user, so it lives next to the data; var/log/postgres.log links to it.
PG_LOG="$PG_HOME/postgres.log"
PG_SOCK="$PG_HOME/sock"
# Unix socket paths are limited to ~107 bytes.
if ((${#PG_SOCK} > 80)); then
  PG_SOCK="/tmp/anju-pg-$(path_hash)"
fi
if [[ $(id -u) -eq 0 ]]; then PG_SUPERUSER=postgres; else PG_SUPERUSER=$(id -un); fi

pg_ctl() { (cd / && as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"); }
psql_super() { (cd / && as_pg_user "$PG_BIN/psql" -X -q -h "$PG_SOCK" -p "$ANJU_PG_PORT" -U "$PG_SUPERUSER" -d postgres "$@"); }
psql_anju() {
  PGPASSWORD="$ANJU_PG_PASSWORD" "$PG_BIN/psql" -X -h "$ANJU_PG_HOST" -p "$ANJU_PG_PORT" -U "$ANJU_PG_USER" "$@"
}

ours_running() {
  [[ -n $PG_BIN && -f $PG_DATA/PG_VERSION ]] && pg_ctl status >/dev/null 2>&1
}

make_owned_dir() {
  mkdir -p "$1"
  if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$1"; fi
  chmod 0700 "$1"
}

init_cluster() {
  [[ -f $PG_DATA/PG_VERSION ]] && return 0
  log "creating PostgreSQL cluster in $PG_DATA"
  mkdir -p "$PG_HOME"
  if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$PG_HOME"; fi
  make_owned_dir "$PG_DATA"
  (cd / && as_pg_user "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256) >"$ANJU_LOG_DIR/postgres-initdb.log" 2>&1 ||
    {
      show_log_tail "$ANJU_LOG_DIR/postgres-initdb.log"
      die "initdb failed"
    }
  printf "\n# Local Anju stack settings, rewritten by deploy/local/postgres.sh on every start.\ninclude_if_exists = 'anju.conf'\n" |
    as_pg_user tee -a "$PG_DATA/postgresql.conf" >/dev/null
}

write_conf() {
  as_pg_user tee "$PG_DATA/anju.conf" >/dev/null <<EOF
listen_addresses = '$ANJU_PG_HOST'
port = $ANJU_PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 200
shared_buffers = 128MB
log_timezone = 'UTC'
timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
}

ensure_role_and_databases() {
  local db_array dbs
  read -ra dbs <<<"$PG_DATABASES"
  db_array=$(printf "'%s'," "${dbs[@]}")
  db_array="ARRAY[${db_array%,}]"
  psql_super -v ON_ERROR_STOP=1 -v user="$ANJU_PG_USER" -v pw="$ANJU_PG_PASSWORD" <<SQL
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'user', :'pw')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'user', :'pw') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', d, :'user')
  FROM unnest($db_array) AS d
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d) \gexec
SQL
}

# For a server we did not start: create missing databases as the anju role (it has CREATEDB).
ensure_databases_as_anju() {
  local d dbs
  read -ra dbs <<<"$PG_DATABASES"
  for d in "${dbs[@]}"; do
    if [[ -z $(psql_anju -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$d'") ]]; then
      psql_anju -d postgres -q -c "CREATE DATABASE \"$d\" OWNER \"$ANJU_PG_USER\""
    fi
  done
}

cmd_start() {
  ensure_var_dirs
  [[ -n $PG_BIN ]] || die "PostgreSQL server binaries not found (deploy/local/install.sh installs postgresql)"
  [[ $PG_BIN == */$PG_VERSION_WANTED/bin ]] || warn "PostgreSQL $PG_VERSION_WANTED is not installed; using $PG_BIN"
  if ours_running; then
    ensure_role_and_databases
    log "postgres already running ($PG_DATA) on $ANJU_PG_HOST:$ANJU_PG_PORT"
    return 0
  fi
  if port_open "$ANJU_PG_HOST" "$ANJU_PG_PORT"; then
    if psql_anju -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
      warn "a PostgreSQL this script did not start answers on $ANJU_PG_HOST:$ANJU_PG_PORT and accepts role $ANJU_PG_USER; using it (postgres.sh stop will not touch it)"
      ensure_databases_as_anju
      return 0
    fi
    die "port $ANJU_PG_PORT is in use by something that is not our PostgreSQL and does not accept role $ANJU_PG_USER (set ANJU_PG_PORT)"
  fi
  init_cluster
  make_owned_dir "$PG_SOCK"
  write_conf
  as_pg_user touch "$PG_LOG"
  ln -sfn "$PG_LOG" "$ANJU_LOG_DIR/postgres.log"
  log "starting postgres ($PG_BIN) on $ANJU_PG_HOST:$ANJU_PG_PORT (log: $PG_LOG)"
  if ! pg_ctl -l "$PG_LOG" -w -t "$PG_START_TIMEOUT" start >/dev/null; then
    show_log_tail "$PG_LOG"
    die "postgres did not start"
  fi
  ensure_role_and_databases
  log "postgres ready on $ANJU_PG_HOST:$ANJU_PG_PORT (databases: $PG_DATABASES)"
}

cmd_stop() {
  if ours_running; then
    log "stopping postgres ($PG_DATA)"
    pg_ctl -m fast -w -t 60 stop >/dev/null
    log "postgres stopped"
  else
    log "postgres: no instance started by this stack is running; nothing to stop"
  fi
}

cmd_status() {
  if ours_running; then
    echo "postgres: running ($PG_DATA) on $ANJU_PG_HOST:$ANJU_PG_PORT"
  elif port_open "$ANJU_PG_HOST" "$ANJU_PG_PORT"; then
    echo "postgres: a server not started by this stack answers on $ANJU_PG_HOST:$ANJU_PG_PORT"
  else
    echo "postgres: stopped"
    return 1
  fi
}

# Stop the cluster and delete its files (used by `make clean`).
cmd_destroy() {
  cmd_stop
  if [[ -d $PG_HOME && ( $PG_HOME == "$ANJU_VAR_DIR"/* || $PG_HOME == /var/lib/postgresql/anju-* ) ]]; then
    log "removing $PG_HOME"
    rm -rf "$PG_HOME"
  fi
  if [[ $PG_SOCK == /tmp/anju-pg-* ]]; then rm -rf "$PG_SOCK"; fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  destroy) cmd_destroy ;;
  psql)
    shift
    psql_anju -d "${ANJU_PSQL_DB:-postgres}" "$@"
    ;;
  *)
    echo "usage: $0 {start|stop|status|destroy|psql [args]}" >&2
    exit 2
    ;;
esac
