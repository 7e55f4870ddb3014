#!/usr/bin/env bash
# Runs the graphql-http server audit (the GraphQL over HTTP spec's test suite) against a
# Journey Graph service and prints "N/M pass". Needs Node 18+ and npm.
#
#   scripts/graphql_http_audit.sh                      # starts a throwaway service itself
#   AUDIT_URL=http://host:8000/graphql AUDIT_TOKEN=... scripts/graphql_http_audit.sh
set -euo pipefail
cd "$(dirname "$0")/.."
here=scripts/graphql_http_audit

command -v node >/dev/null || { echo "node is required" >&2; exit 2; }
if [ ! -d "$here/node_modules/graphql-http" ]; then
    npm install --prefix "$here" --no-audit --no-fund --silent
fi

url=${AUDIT_URL:-}
token=${AUDIT_TOKEN:-}
if [ -z "$url" ]; then
    port=${AUDIT_PORT:-18161}
    token=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')
    JOURNEY_PORT=$port JOURNEY_EMBEDDED_ENGINE=memory JOURNEY_ADMIN_TOKEN=$token \
        .venv/bin/python -m app.cli serve >/dev/null 2>&1 &
    service=$!
    trap 'kill $service 2>/dev/null; wait $service 2>/dev/null' EXIT
    url=http://127.0.0.1:$port/graphql
    for _ in $(seq 1 120); do
        curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break
        sleep 0.5
    done
fi
TOKEN=$token node "$here/audit.mjs" "$url"
