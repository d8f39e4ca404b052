#!/usr/bin/env bash
# Run pytest with the environment of deploy/local/env.sh. Used by `make test` / `make test-unit`.
#
#   deploy/local/run-tests.sh [pytest args...]
#
# pytest's exit code 5 ("no tests collected") is a failure here: an empty or mis-selected suite must
# never pass silently.
set -euo pipefail

# Tests run with their own secrets (the pytest plugin sets test mode too), never the stack's var/secrets.env.
export ANJU_ENV=test
# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x $ANJU_ROOT/.venv/bin/pytest ]] || die "no .venv/bin/pytest: run 'make install' first"
ensure_var_dirs
cd "$ANJU_ROOT"
PYTEST=$ANJU_ROOT/.venv/bin/pytest

# The whole suite runs as two shards side by side: the modules marked `standalone` start stacks or brokers
# of their own and mostly wait on them, so they overlap well with the rest (each shard has its own run
# prefix, databases and topics). ANJU_TEST_SHARDS=1 runs one pytest; a run that names tests or selects
# with -m/-k/-x is never split.
shardable() {
  [[ ${ANJU_TEST_SHARDS:-2} != 1 ]] || return 1
  while (($#)); do
    case $1 in
      -p | -o | -W | --timeout | --durations | --basetemp) shift ;;
      -m | -k | -x | --exitfirst | --lf | --last-failed | --pdb | -m* | -k*) return 1 ;;
      -*) ;;
      *) return 1 ;;
    esac
    shift
  done
}

rc=0
if shardable "$@"; then
  side_log=$ANJU_LOG_DIR/tests-standalone.log
  log "running the standalone modules beside the rest (their output: $side_log, printed at the end)"
  # The slowest tests of each shard are listed, so the suite's time budget can be kept in view.
  "$PYTEST" -m standalone --durations=15 "$@" >"$side_log" 2>&1 &
  side=$!
  main_rc=0
  "$PYTEST" -m "not standalone" --durations=40 "$@" || main_rc=$?
  side_rc=0
  wait "$side" || side_rc=$?
  printf '\n===== standalone modules (pytest -m standalone) =====\n'
  cat "$side_log"
  log "shards: the rest exited $main_rc, the standalone modules $side_rc"
  rc=$main_rc
  if ((rc == 0 || rc == 5)) && ((side_rc != 0)); then rc=$side_rc; fi
else
  "$PYTEST" "$@" || rc=$?
fi
case $rc in
  0) log "TESTS PASSED" ;;
  5) log "TESTS FAILED: pytest collected no tests (exit 5); an empty test run does not count as a pass" ;;
  *) log "TESTS FAILED: pytest exit code $rc" ;;
esac
exit "$rc"
