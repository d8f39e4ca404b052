# shellcheck shell=bash
# Helpers shared by deploy/local/*.sh. Sourced, never executed.

# shellcheck source=deploy/local/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

ANJU_RUN_DIR="$ANJU_VAR_DIR/run"
ANJU_LOG_DIR="$ANJU_VAR_DIR/log"
ANJU_VENV_PY="$ANJU_ROOT/.venv/bin/python"
# pip --user installs (e.g. uv) land here.
case ":$PATH:" in
  *":${HOME:-/nonexistent}/.local/bin:"*) ;;
  *) PATH="${HOME:-/nonexistent}/.local/bin:$PATH" ;;
esac
export PATH

log() { printf '[anju] %s\n' "$*" >&2; }
warn() { printf '[anju] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[anju] ERROR: %s\n' "$*" >&2
  exit 1
}

ensure_var_dirs() {
  mkdir -p "$ANJU_VAR_DIR" "$ANJU_RUN_DIR" "$ANJU_LOG_DIR"
}

# True if something accepts TCP connections on host:port.
port_open() {
  local host=$1 port=$2
  # shellcheck disable=SC2016  # $0/$1 are expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
}

# Print the pid stored in pidfile $1 if that process is alive and its command line contains $2.
# Returns 1 otherwise (stale or foreign pid files are never trusted).
pid_from_file() {
  local pidfile=$1 pattern=$2 pid
  [[ -s $pidfile ]] || return 1
  pid=$(head -n1 "$pidfile" | tr -dc '0-9')
  [[ -n $pid ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pattern" || return 1
  printf '%s\n' "$pid"
}

# Send SIGTERM to pid $1 (or to process group -$1 when $3 is "group"), wait up to $2 seconds,
# then SIGKILL if it is still there.
stop_pid() {
  local pid=$1 wait_s=$2 mode=${3:-pid} target i
  target=$pid
  [[ $mode == group ]] && target="-$pid"
  kill -TERM -- "$target" 2>/dev/null || return 0
  for ((i = 0; i < wait_s * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  warn "pid $pid did not stop within ${wait_s}s; sending SIGKILL"
  kill -KILL -- "$target" 2>/dev/null || true
  sleep 0.5
}

# Run a command as the "service" OS user: postgres when we are root (PostgreSQL refuses to run as
# root), the current user otherwise.
as_pg_user() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Tail a log file to stderr (for failure messages).
show_log_tail() {
  local file=$1 n=${2:-40}
  if [[ -f $file ]]; then
    printf '[anju] ---- last %s lines of %s ----\n' "$n" "$file" >&2
    tail -n "$n" "$file" >&2 || true
    printf '[anju] ----\n' >&2
  fi
}

# The uv command: the binary on PATH, else the uv that pip installed as a module.
uv_cmd() {
  if command -v uv >/dev/null 2>&1; then
    uv "$@"
  else
    "$(anju_python)" -m uv "$@"
  fi
}

# The system Python used to bootstrap uv (python3.11 preferred).
anju_python() {
  local p
  for p in python3.11 python3 python; do
    if command -v "$p" >/dev/null 2>&1; then
      printf '%s\n' "$p"
      return 0
    fi
  done
  return 1
}

# True if the project's virtualenv exists and can import module $1.
venv_has_module() {
  [[ -x $ANJU_VENV_PY ]] && "$ANJU_VENV_PY" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('$1') is None)" 2>/dev/null
}
