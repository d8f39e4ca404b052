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
rc=0
"$ANJU_ROOT/.venv/bin/pytest" "$@" || rc=$?
case $rc in
  0) log "TESTS PASSED" ;;
  5) log "TESTS FAILED: pytest collected no tests (exit 5); an empty test run does not count as a pass" ;;
  *) log "TESTS FAILED: pytest exit code $rc" ;;
esac
exit "$rc"
