#!/usr/bin/env bash
# npm run origin [-- --artifacts DIR] [-- any python -m edgespan_ml.origin flag]
# Ensures the Python env and the artifacts (builds the sample catalog's when none are given), takes
# the port from ORIGIN_PORT (default 8788) and the signing secret from ORIGIN_SECRET or else from
# .dev.vars, which `wrangler dev` reads for the Worker too (one is created there when missing).
#   --ensure-secret   only make sure .dev.vars has an ORIGIN_SECRET, then exit (npm start uses it)
set -euo pipefail
cd "$(dirname "$0")/.."

dev_vars_secret() {
  [ -f .dev.vars ] || return 0
  # last ORIGIN_SECRET=... line, surrounding quotes dropped
  sed -n 's/^[[:space:]]*ORIGIN_SECRET[[:space:]]*=[[:space:]]*//p' .dev.vars | tail -n 1 | sed 's/^"\(.*\)"$/\1/; s/^'"'"'\(.*\)'"'"'$/\1/'
}

ensure_secret() {
  if [ -n "$(dev_vars_secret)" ]; then return 0; fi
  local secret
  secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
  (umask 077; touch .dev.vars)
  # keep what is there; start on a new line if the file lacks a final newline
  if [ -s .dev.vars ] && [ -n "$(tail -c 1 .dev.vars)" ]; then echo >> .dev.vars; fi
  printf '# signs Worker -> origin requests (written by scripts/origin.sh)\nORIGIN_SECRET=%s\n' "$secret" >> .dev.vars
  echo "origin: wrote a new ORIGIN_SECRET to .dev.vars" >&2
}

if [ "${1:-}" = "--ensure-secret" ]; then
  ensure_secret
  exit 0
fi

artifacts="${ORIGIN_ARTIFACTS:-}"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --artifacts) artifacts="${args[$((i + 1))]:-}" ;;
    --artifacts=*) artifacts="${args[$i]#--artifacts=}" ;;
  esac
done

bash scripts/python-env.sh
if [ -z "$artifacts" ]; then
  artifacts=.edgespan/semantic/sample
  # the build resumes per stage, so a finished one costs only its checks; stdout stays the origin's
  echo "origin: building the sample catalog's semantic artifacts where missing (first run: about a minute)…" >&2
  .venv/bin/python -m edgespan_ml.semantic.build --catalog sample --out "$artifacts" >&2
fi

if [ -z "${ORIGIN_SECRET:-}" ]; then
  ensure_secret
  ORIGIN_SECRET="$(dev_vars_secret)"
  export ORIGIN_SECRET
fi
export ORIGIN_PORT="${ORIGIN_PORT:-8788}"
exec .venv/bin/python -m edgespan_ml.origin --artifacts "$artifacts" "$@"
