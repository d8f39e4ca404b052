#!/usr/bin/env bash
# Install the console's browser libraries from the npm registry (npm ci, as package-lock.json pins them) and
# copy the files the pages load into the console's static folder. Nothing here is committed; `make up`,
# `make test` and the browser tests run this. Safe to run again: it does nothing when the files are current.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vendor="$here/src/console/static/vendor"
stamp="$vendor/.package-lock.sha"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [[ -f $stamp && "$(cat "$stamp")" == "$want" && -f $vendor/htmx.min.js && -f $vendor/sse.min.js ]]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "console/build.sh: npm is missing (apt-get install npm)" >&2; exit 1; }
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error) </dev/null
mkdir -p "$vendor"
cp "$here/node_modules/htmx.org/dist/htmx.min.js" "$vendor/htmx.min.js"
cp "$here/node_modules/htmx-ext-sse/dist/sse.min.js" "$vendor/sse.min.js"
cp "$here/node_modules/htmx.org/LICENSE" "$vendor/htmx.LICENSE"
echo "$want" >"$stamp"
