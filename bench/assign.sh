#!/usr/bin/env bash
# Assignment benchmarks on PostgreSQL: automatic assignments per second with 32 concurrent
# coordinators, and GET .../candidates ranking the whole roster.
# Usage: bash bench/assign.sh   (from the repository root)
# Env: PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), SECONDS_PER_RUN (20),
#      CONCURRENCY (32), PORT (18091), MANAGERS (2000), CASES (40000), CAPACITY (25 places a
#      manager: enough that a run at 900/s does not fill the onsite places of a prefecture and
#      measure the queue's 409 instead of assignments; with 10, fast runs did),
#      PROFILE=1 prints the statements of the assign run by total time (needs a server with
#      shared_preload_libraries = 'pg_stat_statements'), PGSSLMODE (disable, as bench/run.sh:
#      the service and the database share this machine; with TLS to a local server, libpq's
#      and sqlx's default "prefer", a run did about 15% fewer assignments).
set -euo pipefail
export PGSSLMODE="${PGSSLMODE:-disable}"
cd "$(dirname "$0")/.."
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-20}"
CONCURRENCY="${CONCURRENCY:-32}"
PORT="${PORT:-18091}"
MANAGERS="${MANAGERS:-2000}"
CASES="${CASES:-40000}"
CAPACITY="${CAPACITY:-25}"
DB=onestop_bench_assign
DB_URL="${PG_ADMIN_URL%/*}/$DB"
BASE="http://127.0.0.1:$PORT"

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

cargo build --release --quiet --bin onestop --example load
BIN=target/release/onestop
LOAD=target/release/examples/load

psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
trap 'kill $SERVICE 2>/dev/null || true; psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
DATABASE_URL="$DB_URL" $BIN migrate
coordinator=$(DATABASE_URL="$DB_URL" $BIN clients create --role coordinator --name bench-coordinator)

DATABASE_URL="$DB_URL" ONESTOP_BIND="127.0.0.1:$PORT" ONESTOP_RATE_LIMIT_PER_SECOND=0 RUST_LOG=warn $BIN serve >/tmp/onestop-bench-assign.log 2>&1 &
SERVICE=$!
for _ in $(seq 1 50); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.2; done
creds() { echo "--client-id $(echo "$1" | json "['client_id']") --client-secret $(echo "$1" | json "['client_secret']")"; }
token=$(curl -fs "$BASE/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"client_id\":\"$(echo "$coordinator" | json "['client_id']")\",\"client_secret\":\"$(echo "$coordinator" | json "['client_secret']")\"}" | json "['access_token']")

# One case filed through the API gives the seeded cases a real company.
curl -fs "$BASE/v1/tickets" -H "authorization: Bearer $token" -H 'content-type: application/json' -d '{
  "company": {"name": "株式会社ベンチ", "prefecture": "13", "industry": "E", "employees": 40},
  "contact": {"name": "試験 太郎", "email": "bench@example.jp"},
  "subject": "就業規則の改定", "description": "在宅勤務の労働時間管理と就業規則の改定について相談したい。",
  "topics": ["labor.work_rules"], "channel": "phone"}' >/dev/null

echo "== seeding $MANAGERS managers and $CASES triaged cases"
psql "$DB_URL" -qc "
  INSERT INTO managers (id, name, email, covers_ict, covers_labor, topics, prefectures, online, onsite,
    capacity, active_cases, active, last_assigned_at, version, created_at, updated_at)
  SELECT gen_random_uuid(), 'マネージャー ' || g, 'm' || g || '@example.jp', g % 2 = 0, true,
    CASE g % 3 WHEN 0 THEN '[\"labor.work_rules\",\"labor.working_hours\"]' WHEN 1 THEN '[\"labor.subsidies\"]' ELSE '[]' END,
    '[\"' || lpad(((g % 47) + 1)::text, 2, '0') || '\"]', g % 4 <> 0, g % 4 = 0 OR g % 5 = 0,
    $CAPACITY, 0, g % 50 <> 0, NULL, 1, now(), now()
  FROM generate_series(1, $MANAGERS) AS g"
psql "$DB_URL" -qc "
  INSERT INTO tickets (id, reference, fiscal_year, sequence, channel, partner_id, company_id, prefecture, industry,
    contact_name, contact_email, contact_phone, subject, description, topics, preferred_mode, status, held_from,
    track, routing, manager_id, version, created_at, updated_at, first_contact_due, assignment_due, received_on)
  SELECT gen_random_uuid(), 'SEED-' || g, 9001, g, 'phone', NULL, (SELECT id FROM companies LIMIT 1),
    lpad(((g % 47) + 1)::text, 2, '0'), 'E', '試験', 'seed@example.jp', NULL, '就業規則の相談 ' || g,
    '在宅勤務の労働時間管理と就業規則の改定について相談したい。中抜け時間の扱いと通信費の負担も知りたい。',
    '[\"labor.work_rules\"]', CASE g % 3 WHEN 0 THEN 'online' WHEN 1 THEN 'onsite' ELSE 'either' END,
    'triaged', NULL, 'labor', NULL, NULL, 1, now(), now(), current_date + 2, current_date + 5, current_date
  FROM generate_series(1, $CASES) AS g"
# Each case's search key as intake makes it (subject, description, company name, reference).
psql "$DB_URL" -qc "
  INSERT INTO ticket_search (ticket_id, search_text)
  SELECT id, lower(normalize(subject || E'\\n' || description || E'\\n株式会社ベンチ\\n' || reference, NFKC))
  FROM tickets WHERE reference LIKE 'SEED-%'"
psql "$DB_URL" -qc "ANALYZE"

echo "== candidates: ranking $MANAGERS managers for one case"
$LOAD candidates --url "$BASE" $(creds "$coordinator") --rounds "${CANDIDATE_ROUNDS:-200}"

if [ "${PROFILE:-0}" = 1 ]; then
  psql "$DB_URL" -qAtc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
fi

echo "== assign: $CONCURRENCY concurrent coordinators for ${SECONDS_PER_RUN}s"
$LOAD assign --url "$BASE" $(creds "$coordinator") --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_RUN"

if [ "${PROFILE:-0}" = 1 ]; then
  echo "== statements of the assign run, by total time"
  psql "$DB_URL" -c "
    SELECT calls, round(total_exec_time::numeric, 0) AS total_ms,
           round(mean_exec_time::numeric, 3) AS mean_ms, left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY total_exec_time DESC LIMIT 15"
fi

echo "== capacity check (must print 0): managers above capacity, and counts out of step with cases"
psql "$DB_URL" -Atc "
  SELECT count(*) FROM managers m
  WHERE m.active_cases > m.capacity
     OR m.active_cases <> (SELECT count(*) FROM tickets t WHERE t.manager_id = m.id
                           AND t.status IN ('assigned', 'in_consultation', 'on_hold'))"
