#!/usr/bin/env bash
# One retention pass on PostgreSQL: CASES closed cases (each with a contact, two comments,
# a held session with notes and an outcome with a summary) past ONESTOP_CONTACT_RETENTION_DAYS,
# anonymized by the service's retention job; the time is the job's own (`elapsed_ms` of its
# "retention pass done" log line), checked against what is left in the tables.
# Usage: bash bench/retention.sh   (from the repository root)
# Env: PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), PORT (18095),
#      CASES (100000).
set -euo pipefail
cd "$(dirname "$0")/.."
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PORT="${PORT:-18095}"
CASES="${CASES:-100000}"
DB=onestop_bench_retention
DB_URL="${PG_ADMIN_URL%/*}/$DB"
BASE="http://127.0.0.1:$PORT"
TARGET="${CARGO_TARGET_DIR:-target}"
LOG=/tmp/onestop-bench-retention.log

cargo build --release --quiet --bin onestop
BIN=$TARGET/release/onestop

psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
SERVICE=
trap 'kill $SERVICE 2>/dev/null || true; psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
DATABASE_URL="$DB_URL" $BIN migrate

echo "== seeding $CASES closed cases (closed 400 days ago) with comments, session notes and outcomes"
psql "$DB_URL" -q <<SQL
INSERT INTO companies (id, corporate_number, name, name_key, prefecture, industry, employees, capital_jpy, created_at, updated_at)
  VALUES (gen_random_uuid(), NULL, '株式会社ベンチ', '株式会社ベンチ', '13', 'E', 40, 10000000, now(), now());
INSERT INTO managers (id, name, email, covers_ict, covers_labor, topics, prefectures, online, onsite,
    capacity, active_cases, active, last_assigned_at, version, created_at, updated_at)
  VALUES (gen_random_uuid(), 'マネージャー', 'm@example.jp', true, true, '[]', '[]', true, false, 10, 0, true, NULL, 1, now(), now());
INSERT INTO tickets (id, reference, fiscal_year, sequence, channel, partner_id, company_id, company_name, prefecture, industry,
    contact_name, contact_email, contact_phone, subject, description, topics, preferred_mode, status, held_from,
    track, routing, manager_id, version, created_at, updated_at, first_contact_due, assignment_due, received_on)
  SELECT gen_random_uuid(), 'R-' || g, 2025, g, 'phone', NULL, (SELECT id FROM companies LIMIT 1), '株式会社ベンチ',
    lpad(((g % 47) + 1)::text, 2, '0'), 'E', '試験 ' || g, 'person' || g || '@example.jp', '03-1234-' || lpad((g % 10000)::text, 4, '0'),
    '就業規則の相談 ' || g, 'person' || g || '@example.jp からの相談', '["labor.work_rules"]', 'either', 'closed', NULL,
    'labor', NULL, (SELECT id FROM managers LIMIT 1), 3, now() - interval '500 days', now() - interval '400 days',
    current_date - 498, current_date - 495, current_date - 500
  FROM generate_series(1, $CASES) AS g;
INSERT INTO ticket_search (ticket_id, search_text) SELECT id, 'person' || sequence FROM tickets;
INSERT INTO comments (id, ticket_id, author, author_role, visibility, body, created_at)
  SELECT gen_random_uuid(), id, 'oc_bench', 'coordinator', v, contact_email || ' に連絡', now() - interval '450 days'
  FROM tickets, (VALUES ('internal'), ('partner')) AS vis(v);
INSERT INTO consulting_sessions (id, ticket_id, manager_id, company_id, fiscal_year, starts_at, ends_at, duration_minutes,
    mode, status, notes, created_by, created_at, updated_at, sequence)
  SELECT gen_random_uuid(), id, manager_id, company_id, 2025, timestamptz '2024-01-01 00:00+09' + sequence * interval '2 hours',
    timestamptz '2024-01-01 01:00+09' + sequence * interval '2 hours',
    60, 'online', 'held', contact_name || ' 様と面談', 'oc_bench', now() - interval '430 days', now() - interval '420 days', 1
  FROM tickets;
INSERT INTO outcomes (ticket_id, result, measures, teleworkers, satisfaction, summary, manager_id, recorded_by, recorded_at)
  SELECT id, 'introduced', '[]', 5, 4::smallint, contact_name || ' 様が導入', manager_id, 'oc_bench', now() - interval '410 days'
  FROM tickets;
ANALYZE;
SQL

: > $LOG
started=$(date +%s.%N)
DATABASE_URL="$DB_URL" ONESTOP_BIND="127.0.0.1:$PORT" ONESTOP_CONTACT_RETENTION_DAYS=365 \
  ONESTOP_WEBHOOK_WORKER=false RUST_LOG=info,sqlx=warn $BIN serve >>$LOG 2>&1 &
SERVICE=$!
for _ in $(seq 1 3000); do grep -q 'retention pass done' $LOG && break; sleep 0.2; done
finished=$(date +%s.%N)
grep 'retention pass done' $LOG | tail -1
echo "wall clock from start to the pass's end (includes start-up and migrations): $(python3 -c "print(f'{$finished - $started:.1f}')") s"
echo "left with contacts (must be 0): $(psql "$DB_URL" -Atc "SELECT count(*) FROM tickets WHERE anonymized_at IS NULL OR contact_email LIKE '%@example.jp'")"
echo "comments/notes/summaries left (must be 0): $(psql "$DB_URL" -Atc "SELECT (SELECT count(*) FROM comments WHERE body LIKE '%@%') + (SELECT count(*) FROM consulting_sessions WHERE notes LIKE '%様%') + (SELECT count(*) FROM outcomes WHERE summary LIKE '%様%')")"
echo "ticket.anonymized events: $(psql "$DB_URL" -Atc "SELECT count(*) FROM events WHERE event_type = 'ticket.anonymized'")"
