# shellcheck shell=bash
# Default environment for the local Anju stack. Source it, don't execute it:
#
#     . deploy/local/env.sh
#
# Every variable is set only if it is not already set, so anything can be overridden from the
# calling shell (e.g. `ANJU_KAFKA_PORT=19092 make up`). The Makefile, deploy/local/*.sh and the
# test runner all read their settings from here; docker-compose.yml uses the same names.

_anju_env_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ANJU_ROOT="${ANJU_ROOT:-$_anju_env_root}"
unset _anju_env_root

# Where the local stack keeps its state (data, logs, pid files). Git-ignored; `make clean` removes it.
export ANJU_VAR_DIR="${ANJU_VAR_DIR:-$ANJU_ROOT/var}"
# Downloads that live outside the repository (the Kafka jars).
export ANJU_CACHE_DIR="${ANJU_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/anju}"

# Database: postgres (what tests and production use) or sqlite (embedded, quick single-machine run).
export ANJU_DB="${ANJU_DB:-postgres}"
export ANJU_PG_HOST="${ANJU_PG_HOST:-127.0.0.1}"
export ANJU_PG_PORT="${ANJU_PG_PORT:-5432}"
export ANJU_PG_USER="${ANJU_PG_USER:-anju}"
export ANJU_PG_PASSWORD="${ANJU_PG_PASSWORD:-anju}"
# Server URL without a database name: each service appends its own (anju_jobs, anju_workers, ...).
export ANJU_PG_URL="${ANJU_PG_URL:-postgresql+psycopg://${ANJU_PG_USER}:${ANJU_PG_PASSWORD}@${ANJU_PG_HOST}:${ANJU_PG_PORT}}"

# Kafka (KRaft): one combined broker+controller, or ANJU_KAFKA_BROKERS=3 of them (deploy/local/kafka.sh),
# node i on ANJU_KAFKA_PORT + 2(i-1) unless ANJU_KAFKA_PORTS lists the ports.
export ANJU_KAFKA_VERSION="${ANJU_KAFKA_VERSION:-4.1.1}"
export ANJU_KAFKA_BROKERS="${ANJU_KAFKA_BROKERS:-1}"
export ANJU_KAFKA_HOST="${ANJU_KAFKA_HOST:-127.0.0.1}"
export ANJU_KAFKA_PORT="${ANJU_KAFKA_PORT:-9092}"
export ANJU_KAFKA_CONTROLLER_PORT="${ANJU_KAFKA_CONTROLLER_PORT:-9093}"
if [[ -z ${ANJU_KAFKA_BOOTSTRAP:-} ]]; then
  if [[ -n ${ANJU_KAFKA_PORTS:-} ]]; then
    ANJU_KAFKA_BOOTSTRAP=$(tr ',' '\n' <<<"$ANJU_KAFKA_PORTS" | sed "s/^/${ANJU_KAFKA_HOST}:/" | paste -sd, -)
  else
    ANJU_KAFKA_BOOTSTRAP="${ANJU_KAFKA_HOST}:${ANJU_KAFKA_PORT}"
    for ((_anju_i = 1; _anju_i < ANJU_KAFKA_BROKERS; _anju_i++)); do
      ANJU_KAFKA_BOOTSTRAP+=",${ANJU_KAFKA_HOST}:$((ANJU_KAFKA_PORT + 2 * _anju_i))"
    done
    unset _anju_i
  fi
fi
export ANJU_KAFKA_BOOTSTRAP
# Replication of Anju's topics (python -m anju_common.topics) and of Kafka's own: 3 and min.insync 2 with
# three brokers, 1 and 1 with one.
export ANJU_KAFKA_REPLICATION_FACTOR="${ANJU_KAFKA_REPLICATION_FACTOR:-$((ANJU_KAFKA_BROKERS < 3 ? ANJU_KAFKA_BROKERS : 3))}"
export ANJU_KAFKA_MIN_INSYNC_REPLICAS="${ANJU_KAFKA_MIN_INSYNC_REPLICAS:-$((ANJU_KAFKA_REPLICATION_FACTOR >= 3 ? 2 : 1))}"

# Redis.
export ANJU_REDIS_HOST="${ANJU_REDIS_HOST:-127.0.0.1}"
export ANJU_REDIS_PORT="${ANJU_REDIS_PORT:-6379}"
export ANJU_REDIS_URL="${ANJU_REDIS_URL:-redis://${ANJU_REDIS_HOST}:${ANJU_REDIS_PORT}/0}"

# HTTP services: bind address and one port each.
export ANJU_HOST="${ANJU_HOST:-127.0.0.1}"
export GATEWAY_PORT="${GATEWAY_PORT:-8000}"
export JOBS_PORT="${JOBS_PORT:-8001}"
export WORKERS_PORT="${WORKERS_PORT:-8002}"
export MATCHING_PORT="${MATCHING_PORT:-8003}"
export NOTIFICATIONS_PORT="${NOTIFICATIONS_PORT:-8004}"

# uv: never download a Python interpreter; use the one on the machine.
export UV_PYTHON_DOWNLOADS="${UV_PYTHON_DOWNLOADS:-never}"
