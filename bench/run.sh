#!/usr/bin/env bash
# Intake and pagination benchmarks on PostgreSQL, next to pgbench running the same
# transaction on the same server. Usage: bash bench/run.sh   (from the repository root)
# Env: PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), SECONDS_PER_RUN (20),
#      CONCURRENCY (32), PORT (18090), DEPTH (100000; 0 skips the pagination run),
#      POOL (the service's ONESTOP_DB_MAX_CONNECTIONS, default 14: the instance's whole budget,
#      of which two go to the shared pool, so 12 serve requests; on 2 cores shared with the
#      database, 8 to 16 request connections did about equally well, 32 crowded it), PGSSLMODE (disable: on
#      loopback TLS only adds cost, to the service and pgbench alike). For the Unix socket, for
#      both: PG_ADMIN_URL='postgres://postgres@localhost/postgres?host=/var/run/postgresql'.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-20}"
CONCURRENCY="${CONCURRENCY:-32}"
PORT="${PORT:-18090}"
DEPTH="${DEPTH:-100000}"
POOL="${POOL:-14}"
export PGSSLMODE="${PGSSLMODE:-disable}"
DB=onestop_bench
admin_base="${PG_ADMIN_URL%%\?*}"
admin_query="${PG_ADMIN_URL#"$admin_base"}" # "" or "?host=/var/run/postgresql" and the like
DB_URL="${admin_base%/*}/$DB$admin_query"
SERVICE_DB_URL="$DB_URL$([ -n "$admin_query" ] && echo '&' || echo '?')sslmode=$PGSSLMODE"
BASE="http://127.0.0.1:$PORT"

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
# Runs a command and then prints the share of CPU time the hypervisor took from this machine
# meanwhile ("steal"): on a shared virtual machine it slows the service and pgbench alike, and
# a run with much of it is worth repeating.
cpu_steal() {
  local before after
  before=$(head -n1 /proc/stat)
  "$@"
  local status=$?
  after=$(head -n1 /proc/stat)
  python3 -c "
b = list(map(int, '$before'.split()[1:])); a = list(map(int, '$after'.split()[1:]))
d = [y - x for x, y in zip(b, a)]
print('cpu steal %.0f%%, idle %.0f%%' % (100 * d[7] / max(sum(d), 1), 100 * (d[3] + d[4]) / max(sum(d), 1)))"
  return $status
}

cargo build --release --quiet --bin onestop --example load
BIN=target/release/onestop
LOAD=target/release/examples/load

psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
DATABASE_URL="$DB_URL" $BIN migrate
admin=$(DATABASE_URL="$DB_URL" $BIN clients create --role admin --name bench-admin)

DATABASE_URL="$SERVICE_DB_URL" ONESTOP_DB_MAX_CONNECTIONS="$POOL" ONESTOP_BIND="127.0.0.1:$PORT" \
  ONESTOP_RATE_LIMIT_PER_SECOND=0 RUST_LOG=warn $BIN serve >/tmp/onestop-bench.log 2>&1 &
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

echo "== intake: $CONCURRENCY concurrent clients for ${SECONDS_PER_RUN}s against the service (pool $POOL, sslmode=$PGSSLMODE)"
service_result=$(cpu_steal $LOAD intake --url "$BASE" $(creds "$partner") --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_RUN")
echo "$service_result"
service_result=$(echo "$service_result" | grep '^{')

psql "$DB_URL" -qc "CREATE SEQUENCE IF NOT EXISTS ticket_reference_fy9000"
svc_rate=$(echo "$service_result" | json "['cases_per_second']")
# pgbench over the same transaction: -M prepared talks to the server as the service does
# (prepared statements); -M simple, pgbench's default, has every statement parsed and planned.
compare() { # label, script, protocol
  echo "== pgbench: $1, -M $3, $CONCURRENCY clients for ${SECONDS_PER_RUN}s"
  local out tps
  out=$(cpu_steal pgbench -n -M "$3" -c "$CONCURRENCY" -j 2 -T "$SECONDS_PER_RUN" -f "$2" "$DB_URL" 2>&1) \
    || echo "$out" | grep -iE "error|abort" | head -5
  echo "$out" | grep -E "^tps|latency average|cpu steal"
  tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n1)
  python3 -c "print('service / pgbench ($1, -M $3) = %.2f' % ($svc_rate / $tps))"
}
compare "the same transaction" bench/intake.pgbench.sql prepared
compare "the same transaction" bench/intake.pgbench.sql simple
compare "minimal: insert case + event + idempotency row" bench/intake-minimal.pgbench.sql prepared
compare "minimal: insert case + event + idempotency row" bench/intake-minimal.pgbench.sql simple

[ "$DEPTH" -gt 0 ] || exit 0
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
