#!/usr/bin/env bash
# Summary report benchmark on PostgreSQL: GET /v1/reports/summary over 1,000,000 cases of one
# fiscal year, for every group_by, timed end to end with curl (5 runs each after a warm-up),
# beside the statement that counts the cases in psql (what the report would cost without
# its monthly rollup, services/report_rollup.rs).
# Usage: bash bench/report.sh   (from the repository root)
# Env: PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), PORT (18093),
#      CASES (1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PORT="${PORT:-18093}"
CASES="${CASES:-1000000}"
DB=onestop_bench_report
DB_URL="${PG_ADMIN_URL%/*}/$DB"
BASE="http://127.0.0.1:$PORT"

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

cargo build --release --quiet --bin onestop
BIN=target/release/onestop

psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
trap 'kill $SERVICE 2>/dev/null || true; psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
DATABASE_URL="$DB_URL" $BIN migrate
analyst=$(DATABASE_URL="$DB_URL" $BIN clients create --role analyst --name bench-analyst)

echo "== seeding 20 partners, 200 managers and $CASES cases of fiscal 2026 (40% with an outcome)"
psql "$DB_URL" -q <<SQL
INSERT INTO partners (id, name, kind, prefecture, created_at)
  SELECT gen_random_uuid(), '商工会議所 ' || g, 'chamber_of_commerce', lpad(((g % 47) + 1)::text, 2, '0'), now()
  FROM generate_series(1, 20) AS g;
INSERT INTO managers (id, name, email, covers_ict, covers_labor, topics, prefectures, online, onsite,
    capacity, active_cases, active, last_assigned_at, version, created_at, updated_at)
  SELECT gen_random_uuid(), 'マネージャー ' || g, 'm' || g || '@example.jp', g % 2 = 0, g % 2 = 1, '[]', '[]',
    true, false, 100000, 0, true, NULL, 1, now(), now()
  FROM generate_series(1, 200) AS g;
INSERT INTO companies (id, corporate_number, name, name_key, prefecture, industry, employees, capital_jpy, created_at, updated_at)
  VALUES (gen_random_uuid(), NULL, '株式会社ベンチ', '株式会社ベンチ', '13', 'E', 40, 10000000, now(), now());
CREATE TEMP TABLE p AS SELECT row_number() OVER () AS n, id FROM partners;
CREATE TEMP TABLE m AS SELECT row_number() OVER () AS n, id FROM managers;
INSERT INTO tickets (id, reference, fiscal_year, sequence, channel, partner_id, company_id, prefecture, industry,
    contact_name, contact_email, contact_phone, subject, description, topics, preferred_mode, status, held_from,
    track, routing, manager_id, version, created_at, updated_at, first_contact_due, assignment_due,
    first_contact_at, first_contact_met, first_assigned_at, assignment_met, paused_business_days,
    business_days_to_assign, received_on, company_city)
  SELECT gen_random_uuid(), 'B-' || g, 2026, g, CASE WHEN g % 10 = 0 THEN 'phone' ELSE 'partner' END,
    CASE WHEN g % 10 = 0 THEN NULL ELSE (SELECT id FROM p WHERE p.n = (g % 20) + 1) END,
    (SELECT id FROM companies LIMIT 1), lpad(((g % 47) + 1)::text, 2, '0'), chr(65 + (g % 20)),
    '試験', 'seed@example.jp', NULL, '相談 ' || g, 'シード', '[]', 'either',
    CASE WHEN g % 5 < 2 THEN 'resolved' WHEN g % 10 < 7 THEN 'assigned' ELSE 'triaged' END, NULL,
    CASE WHEN g % 3 = 0 THEN 'ict' ELSE 'labor' END, NULL,
    CASE WHEN g % 10 < 7 THEN (SELECT id FROM m WHERE m.n = (g % 200) + 1) END, 1,
    timestamptz '2026-04-01 00:00+09' + (g % 365) * interval '1 day' + (g % 86400) * interval '1 second' / 2,
    now(), DATE '2026-04-03' + (g % 365), DATE '2026-04-08' + (g % 365),
    now(), g % 7 <> 0, CASE WHEN g % 10 < 7 THEN now() END, CASE WHEN g % 10 < 7 THEN g % 9 <> 0 END, 0,
    CASE WHEN g % 10 < 7 THEN g % 11 END, DATE '2026-04-01' + (g % 365),
    CASE WHEN g % 4 = 0 THEN NULL ELSE '第' || (g % 30) || '市' END
  FROM generate_series(1, $CASES) AS g;
INSERT INTO outcomes (ticket_id, result, measures, teleworkers, satisfaction, summary, manager_id, recorded_by, recorded_at)
  SELECT id, (ARRAY['introduced','planned','not_introduced','referred','withdrawn'])[1 + (sequence % 5)::int], '[]',
    sequence % 30, (1 + sequence % 5)::smallint, NULL, manager_id, 'oc_bench', now()
  FROM tickets WHERE status = 'resolved';
ANALYZE;
SQL

# The service counts the monthly rollup once at start (every month is marked by the seeding
# triggers) and then not again for an hour, so the marked-month figures below stay marked.
started=$(date +%s.%N)
DATABASE_URL="$DB_URL" ONESTOP_BIND="127.0.0.1:$PORT" ONESTOP_RATE_LIMIT_PER_SECOND=0 ONESTOP_REPORT_REFRESH_SECONDS=3600 \
  RUST_LOG=warn $BIN serve >/tmp/onestop-bench-report.log 2>&1 &
