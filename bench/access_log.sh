#!/usr/bin/env bash
# The access log's cost on PostgreSQL: GET /v1/tickets/{id} and GET /v1/tickets?limit=50 (each
# response records who was shown which cases' contacts) from CONCURRENCY coordinators, with
# the log on and off (ONESTOP_ACCESS_LOG=false), p50/p99 from examples/load.rs `reads`.
# Usage: bash bench/access_log.sh   (from the repository root)
# Env: PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), SECONDS_PER_RUN (15),
#      CONCURRENCY (16), PORT (18094), CASES (20000), ROUNDS (2: on/off alternated this often).
set -euo pipefail
cd "$(dirname "$0")/.."
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-15}"
CONCURRENCY="${CONCURRENCY:-16}"
PORT="${PORT:-18094}"
CASES="${CASES:-20000}"
ROUNDS="${ROUNDS:-2}"
DB=onestop_bench_access
DB_URL="${PG_ADMIN_URL%/*}/$DB"
BASE="http://127.0.0.1:$PORT"
TARGET="${CARGO_TARGET_DIR:-target}"

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

cargo build --release --quiet --bin onestop --example load
BIN=$TARGET/release/onestop
LOAD=$TARGET/release/examples/load

psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
SERVICE=
trap 'kill $SERVICE 2>/dev/null || true; psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
DATABASE_URL="$DB_URL" $BIN migrate
coordinator=$(DATABASE_URL="$DB_URL" $BIN clients create --role coordinator --name bench-coordinator)
creds="--client-id $(echo "$coordinator" | json "['client_id']") --client-secret $(echo "$coordinator" | json "['client_secret']")"

echo "== seeding $CASES cases with contacts"
psql "$DB_URL" -q <<SQL
INSERT INTO companies (id, corporate_number, name, name_key, prefecture, industry, employees, capital_jpy, created_at, updated_at)
  VALUES (gen_random_uuid(), NULL, '株式会社ベンチ', '株式会社ベンチ', '13', 'E', 40, 10000000, now(), now());
INSERT INTO tickets (id, reference, fiscal_year, sequence, channel, partner_id, company_id, company_name, prefecture, industry,
    contact_name, contact_email, contact_phone, subject, description, topics, preferred_mode, status, held_from,
    track, routing, manager_id, version, created_at, updated_at, first_contact_due, assignment_due, received_on)
  SELECT gen_random_uuid(), 'A-' || g, 2026, g, 'phone', NULL, (SELECT id FROM companies LIMIT 1), '株式会社ベンチ',
    lpad(((g % 47) + 1)::text, 2, '0'), 'E', '試験 ' || g, 'person' || g || '@example.jp', '03-1234-' || lpad((g % 10000)::text, 4, '0'),
    '就業規則の相談 ' || g, 'シード', '["labor.work_rules"]', 'either', 'triaged', NULL, 'labor', NULL, NULL, 1,
    now() - (g % 300) * interval '1 day', now(), current_date + 2, current_date + 5, current_date
  FROM generate_series(1, $CASES) AS g;
ANALYZE;
SQL

run() { # $1: true or false
  DATABASE_URL="$DB_URL" ONESTOP_BIND="127.0.0.1:$PORT" ONESTOP_RATE_LIMIT_PER_SECOND=0 \
    ONESTOP_ACCESS_LOG="$1" RUST_LOG=warn $BIN serve >>/tmp/onestop-bench-access.log 2>&1 &
  SERVICE=$!
  for _ in $(seq 1 50); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.2; done
  before=$(psql "$DB_URL" -Atc "SELECT count(*) FROM access_log")
  echo "-- ONESTOP_ACCESS_LOG=$1"
  $LOAD reads --url "$BASE" $creds --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_RUN"
  # SIGTERM: the service finishes its requests and writes out the log before it exits.
  kill -TERM $SERVICE; wait $SERVICE || true; SERVICE=
  echo "access records written: $(( $(psql "$DB_URL" -Atc "SELECT count(*) FROM access_log") - before ))"
}

steal() { awk '/^cpu /{print $9}' /proc/stat; }
steal0=$(steal)
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round: $CONCURRENCY coordinators, ${SECONDS_PER_RUN}s of reads then ${SECONDS_PER_RUN}s of lists"
  run true
  run false
done
echo "CPU steal during the run: $(( $(steal) - steal0 )) ticks (a shared VM's hypervisor taking CPU slows every figure; repeat such a run)"
