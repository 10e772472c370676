#!/usr/bin/env bash
# npm start: install what is missing, then hand over to scripts/start.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/tsx ]; then
  echo "installing npm packages (first run)…"
  npm ci --no-audit --no-fund
fi
exec node_modules/.bin/tsx scripts/start.ts "$@"
