#!/usr/bin/env bash
# Set up and serve the app on http://127.0.0.1:8000 with the embedded default (SQLite under var/),
# demo data, and a local Stripe-compatible server unless real Stripe keys are set.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var/mail
export DATABASE_URL="${DATABASE_URL:-sqlite:///$PWD/var/nieuw-geluid.sqlite3}"

$PY -m core.migrate
.venv/bin/litestar --app app:app seed-demo

pids=()
cleanup() { for pid in "${pids[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

# The grouping engine's kernels compiled into their on-disk cache while the app starts (about ten CPU seconds on a
# fresh install, then one): otherwise the first "Groepen maken" after installing pays for it.
$PY -m devtools.warm_kernels >/dev/null 2>&1 &
pids+=($!)

if [[ "${STRIPE_SECRET_KEY:-}" != sk_* && "${STRIPE_SECRET_KEY:-}" != rk_* ]]; then
  export STRIPE_API_BASE="${STRIPE_API_BASE:-http://127.0.0.1:8420}"
  port="${STRIPE_API_BASE##*:}"
  $PY -m devtools.localstripe_server --host 127.0.0.1 --port "$port" &
  pids+=($!)
  # The app registers its webhook with it once, at start-up: wait until it answers.
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  echo "Payments: local Stripe-compatible server on $STRIPE_API_BASE (set STRIPE_SECRET_KEY for real Stripe)."
else
  echo "Payments: real Stripe (keys from the environment)."
fi

echo "Nieuw Geluid on http://127.0.0.1:8000  (API: /api/v1/events, OpenAPI: /schema/openapi.json)"
# core.serve runs uvicorn WITHOUT its proxy headers: X-Forwarded-For is believed only from TRUSTED_PROXIES (the app
# decides, core.security.client_ip), never just because a request comes from 127.0.0.1.
$PY -m core.serve --host 127.0.0.1 --port 8000
