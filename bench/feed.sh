#!/usr/bin/env bash
# Event feed benchmark on PostgreSQL: a reader streams the whole feed as NDJSON, pages of
# 10,000, from a backlog that has never been read (so the sequencer numbers it on the way).
# Usage: bash bench/feed.sh   (from the repository root)
# Env: PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), PORT (18092),
#      EVENTS (500000).
set -euo pipefail
cd "$(dirname "$0")/.."
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PORT="${PORT:-18092}"
EVENTS="${EVENTS:-500000}"
DB=onestop_bench_feed
DB_URL="${PG_ADMIN_URL%/*}/$DB"
BASE="http://127.0.0.1:$PORT"

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

cargo build --release --quiet --bin onestop --example load
BIN=target/release/onestop
LOAD=target/release/examples/load

psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
trap 'kill $SERVICE 2>/dev/null || true; psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
DATABASE_URL="$DB_URL" $BIN migrate
analyst=$(DATABASE_URL="$DB_URL" $BIN clients create --role analyst --name bench-analyst)

echo "== seeding $EVENTS events, none read yet"
psql "$DB_URL" -qc "
  INSERT INTO events (id, ticket_id, event_type, actor, actor_role, data, created_at)
  SELECT gen_random_uuid(), gen_random_uuid(), 'ticket.status_changed', 'oc_bench', 'coordinator',
    '{\"from\":\"assigned\",\"to\":\"in_consultation\",\"reason\":\"first session booked\"}', now()
  FROM generate_series(1, $EVENTS)"
psql "$DB_URL" -qc "ANALYZE events"

DATABASE_URL="$DB_URL" ONESTOP_BIND="127.0.0.1:$PORT" ONESTOP_RATE_LIMIT_PER_SECOND=0 RUST_LOG=warn $BIN serve >/tmp/onestop-bench-feed.log 2>&1 &
SERVICE=$!
for _ in $(seq 1 50); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.2; done
creds() { echo "--client-id $(echo "$1" | json "['client_id']") --client-secret $(echo "$1" | json "['client_secret']")"; }

echo "== first read: sequencing and streaming"
$LOAD feed --url "$BASE" $(creds "$analyst")
echo "== second read: streaming only"
$LOAD feed --url "$BASE" $(creds "$analyst")