SERVICE=$!
for _ in $(seq 1 50); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.2; done
until [ "$(psql "$DB_URL" -qAt -c 'SELECT COUNT(*) FROM report_changes')" = 0 ]; do sleep 0.5; done
echo "== the rollup of $CASES cases counted in $(python3 -c "import time; print(f'{time.time() - $started:.1f}')") s after start" \
  "($(psql "$DB_URL" -qAt -c 'SELECT COUNT(*) FROM report_rollup') rows)"
token=$(curl -fs "$BASE/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"client_id\":\"$(echo "$analyst" | json "['client_id']")\",\"client_secret\":\"$(echo "$analyst" | json "['client_secret']")\"}" | json "['access_token']")

# The service's own statement (services/reports.rs), run by psql for the raw-SQL baseline.
counts="COUNT(*), SUM(CASE WHEN t.first_assigned_at IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN o.ticket_id IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN o.result = 'introduced' THEN 1 ELSE 0 END),
  SUM(CASE WHEN t.first_contact_met IS NOT NULL AND t.assignment_met IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN t.first_contact_met AND t.assignment_met THEN 1 ELSE 0 END), SUM(o.satisfaction), COUNT(o.satisfaction),
  SUM(CASE WHEN o.survey_responded_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN o.survey_purpose_achieved THEN 1 ELSE 0 END),
  SUM(CASE WHEN o.survey_satisfied THEN 1 ELSE 0 END), SUM(CASE WHEN o.survey_will_consider IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN o.survey_will_consider THEN 1 ELSE 0 END)"
column_of() {
  case "$1" in
    track) echo t.track ;; prefecture) echo t.prefecture ;; partner) echo t.partner_id ;;
    industry) echo t.industry ;; manager) echo t.manager_id ;; channel) echo t.channel ;;
    city) echo "t.prefecture || ':' || t.company_city" ;; month) echo t.received_on ;;
  esac
}

echo "== GET /v1/reports/summary?fiscal_year=2026 over $CASES cases (seconds: median and max of 5),"
echo "   beside, in psql (\\timing, median of 5): the statement counting the cases, and the rollup's sums the"
echo "   service runs; each with the ratio service/psql"
for group_by in track prefecture partner month industry manager channel city; do
  url="$BASE/v1/reports/summary?fiscal_year=2026&group_by=$group_by"
  received=$(curl -fs "$url" -H "authorization: Bearer $token" | json "['totals']['received']")
  times=$(for _ in 1 2 3 4 5; do curl -fs -o /dev/null -w '%{time_total}\n' "$url" -H "authorization: Bearer $token"; done | sort -n)
  service=$(echo "$times" | sed -n 3p)
  group=$(column_of "$group_by")
  raw_ms=$(for _ in 1 2 3 4 5; do
      psql "$DB_URL" -qAt -c '\timing on' -c "SELECT $group AS grp, t.business_days_to_assign, $counts
        FROM tickets t LEFT JOIN outcomes o ON o.ticket_id = t.id
        WHERE t.created_at >= timestamptz '2026-04-01 00:00+09' AND t.created_at < timestamptz '2027-04-01 00:00+09'
          AND t.status <> 'merged'
        GROUP BY $group, t.business_days_to_assign" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
    done | sort -n | sed -n 3p)
  ratio=$(python3 -c "print(f'{$service / ($raw_ms / 1000):.2f}')")
  # What the service runs for a year whose months are all counted: the rollup's sums.
  if [ "$group_by" = partner ] || [ "$group_by" = manager ]; then grp=grp_id; else grp=grp_text; fi
  sums="SUM(received), SUM(assigned), SUM(resolved), SUM(introduced), SUM(sla_decided), SUM(sla_met),
    SUM(satisfaction_sum), SUM(satisfaction_count), SUM(survey_responses), SUM(survey_purpose_achieved),
    SUM(survey_satisfied), SUM(survey_will_consider_asked), SUM(survey_will_consider)"
  rollup_ms=$(for _ in 1 2 3 4 5; do
      psql "$DB_URL" -qAt -c '\timing on' -c "SELECT $grp, days, $sums FROM report_rollup
        WHERE dimension = '$group_by' AND month IN ('2026-04','2026-05','2026-06','2026-07','2026-08','2026-09',
          '2026-10','2026-11','2026-12','2027-01','2027-02','2027-03') GROUP BY $grp, days" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
    done | sort -n | sed -n 3p)
  echo "$group_by: received=$received median=$service max=$(echo "$times" | tail -n1)" \
    "raw_sql_over_cases=$(python3 -c "print(f'{$raw_ms / 1000:.3f}')") ratio=$ratio" \
    "rollup_sql=$(python3 -c "print(f'{$rollup_ms / 1000:.3f}')") ratio=$(python3 -c "print(f'{$service / ($rollup_ms / 1000):.2f}')")"
done
url="$BASE/v1/reports/summary?fiscal_year=2026&group_by=prefecture"
psql "$DB_URL" -qc "INSERT INTO report_changes (month) VALUES ('2026-12')"
marked=$(for _ in 1 2 3 4 5; do curl -fs -o /dev/null -w '%{time_total}\n' "$url" -H "authorization: Bearer $token"; done | sort -n | sed -n 3p)
echo "prefecture with one month marked changed (counted from its cases): median=$marked"
psql "$DB_URL" -qc "DELETE FROM report_changes"
csv_time=$(curl -fs -o /dev/null -w '%{time_total}' "$url" -H "authorization: Bearer $token" -H 'accept: text/csv')
echo "prefecture as CSV: $csv_time"
