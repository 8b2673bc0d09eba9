#!/usr/bin/env bash
# Case search benchmark on PostgreSQL: GET /v1/tickets?q= over 1,000,000 cases, a
# two-character and a five-character Japanese query (and a rare one), timed end to end with
# curl; p50 and p99 of ROUNDS requests each after a warm-up, plus the plan PostgreSQL chose
# (the bigram index, not a scan of every case); each query alone and with a status filter.
# Usage: bash bench/search.sh   (from the repository root)
# Env: PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), PORT (18094),
#      CASES (1000000), ROUNDS (200).
set -euo pipefail
cd "$(dirname "$0")/.."
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PORT="${PORT:-18094}"
CASES="${CASES:-1000000}"
ROUNDS="${ROUNDS:-200}"
DB=onestop_bench_search
DB_URL="${PG_ADMIN_URL%/*}/$DB"
BASE="http://127.0.0.1:$PORT"

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

cargo build --release --quiet --bin onestop
BIN=target/release/onestop

psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
# KEEP_DB=1 leaves the seeded database for EXPLAIN after the run.
trap 'kill $SERVICE 2>/dev/null || true; [ "${KEEP_DB:-0}" = 1 ] || psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
DATABASE_URL="$DB_URL" $BIN migrate
coordinator=$(DATABASE_URL="$DB_URL" $BIN clients create --role coordinator --name bench-coordinator)

echo "== seeding $CASES cases whose texts combine everyday consultation phrases"
start=$(date +%s)
psql "$DB_URL" -q <<SQL
DROP INDEX ticket_search_bigrams;
INSERT INTO companies (id, corporate_number, name, name_key, prefecture, industry, employees, capital_jpy, version, created_at, updated_at)
  VALUES (gen_random_uuid(), NULL, '株式会社ベンチ', '株式会社ベンチ', '13', 'E', 40, 10000000, 1, now(), now());
CREATE TEMP TABLE phrases (n int, subject text, description text);
INSERT INTO phrases VALUES
  (0, 'VPN接続が遅い', '自宅から社内のファイルサーバに接続すると遅くて仕事にならない。'),
  (1, '在宅勤務の労務管理', '中抜け時間の扱いと就業規則の改定方法を知りたい。'),
  (2, '通信費の負担について', '自宅の回線代や電気代を会社がどこまで負担すべきか。'),
  (3, 'Web会議ツールの選び方', '取引先とのオンライン会議に使うサービスを比べたい。'),
  (4, 'テレワーク規程の作り方', '就業規則とは別に規程を設けるべきか相談したい。'),
  (5, '勤怠の記録方法', 'パソコンのログで労働時間を把握してよいか。'),
  (6, 'セキュリティ対策', '私物の端末を業務に使わせる場合の注意点を知りたい。'),
  (7, '助成金の申請', '人材確保等支援助成金のテレワークコースを使いたい。'),
  (8, 'ペーパーレス化', '押印のための出社をなくしたい。電子契約を検討中。'),
  (9, '評価制度の見直し', '在宅勤務者の人事評価をどう公平に行うか。');
INSERT INTO tickets (id, reference, fiscal_year, sequence, channel, partner_id, company_id, prefecture, industry,
    contact_name, contact_email, contact_phone, subject, description, topics, preferred_mode, status, held_from,
    track, routing, manager_id, version, created_at, updated_at, first_contact_due, assignment_due,
    paused_business_days, received_on, company_name)
  SELECT gen_random_uuid(), 'TW-2026-' || lpad(g::text, 7, '0'), 2026, g, 'phone', NULL,
    (SELECT id FROM companies LIMIT 1), '13', 'E', '試験', 'seed@example.jp', NULL,
    a.subject || '（' || g || '）', a.description || b.description
      || CASE WHEN g % 1000 = 0 THEN 'サテライトオフィスの利用も検討している。' ELSE '' END,
    '[]', 'either', 'triaged', NULL, 'labor', NULL, NULL, 1,
    timestamptz '2026-04-01 00:00+09' + (g % 365) * interval '1 day', now(),
    DATE '2026-04-03', DATE '2026-04-08', 0, DATE '2026-04-01' + (g % 365), '株式会社ベンチ'
  FROM generate_series(1, $CASES) AS g
  JOIN phrases a ON a.n = g % 10
  JOIN phrases b ON b.n = (g / 10) % 10;
INSERT INTO ticket_search (ticket_id, search_text)
  SELECT id, lower(normalize(subject || E'\n' || description || E'\n' || company_name || E'\n' || reference, NFKC))
  FROM tickets;
SQL
echo "seeded in $(( $(date +%s) - start )) s"
start=$(date +%s)
psql "$DB_URL" -qc "CREATE INDEX ticket_search_bigrams ON ticket_search USING gin (onestop_bigrams(search_text))" -c "ANALYZE"
echo "bigram index built in $(( $(date +%s) - start )) s; size $(psql "$DB_URL" -Atc "SELECT pg_size_pretty(pg_relation_size('ticket_search_bigrams'))")"

DATABASE_URL="$DB_URL" ONESTOP_BIND="127.0.0.1:$PORT" ONESTOP_RATE_LIMIT_PER_SECOND=0 RUST_LOG=warn $BIN serve >/tmp/onestop-bench-search.log 2>&1 &
SERVICE=$!
for _ in $(seq 1 50); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.2; done
token=$(curl -fs "$BASE/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"client_id\":\"$(echo "$coordinator" | json "['client_id']")\",\"client_secret\":\"$(echo "$coordinator" | json "['client_secret']")\"}" | json "['access_token']")

echo "== GET /v1/tickets?q=... over $CASES cases ($ROUNDS requests each; seconds)"
# A search alone takes its page among the search keys; with another filter (every seeded case
# is triaged, so the filter keeps every match) the sorted matches are joined to the cases.
for filter in "" "&status=triaged"; do
for q in 労務 助成金の申 テレワーク サテライト; do
  encoded=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "$q")
  url="$BASE/v1/tickets?q=$encoded$filter&limit=50"
  found=$(curl -fs "$url" -H "authorization: Bearer $token" | json "['items'].__len__()")
  for _ in 1 2 3 4 5; do curl -fs -o /dev/null "$url" -H "authorization: Bearer $token"; done
  for _ in $(seq 1 "$ROUNDS"); do curl -fs -o /dev/null -w '%{time_total}\n' "$url" -H "authorization: Bearer $token"; done \
    | python3 -c "
import sys
t = sorted(float(x) for x in sys.stdin)
p = lambda q: t[min(len(t) - 1, int(q * len(t)))]
print('q=$q$filter (${#q} characters): first page $found items; p50 %.4f p99 %.4f max %.4f' % (p(0.5), p(0.99), t[-1]))"
  key=$(python3 -c "import unicodedata,sys; print(unicodedata.normalize('NFKC', sys.argv[1]).lower())" "$q")
  matches="SELECT ticket_id FROM ticket_search WHERE search_text LIKE '%$key%'
      AND onestop_bigrams(search_text) @> onestop_bigrams('$key') ORDER BY ticket_id"
  if [ -z "$filter" ]; then
    query="SELECT * FROM tickets WHERE id IN ($matches LIMIT 51) ORDER BY id LIMIT 51"
  else
    query="SELECT t.* FROM tickets t JOIN ($matches) m ON m.ticket_id = t.id WHERE t.status = 'triaged' ORDER BY t.id LIMIT 51"
  fi
  psql "$DB_URL" -Atc "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) $query" | grep -E "Scan|Sort Method|Execution" | sed 's/^/    plan: /'
done
done
