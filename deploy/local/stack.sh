#!/usr/bin/env bash
# The whole local Anju stack, without Docker.
#
#   deploy/local/stack.sh infra-up   install what is missing; start PostgreSQL, Redis, Kafka; create topics
#   deploy/local/stack.sh up         infra-up, then migrate and start every service that exists under
#                                    supervisord (deploy/local/supervise.py), wait for each /readyz, print URLs
#   deploy/local/stack.sh down       stop what up started (services, Kafka, Redis, PostgreSQL), only that
#   deploy/local/stack.sh status     what runs; each service's state, pid, uptime and restart count
#   deploy/local/stack.sh services-down   stop only the services (infra keeps running)
#   deploy/local/stack.sh clean      down, then delete all local state ($ANJU_VAR_DIR)
#
# Running up (or infra-up) twice reuses what already runs. State, logs and pid files: $ANJU_VAR_DIR.
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE="$ANJU_ROOT/deploy/local"
SERVICES=(gateway jobs workers matching notifications console)
# supervisord restarts a service that exits (the others keep running); it writes its own pid file.
SUPERVISOR_PIDFILE="$ANJU_RUN_DIR/supervisord.pid"
SUPERVISOR_CONF="$ANJU_RUN_DIR/supervisord.conf"
SUPERVISOR_PROCFILE="$ANJU_RUN_DIR/Procfile"
SUPERVISE="$HERE/supervise.py"
SERVICES_LOG="$ANJU_LOG_DIR/services.log"
SERVICE_GROUPS_FILE="$ANJU_RUN_DIR/services.pgids"
READY_TIMEOUT="${ANJU_READY_TIMEOUT:-120}"

# Services whose package has a __main__ (so `python -m <name>` runs it), in start order.
present_services() {
  local name
  for name in "${SERVICES[@]}"; do
    if [[ -f $ANJU_ROOT/services/$name/src/$name/__main__.py || -f $ANJU_ROOT/$name/src/$name/__main__.py ]]; then
      echo "$name"
    fi
  done
}

service_port() {
  local var
  var="$(tr '[:lower:]' '[:upper:]' <<<"$1")_PORT"
  echo "${!var}"
}

# Base URL to reach a service (0.0.0.0 binds are reached through loopback).
service_url() {
  local host=$ANJU_HOST
  [[ $host == 0.0.0.0 || $host == "::" ]] && host=127.0.0.1
  echo "http://$host:$(service_port "$1")"
}

http_ok() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null -m 3 "$1" 2>/dev/null
  else
    "$ANJU_VENV_PY" -c 'import sys, urllib.request; sys.exit(urllib.request.urlopen(sys.argv[1], timeout=3).status != 200)' "$1" 2>/dev/null
  fi
}

create_topics() {
  if venv_has_module anju_common.topics; then
    log "creating topics (python -m anju_common.topics)"
    "$ANJU_VENV_PY" -m anju_common.topics
  else
    warn "anju_common.topics does not exist yet: topics not created (the broker auto-creates them on first use)"
  fi
}

cmd_infra_up() {
  ensure_var_dirs
  if [[ ${ANJU_SKIP_INSTALL:-0} == 1 ]]; then
    log "ANJU_SKIP_INSTALL=1: not checking packages, uv sync or the Kafka jars"
  else
    "$HERE/install.sh"
  fi
  "$HERE/postgres.sh" start
  "$HERE/redis.sh" start
  "$HERE/kafka.sh" start
  create_topics
  log "infra ready: postgres $ANJU_PG_HOST:$ANJU_PG_PORT, redis $ANJU_REDIS_URL, kafka $ANJU_KAFKA_BOOTSTRAP"
}

migrate() {
  local name=$1 mlog="$ANJU_LOG_DIR/migrate-$1.log"
  log "migrating $name"
  if ! (cd "$ANJU_ROOT" && "$ANJU_VENV_PY" -m "$name" migrate) </dev/null >"$mlog" 2>&1; then
    show_log_tail "$mlog"
    die "migrations of $name failed (log: $mlog)"
  fi
}

supervisor_pid() { pid_from_file "$SUPERVISOR_PIDFILE" "supervisord -c $SUPERVISOR_CONF"; }

