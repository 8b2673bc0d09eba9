#!/usr/bin/env bash
# Schemathesis against the real service, once per backend: builds the binary, starts it on a
# free port with a fresh database (a temp SQLite file; a PostgreSQL database created and
# dropped here), seeds real records through `onestop seed-demo` and the API, and fuzzes every
# operation with the admin's and the coordinator's tokens and those records' ids
# (.ci/schemathesis.toml). Fails on any server error, response-schema violation, undocumented
# status code, content type or header.
#
#   .ci/schemathesis.sh [sqlite] [postgres]        (both when none is named)
#
# SCHEMATHESIS_MAX_EXAMPLES (default 100) bounds the cases per operation and phase,
# SCHEMATHESIS_SEED (default fixed) makes a run repeatable, SCHEMATHESIS_PG_URL (default
# postgres://postgres@127.0.0.1:5432/postgres) is where PostgreSQL databases are created,
# SCHEMATHESIS_REPORT_DIR keeps the NDJSON reports (every request and answer) per backend,
# SCHEMATHESIS_CONFIG replaces .ci/schemathesis.toml (to try other roles: the partner's and
# the manager's tokens are exported too, as FUZZ_PARTNER_TOKEN and FUZZ_MANAGER_TOKEN).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-100}"
seed="${SCHEMATHESIS_SEED:-20261201}"
pg_admin_url="${SCHEMATHESIS_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
# The checks the gate holds the service to; the others (positive_data_acceptance and friends)
# judge how strict validation is, which the schema does not try to describe completely.
checks="not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"

backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(sqlite postgres)

cargo build --quiet --bin onestop
target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
onestop="$target_dir/debug/onestop"

# JSON field `$2` (a dotted path, list indexes allowed) of the document in file `$1`.
field() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
value = json.load(open(sys.argv[1]))
for part in sys.argv[2].split("."):
    value = value[int(part)] if isinstance(value, list) else value[part]
print(value)
EOF
}

# POST JSON `$3` to `$2` with token `$1`; the answer goes to the file `$4`, and anything but a
# 2xx fails the script.
post() {
    local status
    status="$(curl -sS -o "$4" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
        -H 'Content-Type: application/json' -d "$3" "$base$2")"
    case "$status" in
    2??) ;;
    *)
        echo "seeding: POST $2 answered $status: $(cat "$4")" >&2
        return 1
        ;;
    esac
}

token() {
    local answer="$work/token.json"
    curl -sS -f -o "$answer" -H 'Content-Type: application/json' \
        -d "{\"client_id\":\"$1\",\"client_secret\":\"$2\"}" "$base/v1/auth/token"
    field "$answer" access_token
}

server_pid=""
pg_database=""
work=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
    if [ -n "$pg_database" ]; then
        psql -q "$pg_admin_url" -c "DROP DATABASE IF EXISTS \"$pg_database\" WITH (FORCE)" || true
        pg_database=""
    fi
    if [ -n "$work" ]; then
        rm -rf "$work"
        work=""
    fi
}
trap cleanup EXIT

fuzz() {
    local backend="$1" started
    started="$(date +%s)"
    work="$(mktemp -d)"
    case "$backend" in
    sqlite) database_url="sqlite://$work/onestop.db?mode=rwc" ;;
    postgres)
        pg_database="onestop_fuzz_$(date +%s)_$$"
        psql -q "$pg_admin_url" -c "CREATE DATABASE \"$pg_database\""
        database_url="$(python3 - "$pg_admin_url" "$pg_database" <<'EOF'
import sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit(url._replace(path="/" + sys.argv[2])))
EOF
)"
        ;;
    *)
        echo "unknown backend $backend (sqlite or postgres)" >&2
        return 2
        ;;
    esac
    echo "== schemathesis on $backend"

    # A fixed key, no rate limits (a 429 would stand in for the answer under test) and no
    # outbound webhook deliveries.
    export DATABASE_URL="$database_url"
    export ONESTOP_BIND=127.0.0.1:0
    export ONESTOP_JWT_SECRET=schemathesis-fixed-signing-key-0123456789
    export ONESTOP_RATE_LIMIT_PER_SECOND=0
    export ONESTOP_TOKEN_FAILURES_PER_PAIR=0
    export ONESTOP_TOKEN_FAILURES_PER_CLIENT=0
    export ONESTOP_TOKEN_FAILURES_PER_ADDRESS=0
    export ONESTOP_WEBHOOK_WORKER=false
    export RUST_LOG="${RUST_LOG:-warn}"

    "$onestop" seed-demo >"$work/seed.json"
    "$onestop" clients create --role analyst --name "fuzz: revoked" >"$work/revoked.json"
    "$onestop" clients create --role analyst --name "fuzz: edited" >"$work/edited.json"

    "$onestop" serve >"$work/serve.out" 2>"$work/serve.log" &
    server_pid=$!
    base=""
    for _ in $(seq 1 100); do
        base="$(sed -n 's/^onestop listening on \(http:[^ ]*\).*/\1/p' "$work/serve.out")"
        [ -n "$base" ] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$base" ]; then
        echo "the service did not start:" >&2
        cat "$work/serve.out" "$work/serve.log" >&2
        return 1
    fi

    local admin_id admin_secret coordinator_id coordinator_secret
    admin_id="$(field "$work/seed.json" clients.0.client_id)"
    admin_secret="$(field "$work/seed.json" clients.0.client_secret)"
    coordinator_id="$(field "$work/seed.json" clients.1.client_id)"
    coordinator_secret="$(field "$work/seed.json" clients.1.client_secret)"
    [ "$(field "$work/seed.json" clients.0.role)" = admin ]
    [ "$(field "$work/seed.json" clients.1.role)" = coordinator ]
    FUZZ_ADMIN_TOKEN="$(token "$admin_id" "$admin_secret")"
    FUZZ_COORDINATOR_TOKEN="$(token "$coordinator_id" "$coordinator_secret")"
    [ "$(field "$work/seed.json" clients.2.role)" = partner ]
    [ "$(field "$work/seed.json" clients.3.role)" = manager ]
    FUZZ_PARTNER_TOKEN="$(token "$(field "$work/seed.json" clients.2.client_id)" \
        "$(field "$work/seed.json" clients.2.client_secret)")"
    FUZZ_MANAGER_TOKEN="$(token "$(field "$work/seed.json" clients.3.client_id)" \
        "$(field "$work/seed.json" clients.3.client_secret)")"
    FUZZ_ADMIN_BASIC="$(printf '%s:%s' "$admin_id" "$admin_secret" | base64 -w0)"
    FUZZ_PARTNER="$(field "$work/seed.json" partners.0)"
    FUZZ_MANAGER="$(field "$work/seed.json" managers.0)"
    FUZZ_REVOKED_CLIENT="$(field "$work/revoked.json" id)"
    FUZZ_EDITED_CLIENT="$(field "$work/edited.json" id)"

    # A case per kind of change, so that one operation's success (an outcome resolves its
    # case, a release unassigns it) does not leave the others only their 409s: the demo's
    # four cases and two more filed here.
    FUZZ_CASE="$(field "$work/seed.json" cases.0.id)"
    FUZZ_CASE_WITH_SESSION="$(field "$work/seed.json" cases.1.id)"
    FUZZ_CASE_FOR_OUTCOME="$(field "$work/seed.json" cases.2.id)"
    FUZZ_CASE_FOR_TRANSITIONS="$(field "$work/seed.json" cases.3.id)"
    local filing
    filing='{"company":{"name":"株式会社ファズ","prefecture":"13","employees":20},
        "contact":{"name":"検証 太郎","email":"fuzz@example.jp"},
        "subject":"社外から社内システムに安全に接続したい",
        "description":"VPNかリモートデスクトップか、セキュリティ対策を相談したい。",
        "topics":["ict.remote_access"],"preferred_mode":"online","channel":"web"}'
    post "$FUZZ_COORDINATOR_TOKEN" /v1/tickets "$filing" "$work/c5.json"
    FUZZ_CASE_FOR_ASSIGNMENT="$(field "$work/c5.json" id)"
    post "$FUZZ_COORDINATOR_TOKEN" /v1/tickets "$filing" "$work/c6.json"
    FUZZ_CASE_FOR_RELEASE="$(field "$work/c6.json" id)"
    for case in "$FUZZ_CASE_WITH_SESSION" "$FUZZ_CASE_FOR_OUTCOME" "$FUZZ_CASE_FOR_RELEASE"; do
        post "$FUZZ_COORDINATOR_TOKEN" "/v1/tickets/$case/assignment" '{}' "$work/assigned.json"
    done
    post "$FUZZ_COORDINATOR_TOKEN" "/v1/tickets/$FUZZ_CASE_WITH_SESSION/sessions" \
        "{\"starts_at\":\"$(date -u -d '+30 days' +%Y-%m-%dT01:00:00Z)\",\"duration_minutes\":60,\"mode\":\"online\"}" \
        "$work/session.json"
    FUZZ_SESSION="$(field "$work/session.json" id)"
    FUZZ_COMPANY="$(field "$work/session.json" company_id)"
    # Two resolved cases for the outcome survey: one whose link the fuzzer issues again and
    # again, one whose link (issued here) it reads and answers without a token.
    local resolved=() id
    for n in 7 8; do
        post "$FUZZ_COORDINATOR_TOKEN" /v1/tickets "$filing" "$work/c$n.json"
        id="$(field "$work/c$n.json" id)"
        post "$FUZZ_COORDINATOR_TOKEN" "/v1/tickets/$id/assignment" '{}' "$work/assigned.json"
        curl -sS -f -o "$work/outcome.json" -X PUT -H "Authorization: Bearer $FUZZ_COORDINATOR_TOKEN" \
            -H 'Content-Type: application/json' -d '{"result":"planned"}' \
            "$base/v1/tickets/$id/outcome"
        resolved+=("$id")
    done
    FUZZ_CASE_FOR_SURVEY_LINK="${resolved[0]}"
    post "$FUZZ_COORDINATOR_TOKEN" "/v1/tickets/${resolved[1]}/survey-link" '{}' "$work/link.json"
    FUZZ_SURVEY_TOKEN="$(field "$work/link.json" url)"
    FUZZ_SURVEY_TOKEN="${FUZZ_SURVEY_TOKEN##*/}"
    # Webhook subscriptions to literal, globally routed addresses: no name to resolve, and no
    # worker delivers.
    post "$FUZZ_ADMIN_TOKEN" /v1/webhooks \
        '{"url":"https://8.8.8.8/onestop","events":["ticket.created"]}' "$work/w1.json"
    FUZZ_WEBHOOK="$(field "$work/w1.json" id)"
    post "$FUZZ_ADMIN_TOKEN" /v1/webhooks \
        '{"url":"https://8.8.4.4/onestop","events":["comment.added"]}' "$work/w2.json"
    FUZZ_DELETED_WEBHOOK="$(field "$work/w2.json" id)"
    export FUZZ_ADMIN_TOKEN FUZZ_COORDINATOR_TOKEN FUZZ_PARTNER_TOKEN FUZZ_MANAGER_TOKEN \
        FUZZ_ADMIN_BASIC FUZZ_PARTNER FUZZ_MANAGER \
        FUZZ_REVOKED_CLIENT FUZZ_EDITED_CLIENT FUZZ_CASE FUZZ_CASE_WITH_SESSION \
        FUZZ_CASE_FOR_OUTCOME FUZZ_CASE_FOR_TRANSITIONS FUZZ_CASE_FOR_ASSIGNMENT \
        FUZZ_CASE_FOR_RELEASE FUZZ_SESSION FUZZ_COMPANY FUZZ_WEBHOOK FUZZ_DELETED_WEBHOOK \
        FUZZ_CASE_FOR_SURVEY_LINK FUZZ_SURVEY_TOKEN

    local status=0
    # From the work directory, so schemathesis' example database and reports stay out of the
    # repository. One worker: with two, a run of 4.32.5 once stopped on an internal error of
    # Hypothesis' lambda descriptions ("AST constructor recursion depth mismatch") racing in
    # threads, and one worker also keeps a seed's run repeatable.
    (cd "$work" && schemathesis --config-file "${SCHEMATHESIS_CONFIG:-$repo/.ci/schemathesis.toml}" run \
        "$base/openapi.json" \
        --checks "$checks" \
        --max-examples "$max_examples" \
        --seed "$seed" \
        --workers 1 \
        --request-timeout 30 \
        --no-color \
        --report ndjson --report-dir "${SCHEMATHESIS_REPORT_DIR:-$work/report}/$backend") ||
        status=$?

    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "the service died during the run:" >&2
        tail -n 50 "$work/serve.log" >&2
        status=1
    fi
    if [ "$status" -ne 0 ]; then
        echo "--- server errors logged on $backend:" >&2
        grep -a -E 'ERROR|panicked' "$work/serve.log" | tail -n 40 >&2 || true
    fi
    cleanup
    echo "== schemathesis on $backend: exit $status in $(($(date +%s) - started)) s"
    return "$status"
}

# Called plainly (not under `||`), so `set -e` holds inside: a failed step stops the script.
for backend in "${backends[@]}"; do
    fuzz "$backend"
done
