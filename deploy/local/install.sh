#!/usr/bin/env bash
# Install whatever the local Anju stack needs and is missing. Safe to run again: each step is
# skipped when its result is already there. Works unattended (CI=true, no stdin).
#
#   1. Debian packages: postgresql, redis-server (+ a Java 17 runtime and Maven if missing)
#   2. uv (pip install uv) if missing
#   3. Python dependencies: uv sync --frozen (uv sync when there is no uv.lock yet)
#   4. The console's browser libraries from the npm registry (console/build.sh: npm ci)
#   5. Apache Kafka jars from Maven Central (deploy/local/kafka.sh fetch)
#   6. kustomize (for the deploy/k8s test) with `go install` into $ANJU_CACHE_DIR/bin, when Go is there
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export DEBIAN_FRONTEND=noninteractive

# Run a command as root (directly, or through passwordless sudo).
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n DEBIAN_FRONTEND=noninteractive "$@"
  else
    die "need root to run: $* (install these packages yourself, then re-run)"
  fi
}

install_apt_packages() {
  local missing=()
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
  command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  anju_python >/dev/null || missing+=(python3 python3-pip python3-venv)
  # The office console: npm installs its browser libraries; its browser tests drive Debian's chromium.
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  compgen -G '/usr/share/fonts/opentype/noto/NotoSansCJK*' >/dev/null || missing+=(fonts-noto-cjk)
  if ((${#missing[@]} == 0)); then
    log "debian packages: already installed"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
  local apt_log="$ANJU_LOG_DIR/install-apt.log" policy=/usr/sbin/policy-rc.d added_policy=0
  log "installing debian packages: ${missing[*]} (log: $apt_log)"
  # Packages must not start their own system-wide services (Debian's postgresql 15/main, the system
  # redis): our scripts start private instances on the same ports.
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 0755 "$policy"
    added_policy=1
  fi
  local rc=0
  {
    as_root apt-get update -q &&
      as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
  } </dev/null >"$apt_log" 2>&1 || rc=$?
  if ((added_policy)); then as_root rm -f "$policy"; fi
  if ((rc != 0)); then
    show_log_tail "$apt_log"
    die "apt-get failed (exit $rc)"
  fi
  log "debian packages installed"
}

install_uv() {
  if command -v uv >/dev/null 2>&1; then
    log "uv: $(uv --version)"
    return 0
  fi
  local py
  py=$(anju_python) || die "no python3 found to install uv with"
  if "$py" -m uv --version >/dev/null 2>&1; then
    log "uv: $("$py" -m uv --version) (as $py -m uv)"
    return 0
  fi
  log "installing uv with $py -m pip"
  "$py" -m pip install -q uv </dev/null ||
    "$py" -m pip install -q --user --break-system-packages uv </dev/null ||
    die "pip install uv failed"
  hash -r
  log "uv: $(uv_cmd --version)"
}

sync_python() {
  # Bytecode compiled once at install: a service start otherwise compiles every module it imports again
  # where PYTHONDONTWRITEBYTECODE is set (6.8 s of CPU to import the gateway instead of 2.4 s).
  local sync_log="$ANJU_LOG_DIR/install-uv.log" args=(sync --compile-bytecode)
  [[ -f $ANJU_ROOT/uv.lock ]] && args+=(--frozen)
  if command -v python3.11 >/dev/null 2>&1; then args+=(--python python3.11); fi
  log "python deps: uv ${args[*]} (log: $sync_log)"
  if ! (cd "$ANJU_ROOT" && uv_cmd "${args[@]}") </dev/null >"$sync_log" 2>&1; then
    show_log_tail "$sync_log"
    die "uv sync failed"
  fi
}

KUSTOMIZE_VERSION=v5.5.0

install_kustomize() {
  local bin="$ANJU_CACHE_DIR/bin" klog="$ANJU_LOG_DIR/install-kustomize.log"
  if command -v kustomize >/dev/null 2>&1 || [[ -x $bin/kustomize ]]; then
    log "kustomize: present"
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    warn "no Go toolchain: kustomize not installed (tests/deploy/test_k8s.py renders with its own loader)"
    return 0
  fi
  log "installing kustomize $KUSTOMIZE_VERSION with go install (log: $klog)"
  mkdir -p "$bin"
  if ! GOBIN="$bin" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" </dev/null >"$klog" 2>&1; then
    show_log_tail "$klog" 10
    warn "go install kustomize failed; tests/deploy/test_k8s.py falls back to its own loader"
  fi
}

ensure_var_dirs
install_apt_packages
install_uv
sync_python
log "console assets: npm ci (console/build.sh)"
"$ANJU_ROOT/console/build.sh" || die "console/build.sh failed"
"$ANJU_ROOT/deploy/local/kafka.sh" fetch
install_kustomize
log "install: done"