# Process groups of the services supervisord runs (it starts each one in its own process group).
service_groups() {
  ps -eo pid=,ppid=,pgid= | awk -v h="$1" '
    { pid[NR] = $1; ppid[NR] = $2; pgid[NR] = $3; if ($3 == h) mine[$1] = 1 }
    END { for (i = 1; i <= NR; i++) if ((ppid[i] in mine) && pgid[i] != h) print pgid[i] }' | sort -u
}

# Stop leftover service process groups (listed in $1, one per line) that still run a Procfile command.
stop_leftover_groups() {
  local g
  for g in $1; do
    [[ $g =~ ^[0-9]+$ ]] || continue
    if pgrep -g "$g" -f '[.]venv/bin/python -m ' >/dev/null 2>&1; then
      warn "service process group $g outlived supervisord; stopping it"
      stop_pid "$g" 10 group
    fi
  done
}

stop_services() {
  local pid groups=""
  [[ -f $SERVICE_GROUPS_FILE ]] && groups=$(<"$SERVICE_GROUPS_FILE")
  if pid=$(supervisor_pid); then
    log "stopping services (supervisord pid $pid)"
    groups=$(printf '%s\n%s\n' "$groups" "$(service_groups "$pid")")
    # On SIGTERM supervisord stops every service (SIGTERM to its group, SIGKILL after stopwaitsecs), then exits.
    stop_pid "$pid" 45
    stop_leftover_groups "$groups"
    log "services stopped"
  elif [[ -n $groups ]]; then
    # supervisord died (e.g. SIGKILL) but its services may still run.
    stop_leftover_groups "$groups"
  else
    log "services: no instance started by this stack is running; nothing to stop"
  fi
  rm -f "$SUPERVISOR_PIDFILE" "$SERVICE_GROUPS_FILE"
}

start_services() {
  local names=("$@") pid new_procfile="$SUPERVISOR_PROCFILE.new" pattern
  pattern="^($(
    IFS='|'
    echo "${names[*]}"
  )):"
  grep -E "$pattern" "$ANJU_ROOT/Procfile" >"$new_procfile"
  if [[ " ${names[*]} " == *" matching "* ]]; then
    local replica
    for ((replica = 2; replica <= ANJU_MATCHING_REPLICAS; replica++)); do
      echo "matching-$replica: /usr/bin/env MATCHING_PORT=$((MATCHING_PORT + 10 * (replica - 1))) .venv/bin/python -m matching"
    done >>"$new_procfile"
  fi
  if pid=$(supervisor_pid); then
    if cmp -s "$new_procfile" "$SUPERVISOR_PROCFILE"; then
      rm -f "$new_procfile"
      log "services already running (supervisord pid $pid): ${names[*]}"
      return 0
    fi
    log "the set of services changed; restarting them"
    stop_services
  fi
  local name host=$ANJU_HOST
  [[ $host == 0.0.0.0 || $host == "::" ]] && host=127.0.0.1
  for name in "${names[@]}"; do
    if port_open "$host" "$(service_port "$name")"; then
      rm -f "$new_procfile"
      die "port $(service_port "$name") for $name is already in use by a process this stack did not start (set $(tr '[:lower:]' '[:upper:]' <<<"$name")_PORT)"
    fi
  done
  mv "$new_procfile" "$SUPERVISOR_PROCFILE"
  "$ANJU_VENV_PY" "$SUPERVISE" conf --procfile "$SUPERVISOR_PROCFILE" --run-dir "$ANJU_RUN_DIR" \
    --log-dir "$ANJU_LOG_DIR" --root "$ANJU_ROOT"
  log "starting services under supervisord: ${names[*]} (log: $SERVICES_LOG)"
  printf '\n==== %s stack.sh up: %s ====\n' "$(date -u +%FT%TZ)" "${names[*]}" >>"$SERVICES_LOG"
  cd "$ANJU_ROOT"
  # Behind the gateway, services accept only calls that carry its signed principal.
  ANJU_REQUIRE_PRINCIPAL="${ANJU_REQUIRE_PRINCIPAL:-true}" PYTHONUNBUFFERED=1 setsid nohup \
    "$ANJU_ROOT/.venv/bin/supervisord" -c "$SUPERVISOR_CONF" >>"$ANJU_LOG_DIR/supervisord.out" 2>&1 </dev/null &
  pid=$!
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -S $ANJU_RUN_DIR/supervisor.sock ]] && supervisor_pid >/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  show_log_tail "$ANJU_LOG_DIR/supervisord.out" 20
  die "supervisord did not start (log: $ANJU_LOG_DIR/supervisord.log)"
}

