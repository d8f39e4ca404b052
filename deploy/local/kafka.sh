#!/usr/bin/env bash
# Apache Kafka (KRaft) for the local Anju stack, without Docker: one combined broker+controller by default,
# or ANJU_KAFKA_BROKERS=3 combined nodes on 127.0.0.1 (a three-voter controller quorum, replication factor 3,
# min.insync.replicas 2) so that one broker may die while producing and consuming go on.
#
#   deploy/local/kafka.sh fetch    copy the broker's runtime jars from Maven Central into
#                                  $ANJU_CACHE_DIR/kafka-<version>/libs (skipped when present)
#   deploy/local/kafka.sh start    format storage once, start the broker, wait for a metadata answer
#   deploy/local/kafka.sh stop     stop the broker this script started (SIGTERM, then wait)
#   deploy/local/kafka.sh status   say whether it runs
#   deploy/local/kafka.sh topics   list topics
#
# One broker: data in $ANJU_VAR_DIR/kafka/data (a restart keeps topics and offsets), log in
# $ANJU_VAR_DIR/log/kafka.log, pid in $ANJU_VAR_DIR/run/kafka.pid. Several: node i (1..N) keeps its data in
# $ANJU_VAR_DIR/kafka/node-i/data, logs to kafka-i.log, pid in kafka-i.pid. Node i listens on the i-th of
# ANJU_KAFKA_PORTS / ANJU_KAFKA_CONTROLLER_PORTS (comma lists), by default ANJU_KAFKA_PORT + 2(i-1) and
# ANJU_KAFKA_CONTROLLER_PORT + 2(i-1) (9092, 9094, 9096 and 9093, 9095, 9097).
#
#   deploy/local/kafka.sh stop-node I / start-node I   stop or start one node of several (fault drills)
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_VERSION="$ANJU_KAFKA_VERSION"
KAFKA_HOME="$ANJU_CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_POM="$ANJU_ROOT/deploy/local/kafka/pom.xml"
KAFKA_ROOT_DIR="$ANJU_VAR_DIR/kafka"
KAFKA_TOOLS_LOG4J="$KAFKA_ROOT_DIR/tools-log4j2.xml"
KAFKA_HEAP="${ANJU_KAFKA_HEAP:-512m}"
KAFKA_START_TIMEOUT="${ANJU_KAFKA_START_TIMEOUT:-120}"
KAFKA_NODES="${ANJU_KAFKA_BROKERS:-1}"
[[ $KAFKA_NODES =~ ^[1-9]$ ]] || die "ANJU_KAFKA_BROKERS must be a number from 1 to 9 (got $KAFKA_NODES)"
# Replication of Anju's and Kafka's internal topics: 3 (at most the broker count); min.insync.replicas 2
# from three brokers on, so acks=all survives one broker down and never acknowledges a single copy.
KAFKA_RF="${ANJU_KAFKA_REPLICATION_FACTOR:-$((KAFKA_NODES < 3 ? KAFKA_NODES : 3))}"
KAFKA_MIN_ISR="${ANJU_KAFKA_MIN_INSYNC_REPLICAS:-$((KAFKA_RF >= 3 ? 2 : 1))}"

