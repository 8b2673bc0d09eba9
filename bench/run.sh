#!/usr/bin/env bash
# Intake and pagination benchmarks on PostgreSQL, next to pgbench running the same
# transaction on the same server. Usage: bash bench/run.sh   (from the repository root)
# Env: PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), SECONDS_PER_RUN (20),
#      CONCURRENCY (32), PORT (18090), DEPTH (100000).
set -euo pipefail
cd "$(dirname "$0")/.."
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-20}"
CONCURRENCY="${CONCURRENCY:-32}"
PORT="${PORT:-18090}"
DEPTH="${DEPTH:-100000}"
DB=onestop_bench
DB_URL="${PG_ADMIN_URL%/*}/$DB"
BASE="http://127.0.0.1:$PORT"

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

cargo build --release --quiet --bin onestop --example load
BIN=target/release/onestop
LOAD=target/release/examples/load

psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
DATABASE_URL="$DB_URL" $BIN migrate
admin=$(DATABASE_URL="$DB_URL" $BIN clients create --role admin --name bench-admin)

DATABASE_URL="$DB_URL" ONESTOP_BIND="127.0.0.1:$PORT" ONESTOP_RATE_LIMIT_PER_SECOND=0 RUST_LOG=warn $BIN serve >/tmp/onestop-bench.log 2>&1 &
SERVICE=$!
trap 'kill $SERVICE 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.2; done

admin_token=$(curl -fs "$BASE/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"client_id\":\"$(echo "$admin" | json "['client_id']")\",\"client_secret\":\"$(echo "$admin" | json "['client_secret']")\"}" | json "['access_token']")
partner_id=$(curl -fs "$BASE/v1/partners" -H "authorization: Bearer $admin_token" -H 'content-type: application/json' \
  -d '{"name":"ベンチ商工会議所","kind":"chamber_of_commerce","prefecture":"13"}' | json "['id']")
partner=$(curl -fs "$BASE/v1/clients" -H "authorization: Bearer $admin_token" -H 'content-type: application/json' \
  -d "{\"name\":\"bench partner\",\"role\":\"partner\",\"partner_id\":\"$partner_id\"}")
coordinator=$(curl -fs "$BASE/v1/clients" -H "authorization: Bearer $admin_token" -H 'content-type: application/json' \
  -d '{"name":"bench coordinator","role":"coordinator"}')
creds() { echo "--client-id $(echo "$1" | json "['client_id']") --client-secret $(echo "$1" | json "['client_secret']")"; }

echo "== intake: $CONCURRENCY concurrent clients for ${SECONDS_PER_RUN}s against the service"
service_result=$($LOAD intake --url "$BASE" $(creds "$partner") --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_RUN")
echo "$service_result"

psql "$DB_URL" -qc "CREATE SEQUENCE IF NOT EXISTS ticket_reference_fy9000"
echo "== pgbench: the same transaction, $CONCURRENCY clients for ${SECONDS_PER_RUN}s"
pgbench_out=$(pgbench -n -c "$CONCURRENCY" -j 2 -T "$SECONDS_PER_RUN" -f bench/intake.pgbench.sql "$DB_URL" 2>&1) || echo "$pgbench_out" | grep -iE "error|abort" | head -5
echo "$pgbench_out" | grep -E "tps|latency average|number of transactions"
pg_tps=$(echo "$pgbench_out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n1)
svc_rate=$(echo "$service_result" | json "['cases_per_second']")
python3 -c "print('service / pgbench (full equivalent) = %.2f' % ($svc_rate / $pg_tps))"

echo "== pgbench: the minimal reference (insert case + event + idempotency row), $CONCURRENCY clients"
minimal_out=$(pgbench -n -c "$CONCURRENCY" -j 2 -T "$SECONDS_PER_RUN" -f bench/intake-minimal.pgbench.sql "$DB_URL" 2>&1) || echo "$minimal_out" | grep -iE "error|abort" | head -5
echo "$minimal_out" | grep -E "tps|latency average|number of transactions"
min_tps=$(echo "$minimal_out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n1)
python3 -c "print('service / pgbench (minimal) = %.2f' % ($svc_rate / $min_tps))"

echo "== pagination: first page vs depth $DEPTH"
existing=$(psql "$DB_URL" -Atc "SELECT count(*) FROM tickets")
missing=$(( DEPTH + 100 - existing ))
if [ "$missing" -gt 0 ]; then
  psql "$DB_URL" -qc "
    INSERT INTO tickets (id, reference, fiscal_year, sequence, channel, partner_id, company_id, prefecture, industry,
      contact_name, contact_email, contact_phone, subject, description, topics, preferred_mode, status, held_from,
      track, routing, manager_id, version, created_at, updated_at)
    SELECT gen_random_uuid(), 'SEED-' || g, 9001, g, 'phone', NULL, (SELECT id FROM companies LIMIT 1), '13', 'E',
      '試験', 'seed@example.jp', NULL, '在宅勤務の相談 ' || g, 'シード', '[]', 'either', 'triaged', NULL, 'labor',
      NULL, NULL, 1, now(), now()
    FROM generate_series(1, $missing) AS g"
  psql "$DB_URL" -qc "ANALYZE tickets"
fi
deep_id=$(psql "$DB_URL" -Atc "SELECT id FROM tickets ORDER BY id OFFSET $DEPTH LIMIT 1")
cursor=$(python3 -c "import base64; print(base64.urlsafe_b64encode(b'v1:$deep_id').decode().rstrip('='))")
$LOAD pagination --url "$BASE" $(creds "$coordinator") --cursor "$cursor" --rounds 200