wait_ready() {
  local names=("$@") pending=("$@") still name deadline=$((SECONDS + READY_TIMEOUT))
  while ((${#pending[@]} > 0)); do
    still=()
    for name in "${pending[@]}"; do
      http_ok "$(service_url "$name")/readyz" || still+=("$name")
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]} == 0)) && break
    if ! supervisor_pid >/dev/null; then
      show_log_tail "$SERVICES_LOG" 60
      die "services exited during start-up (not ready: ${pending[*]})"
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "$SERVICES_LOG" 60
      die "not ready after ${READY_TIMEOUT}s: ${pending[*]} (still running; see $SERVICES_LOG, stop with: make down)"
    fi
    sleep 1
  done
  log "all services ready: ${names[*]}"
}

print_urls() {
  local name
  echo
  echo "Anju is up (every service answers /healthz, /readyz, /metrics and /docs):"
  for name in "$@"; do
    printf '  %-14s %s\n' "$name" "$(service_url "$name")"
  done
  printf '  %-14s %s\n' postgres "$ANJU_PG_HOST:$ANJU_PG_PORT (role $ANJU_PG_USER)" \
    kafka "$ANJU_KAFKA_BOOTSTRAP" redis "$ANJU_REDIS_URL" logs "$ANJU_LOG_DIR/"
  if [[ " $* " == *" console "* ]]; then
    echo "  office console: $(service_url console)  (log in with a staff account; make demo creates one)"
  fi
  echo "  stop with: make down"
}

cmd_up() {
  cmd_infra_up
  local names=()
  mapfile -t names < <(present_services)
  if ((${#names[@]} == 0)); then
    warn "no service has a __main__.py yet: only the infrastructure runs"
    print_urls
    return 0
  fi
  anju_secrets_ensure # first run: random secrets into $ANJU_VAR_DIR/secrets.env; later runs reuse them
  local name
  for name in "${names[@]}"; do migrate "$name"; done
  start_services "${names[@]}"
  wait_ready "${names[@]}"
  local pid
  if pid=$(supervisor_pid); then service_groups "$pid" >"$SERVICE_GROUPS_FILE"; fi
  print_urls "${names[@]}"
}

cmd_down() {
  stop_services
  "$HERE/kafka.sh" stop
  "$HERE/redis.sh" stop
  "$HERE/postgres.sh" stop
}

# Stop everything, then delete all local state (data, logs, pid files).
cmd_clean() {
  stop_services
  "$HERE/kafka.sh" stop
  "$HERE/redis.sh" stop
  "$HERE/postgres.sh" destroy
  log "removing $ANJU_VAR_DIR"
  rm -rf "$ANJU_VAR_DIR"
}

# Informational: always exits 0; each line says what runs.
cmd_status() {
  local name pid
  "$HERE/postgres.sh" status || true
  "$HERE/redis.sh" status || true
  "$HERE/kafka.sh" status || true
  if pid=$(supervisor_pid); then
    echo "services: supervisord running (pid $pid); restarts count since it started"
    "$ANJU_VENV_PY" "$SUPERVISE" status --run-dir "$ANJU_RUN_DIR" --log-dir "$ANJU_LOG_DIR" || true
  else
    echo "services: not running (make up starts them)"
  fi
  while read -r name; do
    if http_ok "$(service_url "$name")/readyz"; then
      echo "  $name: ready at $(service_url "$name")"
    else
      echo "  $name: not answering at $(service_url "$name")/readyz"
    fi
  done < <(present_services)
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  infra-up) cmd_infra_up ;;
  status) cmd_status ;;
  services-down) stop_services ;;
  clean) cmd_clean ;;
  *)
    echo "usage: $0 {up|down|infra-up|status|services-down|clean}" >&2
    exit 2
    ;;
esac