# The i-th entry (1-based) of a comma list $1, else base $2 + 2(i-1).
nth_port() {
  local list=$1 base=$2 i=$3 parts
  if [[ -n $list ]]; then
    IFS=',' read -r -a parts <<<"$list"
    ((${#parts[@]} >= i)) || die "ANJU_KAFKA_PORTS/ANJU_KAFKA_CONTROLLER_PORTS lists fewer than $KAFKA_NODES ports"
    echo "${parts[i - 1]}"
  else
    echo $((base + 2 * (i - 1)))
  fi
}

# Set the per-node globals for node $1 (1..KAFKA_NODES).
node_vars() {
  NODE=$1
  NODE_PORT=$(nth_port "${ANJU_KAFKA_PORTS:-}" "$ANJU_KAFKA_PORT" "$NODE")
  NODE_CPORT=$(nth_port "${ANJU_KAFKA_CONTROLLER_PORTS:-}" "$ANJU_KAFKA_CONTROLLER_PORT" "$NODE")
  NODE_BOOTSTRAP="$ANJU_KAFKA_HOST:$NODE_PORT"
  if ((KAFKA_NODES == 1)); then
    KAFKA_DIR="$KAFKA_ROOT_DIR"
    KAFKA_PIDFILE="$ANJU_RUN_DIR/kafka.pid"
    KAFKA_LOG="$ANJU_LOG_DIR/kafka.log"
    KAFKA_OUT="$ANJU_LOG_DIR/kafka.out"
  else
    KAFKA_DIR="$KAFKA_ROOT_DIR/node-$NODE"
    KAFKA_PIDFILE="$ANJU_RUN_DIR/kafka-$NODE.pid"
    KAFKA_LOG="$ANJU_LOG_DIR/kafka-$NODE.log"
    KAFKA_OUT="$ANJU_LOG_DIR/kafka-$NODE.out"
  fi
  KAFKA_DATA="$KAFKA_DIR/data"
  KAFKA_CONF="$KAFKA_DIR/server.properties"
  KAFKA_LOG4J="$KAFKA_DIR/log4j2.xml"
  KAFKA_PID_PATTERN="kafka.Kafka $KAFKA_CONF"
}

quorum_voters() {
  local i voters=""
  for ((i = 1; i <= KAFKA_NODES; i++)); do
    voters+="${voters:+,}$i@$ANJU_KAFKA_HOST:$(nth_port "${ANJU_KAFKA_CONTROLLER_PORTS:-}" "$ANJU_KAFKA_CONTROLLER_PORT" "$i")"
  done
  echo "$voters"
}

require_java() {
  command -v java >/dev/null 2>&1 || die "java not found (deploy/local/install.sh installs openjdk-17-jre-headless)"
}

cmd_fetch() {
  if [[ -f $KAFKA_LIBS/.complete ]]; then
    log "kafka $KAFKA_VERSION jars already in $KAFKA_LIBS"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found (deploy/local/install.sh installs maven)"
  ensure_var_dirs
  mkdir -p "$KAFKA_HOME"
  local tmp="$KAFKA_HOME/libs.tmp.$$" fetch_log="$ANJU_LOG_DIR/kafka-fetch.log"
  rm -rf "$tmp"
  log "fetching Apache Kafka $KAFKA_VERSION runtime jars from Maven Central (log: $fetch_log)"
  if ! mvn -B -q -f "$KAFKA_POM" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$fetch_log" 2>&1; then
    show_log_tail "$fetch_log"
    rm -rf "$tmp"
    die "maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
  fi
  [[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar ]] || die "kafka_2.13-$KAFKA_VERSION.jar missing after maven run"
  touch "$tmp/.complete"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  log "kafka $KAFKA_VERSION: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in $KAFKA_LIBS"
}

write_config() {
  mkdir -p "$KAFKA_DATA"
  cat >"$KAFKA_CONF" <<EOF
# Generated by deploy/local/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=${NODE}
controller.quorum.voters=$(quorum_voters)
listeners=PLAINTEXT://${ANJU_KAFKA_HOST}:${NODE_PORT},CONTROLLER://${ANJU_KAFKA_HOST}:${NODE_CPORT}
advertised.listeners=PLAINTEXT://${ANJU_KAFKA_HOST}:${NODE_PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${KAFKA_DATA}
num.partitions=3
default.replication.factor=${KAFKA_RF}
min.insync.replicas=${KAFKA_MIN_ISR}
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=${KAFKA_RF}
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=${KAFKA_RF}
transaction.state.log.min.isr=${KAFKA_MIN_ISR}
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=${KAFKA_RF}
share.coordinator.state.topic.min.isr=${KAFKA_MIN_ISR}
share.coordinator.state.topic.num.partitions=10
group.initial.rebalance.delay.ms=0
# A node waits this long for the quorum before giving up (default 60 s; slow machines start JVMs slowly).
initial.broker.registration.timeout.ms=600000
log.retention.hours=168
EOF
  cat >"$KAFKA_LOG4J" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by deploy/local/kafka.sh. Broker log: ${KAFKA_LOG} -->
<Configuration status="WARN">
  <Appenders>
    <RollingFile name="file" fileName="${KAFKA_LOG}" filePattern="${KAFKA_LOG}.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <Policies><SizeBasedTriggeringPolicy size="50 MB"/></Policies>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="kafka.controller" level="INFO"/>
    <Logger name="org.apache.kafka" level="INFO"/>
    <Root level="INFO"><AppenderRef ref="file"/></Root>
  </Loggers>
</Configuration>
EOF
  mkdir -p "$KAFKA_ROOT_DIR"
  cat >"$KAFKA_TOOLS_LOG4J" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders><Console name="stderr" target="SYSTEM_ERR"><PatternLayout pattern="%p %m%n"/></Console></Appenders>
  <Loggers><Root level="WARN"><AppenderRef ref="stderr"/></Root></Loggers>
</Configuration>
EOF
}

kafka_tool() {
  java -Xmx256m -Dlog4j2.configurationFile="$KAFKA_TOOLS_LOG4J" -cp "$KAFKA_LIBS/*" "$@"
}

format_storage() {
  if [[ -f $KAFKA_DATA/meta.properties ]]; then
    return 0
  fi
  local cluster_id
  # One cluster id for every node of the cluster.
  if [[ -s $KAFKA_ROOT_DIR/cluster.id ]]; then
    cluster_id=$(<"$KAFKA_ROOT_DIR/cluster.id")
  else
    cluster_id=$(kafka_tool kafka.tools.StorageTool random-uuid | tail -n1)
    printf '%s\n' "$cluster_id" >"$KAFKA_ROOT_DIR/cluster.id"
  fi
  log "formatting Kafka storage in $KAFKA_DATA (cluster id $cluster_id)"
  kafka_tool kafka.tools.StorageTool format --ignore-formatted -t "$cluster_id" -c "$KAFKA_CONF" >/dev/null
}

# True once the broker answers a metadata request.
metadata_ok() {
  port_open "$ANJU_KAFKA_HOST" "$NODE_PORT" || return 1
  if venv_has_module kafka; then
    "$ANJU_VENV_PY" - "$NODE_BOOTSTRAP" >/dev/null 2>&1 <<'PY'
import sys

from kafka import KafkaAdminClient

admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=5000)
try:
    admin.list_topics()
finally:
    admin.close()
PY
  else
    # No Python client yet (before `uv sync`): fall back to the broker's own "started" line.
    grep -q 'Kafka Server started' "$KAFKA_LOG" 2>/dev/null
  fi
}

# Launch node $NODE unless it runs; prints its pid, or nothing when a broker this script did not start answers.
launch_node() {
  local pid
  if pid=$(pid_from_file "$KAFKA_PIDFILE" "$KAFKA_PID_PATTERN"); then
    echo "$pid"
    return 0
  fi
  rm -f "$KAFKA_PIDFILE"
  if port_open "$ANJU_KAFKA_HOST" "$NODE_PORT"; then
    if metadata_ok; then
      warn "a Kafka broker that this script did not start answers on $NODE_BOOTSTRAP; using it (kafka.sh stop will not touch it)"
      return 0
    fi
    die "port $NODE_PORT is in use by something that is not Kafka (set ANJU_KAFKA_PORT or ANJU_KAFKA_PORTS)"
  fi
  if port_open "$ANJU_KAFKA_HOST" "$NODE_CPORT"; then
    die "controller port $NODE_CPORT is in use (set ANJU_KAFKA_CONTROLLER_PORT or ANJU_KAFKA_CONTROLLER_PORTS)"
  fi
  log "starting kafka $KAFKA_VERSION node $NODE/$KAFKA_NODES on $NODE_BOOTSTRAP (log: $KAFKA_LOG)"
  # setsid: own session, so a Ctrl-C in the calling shell does not reach the broker.
  setsid nohup java "-Xms256m" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_LOG4J" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONF" >>"$KAFKA_OUT" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$KAFKA_PIDFILE"
  echo "$pid"
}

# Wait until node $NODE (pid $1, may be empty for an outside broker) answers a metadata request.
wait_node() {
  local pid=$1 deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  until metadata_ok; do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$KAFKA_PIDFILE"
      show_log_tail "$KAFKA_OUT" 20
      show_log_tail "$KAFKA_LOG"
      die "kafka node $NODE exited during start-up"
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "$KAFKA_LOG"
      die "kafka node $NODE did not answer on $NODE_BOOTSTRAP within ${KAFKA_START_TIMEOUT}s (pid $pid still running)"
    fi
    sleep 1
  done
  log "kafka node $NODE ready on $NODE_BOOTSTRAP${pid:+ (pid $pid)}"
}

# Start nodes $@ together (a multi-node quorum needs a majority up before any node answers), then wait.
start_nodes() {
  ensure_var_dirs
  require_java
  cmd_fetch
  local i pids=()
  # Format every node first (a JVM run each): launched one after another, the first node could give up
  # waiting for a quorum while the others were still being formatted.
  for i in "$@"; do
    node_vars "$i"
    if ! pid_from_file "$KAFKA_PIDFILE" "$KAFKA_PID_PATTERN" >/dev/null; then
      write_config
      format_storage
    fi
  done
  for i in "$@"; do
    node_vars "$i"
    pids[i]=$(launch_node)
  done
  for i in "$@"; do
    node_vars "$i"
    wait_node "${pids[i]}"
  done
}

# SIGTERM nodes $@ together (stopping them one by one would leave the last ones without a quorum), then wait.
stop_nodes() {
  local i pid pids=()
  for i in "$@"; do
    node_vars "$i"
    if pid=$(pid_from_file "$KAFKA_PIDFILE" "$KAFKA_PID_PATTERN"); then
      log "stopping kafka node $i (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    else
      log "kafka node $i: no instance started by this stack is running; nothing to stop"
    fi
  done
  for pid in "${pids[@]+"${pids[@]}"}"; do stop_pid "$pid" 90; done
  for i in "$@"; do
    node_vars "$i"
    rm -f "$KAFKA_PIDFILE"
  done
  ((${#pids[@]} == 0)) || log "kafka stopped"
}

all_nodes() { seq 1 "$KAFKA_NODES"; }

one_node() {
  [[ ${1:-} =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= KAFKA_NODES)) || die "node must be 1..$KAFKA_NODES"
  echo "$1"
}

cmd_status() {
  local i pid rc=0
  for i in $(all_nodes); do
    node_vars "$i"
    local what="kafka"
    ((KAFKA_NODES == 1)) || what="kafka node $i/$KAFKA_NODES"
    if pid=$(pid_from_file "$KAFKA_PIDFILE" "$KAFKA_PID_PATTERN"); then
      if metadata_ok; then
        echo "$what: running (pid $pid) on $NODE_BOOTSTRAP"
      else
        echo "$what: process $pid running but not answering on $NODE_BOOTSTRAP"
        rc=1
      fi
    elif metadata_ok; then
      echo "$what: a broker not started by this stack answers on $NODE_BOOTSTRAP"
    else
      echo "$what: stopped"
      rc=1
    fi
  done
  return "$rc"
}

cmd_topics() {
  venv_has_module kafka || die "kafka-python is not installed in .venv (run deploy/local/install.sh)"
  "$ANJU_VENV_PY" - "$ANJU_KAFKA_BOOTSTRAP" <<'PY'
import sys

from kafka import KafkaAdminClient

admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=10000)
try:
    names = sorted(t for t in admin.list_topics() if not t.startswith("__"))
    described = {}
    for d in admin.describe_topics(names) if names else []:
        parts = d["partitions"]
        rf = max((len(p["replica_nodes"]) for p in parts), default=0)
        described[d.get("name", d.get("topic"))] = f"{len(parts)} partitions, replication factor {rf}"
    for name in names:
        print(f"{name}\t{described.get(name, '?')}")
    if not names:
        print("(no topics)")
finally:
    admin.close()
PY
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) mapfile -t _nodes < <(all_nodes) && start_nodes "${_nodes[@]}" ;;
  stop) mapfile -t _nodes < <(all_nodes) && stop_nodes "${_nodes[@]}" ;;
  start-node) start_nodes "$(one_node "${2:-}")" ;;
  stop-node) stop_nodes "$(one_node "${2:-}")" ;;
  status) cmd_status ;;
  topics) cmd_topics ;;
  *)
    echo "usage: $0 {fetch|start|stop|status|topics|start-node I|stop-node I}" >&2
    exit 2
    ;;
esac
