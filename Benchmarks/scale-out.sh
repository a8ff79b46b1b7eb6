#!/usr/bin/env bash
# Growing past one machine, shown on one machine (issue #9): two linli-server processes on two
# ports and two linli-worker processes share one PostgreSQL, and nothing else.
#
#   Benchmarks/scale-out.sh [--reminders N]     (default 1000; about a minute with a debug build)
#
# On its own throwaway PostgreSQL it loads the demo community, seeds a community whose N
# reminders fall due within the next ~15 s, and starts two workers, each sending SMS to its own
# fake gateway (Benchmarks/fake-gateway.py logs every request), and two servers. Then it:
#   - queues a roster solve (`linli roster solve --queue`) and notes which worker claims it;
#   - issues one bearer token (`linli user token admin`) and sends it to both servers;
#   - waits until every reminder job has finished, and prints: jobs succeeded, jobs claimed more
#     than once, requests per gateway (= per worker), idempotency keys delivered more than once
#     (within or across gateways), messages written. It exits non-zero when a job ran twice, a
#     key was delivered twice, a reminder is missing, the solve did not succeed, or a server
#     refused the token.
# Everything it starts (PostgreSQL, gateways, workers, servers) is stopped on exit.
#   LINLI_BENCH_BIN=DIR   linli, linli-server, linli-worker from DIR (default .build/debug)
#   --keep                keep the work folder (logs)
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'scale-out: error: %s\n' "$*" >&2; exit 1; }

N=1000
KEEP=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --reminders) N="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        *) die "unknown argument $1 (see the comment at the top)" ;;
    esac
done
[[ "$N" =~ ^[0-9]+$ && "$N" -ge 10 ]] || die "--reminders must be a number of at least 10"

BIN="${LINLI_BENCH_BIN:-$ROOT/.build/debug}"
for program in linli linli-server linli-worker; do
    [[ -x "$BIN/$program" ]] || die "no $BIN/$program: run swift build (or set LINLI_BENCH_BIN)"
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

WORK="$(mktemp -d /tmp/linli-scale.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
cleanup() {
    local status=$?
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    LINLI_PG_DIR="$WORK/pg" "$ROOT/deploy/local-postgres.sh" destroy >/dev/null 2>&1 || true
    if [[ $KEEP == 1 ]]; then say "logs kept in $WORK"; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT INT TERM

export LINLI_PG_DIR="$WORK/pg" LINLI_PG_PORT="${LINLI_SCALE_PG_PORT:-$(free_port)}" LINLI_PG_DB=linli LINLI_PG_THROWAWAY=1
say "PostgreSQL on port $LINLI_PG_PORT"
"$ROOT/deploy/local-postgres.sh" start >/dev/null 2>&1 || die "the throwaway PostgreSQL did not start"
eval "$("$ROOT/deploy/local-postgres.sh" env)"
export LINLI_LOG_LEVEL=warning LINLI_WECOM_WEBHOOK_URL=off
psql_q() { psql -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }

"$BIN/linli" migrate >/dev/null
"$BIN/linli" demo load >/dev/null

# ---- a community whose N reminders (120 minutes before each shift) fall due over ~15 s
say "seeding $N reminders due in the next 15 s"
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
BEGIN;
INSERT INTO communities (id, code, name, phone, time_zone, quiet_hours_start, quiet_hours_end, daily_message_cap)
VALUES ('00000000-0000-4000-8000-00000000005c', 'scale', '扩展测试社区', '010-12345678', 'Asia/Shanghai',
        ((now() AT TIME ZONE 'Asia/Shanghai') + interval '10 hours')::time,
        ((now() AT TIME ZONE 'Asia/Shanghai') + interval '11 hours')::time, 100);
INSERT INTO places (id, community_id, kind, name, address)
VALUES ('00000000-0000-4000-8000-0000000005c1', '00000000-0000-4000-8000-00000000005c', 'service_station', '社区服务站', '幸福路1号');
INSERT INTO service_types (id, community_id, code, name_zh, name_en, kind, default_minutes, reminder_lead_minutes)
VALUES ('00000000-0000-4000-8000-0000000005c2', '00000000-0000-4000-8000-00000000005c', 'scale_duty', '服务站值守',
        'Service desk duty', 'duty', 60, '{120}');
INSERT INTO volunteers (community_id, external_id, name, phone, sex)
SELECT '00000000-0000-4000-8000-00000000005c', 'S' || lpad(i::text, 5, '0'), '志愿者' || lpad(i::text, 5, '0'),
       '139' || lpad(i::text, 8, '0'), (CASE WHEN i % 2 = 0 THEN 'female' ELSE 'male' END)::sex
FROM generate_series(1, $N) i;
INSERT INTO slots (community_id, service_type_id, place_id, starts_at, ends_at, headcount_min, headcount_max, note)
SELECT '00000000-0000-4000-8000-00000000005c', '00000000-0000-4000-8000-0000000005c2', '00000000-0000-4000-8000-0000000005c1',
       now() + interval '120 minutes' + interval '15 seconds' * i / $N,
       now() + interval '180 minutes' + interval '15 seconds' * i / $N, 1, 1, 'scale ' || i
FROM generate_series(1, $N) i;
INSERT INTO rosters (id, community_id, week_start, version, state, published_at)
VALUES ('00000000-0000-4000-8000-0000000005c3', '00000000-0000-4000-8000-00000000005c',
        date_trunc('week', now() AT TIME ZONE 'Asia/Shanghai')::date, 1, 'published', now());
INSERT INTO assignments (roster_id, community_id, slot_id, volunteer_id, is_live)
SELECT '00000000-0000-4000-8000-0000000005c3', '00000000-0000-4000-8000-00000000005c', s.id, v.id, true
FROM (SELECT id, row_number() OVER (ORDER BY starts_at, id) AS rn FROM slots
      WHERE community_id = '00000000-0000-4000-8000-00000000005c') s
JOIN (SELECT id, row_number() OVER (ORDER BY external_id) AS rn FROM volunteers
      WHERE community_id = '00000000-0000-4000-8000-00000000005c') v USING (rn);
COMMIT;
SQL
"$BIN/linli" reminders plan --community scale >/dev/null
planned="$(psql_q "SELECT count(*) FROM jobs WHERE kind = 'reminder.send' AND community_id = '00000000-0000-4000-8000-00000000005c'")"
[[ "$planned" == "$N" ]] || die "expected $N reminder jobs, the planner made $planned"

# ---- two gateways, two workers (each to its own gateway), two servers
SECRET="scale-out-secret-0123456789"
for name in a b; do
    python3 "$ROOT/Benchmarks/fake-gateway.py" --port 0 --log "$WORK/gateway-$name.jsonl" --secret "$SECRET" \
        >"$WORK/gateway-$name.port" 2>"$WORK/gateway-$name.err" &
    PIDS+=($!)
done
for name in a b; do
    for _ in $(seq 100); do [[ -s "$WORK/gateway-$name.port" ]] && break; sleep 0.05; done
    [[ -s "$WORK/gateway-$name.port" ]] || die "gateway $name did not start"
done
start_worker() {
    local name=$1 port
    port="$(head -1 "$WORK/gateway-$name.port")"
    LINLI_INSTANCE_NAME="scale-worker-$name" LINLI_SMS_WEBHOOK_URL="http://127.0.0.1:$port/sms" \
        LINLI_SMS_WEBHOOK_SECRET="$SECRET" LINLI_WORKER_CONCURRENCY=8 LINLI_DATABASE_POOL_SIZE=12 LINLI_LOG_LEVEL=info \
        "$BIN/linli-worker" >"$WORK/worker-$name.log" 2>&1 &
    PIDS+=($!)
}
HTTP1="$(free_port)"
HTTP2="$(free_port)"
for port in "$HTTP1" "$HTTP2"; do
    LINLI_HTTP_PORT="$port" LINLI_INSTANCE_NAME="scale-server-$port" "$BIN/linli-server" >"$WORK/server-$port.log" 2>&1 &
    PIDS+=($!)
done
started=$(date +%s.%N)
start_worker a
start_worker b
say "two servers on ports $HTTP1 and $HTTP2, two workers (scale-worker-a, scale-worker-b)"
for port in "$HTTP1" "$HTTP2"; do
    for _ in $(seq 300); do curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break; sleep 0.1; done
    curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" || die "server on $port is not ready (see --keep logs)"
done

# ---- a roster solve, queued; whichever worker is free claims it
week="$(psql_q "SELECT to_char((now() AT TIME ZONE 'Asia/Shanghai')::date + 7, 'IYYY-\"W\"IW')")"
run="$("$BIN/linli" roster solve --community demo --week "$week" --seconds 3 --queue --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["id"])')"
job="$(psql_q "SELECT job_id FROM roster_solve_runs WHERE id = '$run'")"
say "queued roster solve $run (job $job) for demo $week"

# ---- one bearer token, sent to both servers
token="$("$BIN/linli" user token admin --days 1 --label scale-out 2>/dev/null)"
hash="$(printf %s "$token" | sha256sum | cut -d' ' -f1)"
in_db="$(psql_q "SET linli.all_communities = 'on'; SELECT count(*) FROM sessions WHERE token_hash = decode('$hash', 'hex') AND revoked_at IS NULL AND expires_at > now()")"
token_ok=1
[[ "$in_db" == 1 ]] || { echo "the token's session is not in the shared database" >&2; token_ok=0; }
for port in "$HTTP1" "$HTTP2"; do
    code="$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
        "http://127.0.0.1:$port/api/v1/communities/demo/volunteers?limit=5")"
    [[ "$code" == 200 ]] || { echo "server $port answered $code to the bearer token" >&2; token_ok=0; }
    # LEAD: when sign-in over HTTP is merged (branch auth), run with LINLI_SCALE_CHECK_AUTH=1: the same request
    # without the token must then be refused (401) by both servers, so the 200 above proves the token was checked.
    if [[ "${LINLI_SCALE_CHECK_AUTH:-0}" == 1 ]]; then
        code="$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/communities/demo/volunteers?limit=5")"
        [[ "$code" == 401 ]] || { echo "server $port answered $code without a token (expected 401)" >&2; token_ok=0; }
    fi
done

# ---- wait for every reminder and the solve; note who holds the solve while it runs
solver=""
deadline=$((SECONDS + 240))
while :; do
    left="$(psql_q "SELECT count(*) FROM jobs WHERE kind = 'reminder.send' AND community_id = '00000000-0000-4000-8000-00000000005c' AND state IN ('pending', 'running')")"
    solve_state="$(psql_q "SELECT state FROM roster_solve_runs WHERE id = '$run'")"
    if [[ -z "$solver" ]]; then
        solver="$(psql_q "SELECT coalesce(locked_by, '') FROM jobs WHERE id = $job")"
    fi
    [[ "$left" == 0 && "$solve_state" =~ ^(succeeded|failed|cancelled)$ ]] && break
    ((SECONDS < deadline)) || die "timed out: $left reminder jobs left, solve $solve_state"
    sleep 0.2
done
last_sent="$(psql_q "SELECT extract(epoch FROM max(finished_at)) FROM jobs WHERE kind = 'reminder.send' AND community_id = '00000000-0000-4000-8000-00000000005c'")"

# ---- results
read -r succeeded reclaimed dead < <(psql_q "SELECT count(*) FILTER (WHERE state = 'succeeded'), count(*) FILTER (WHERE attempts > 1), count(*) FILTER (WHERE state = 'dead') FROM jobs WHERE kind = 'reminder.send' AND community_id = '00000000-0000-4000-8000-00000000005c'" | tr '|' ' ')
messages="$(psql_q "SELECT count(*) FROM messages WHERE community_id = '00000000-0000-4000-8000-00000000005c' AND state = 'sent'")"
gateway_counts="$(python3 - "$WORK/gateway-a.jsonl" "$WORK/gateway-b.jsonl" <<'PY'
import collections, json, sys
per = []
keys = collections.Counter()
bad = 0
for path in sys.argv[1:]:
    n = 0
    try:
        with open(path) as log:
            for line in log:
                entry = json.loads(line)
                n += 1
                keys[entry["idempotency_key"]] += 1
                bad += entry.get("signature_valid") is False
    except FileNotFoundError:
        pass
    per.append(n)
print(per[0], per[1], len(keys), sum(1 for c in keys.values() if c > 1), bad)
PY
)"
read -r gw_a gw_b distinct duplicated bad_signatures <<<"$gateway_counts"
solve_state="$(psql_q "SELECT state FROM roster_solve_runs WHERE id = '$run'")"
solve_result="$(psql_q "SELECT coalesce(r.version::text, '-') || ' (' || coalesce(s.unfilled::text, '?') || ' unfilled)' FROM roster_solve_runs s LEFT JOIN rosters r ON r.id = s.result_roster_id WHERE s.id = '$run'")"
span="$(python3 -c "print(f'{$last_sent - $started:.1f}')")"

cat <<REPORT

scale-out: 2 × linli-server, 2 × linli-worker, one PostgreSQL (binaries: $BIN)
  reminder jobs          $N planned, $succeeded succeeded, $dead dead, $reclaimed claimed more than once
  deliveries             gateway of worker a: $gw_a, of worker b: $gw_b; $distinct distinct keys, $duplicated delivered twice
  bad signatures         $bad_signatures
  messages marked sent   $messages
  throughput             $N reminders in ${span} s from the workers' start (due times spread over 15 s)
  roster solve           run $run: $solve_state, draft version $solve_result, claimed by ${solver:-"(not seen running)"}
  bearer token           issued once; in the shared sessions table: $in_db; answered 200 by both servers
REPORT
[[ "${LINLI_SCALE_CHECK_AUTH:-0}" == 1 ]] ||
    echo "                         (the API does not check tokens yet in this branch: LINLI_SCALE_CHECK_AUTH=1 once it does)"

status=0
[[ "$succeeded" == "$N" ]] || { echo "FAIL: $((N - succeeded)) reminder jobs did not succeed" >&2; status=1; }
[[ "$reclaimed" == 0 ]] || { echo "FAIL: $reclaimed jobs were claimed more than once" >&2; status=1; }
[[ "$duplicated" == 0 ]] || { echo "FAIL: $duplicated keys were delivered more than once" >&2; status=1; }
[[ "$distinct" == "$N" ]] || { echo "FAIL: $distinct distinct deliveries for $N reminders" >&2; status=1; }
[[ "$gw_a" -gt 0 && "$gw_b" -gt 0 ]] || { echo "FAIL: one worker sent nothing" >&2; status=1; }
[[ "$solve_state" == succeeded ]] || { echo "FAIL: the roster solve ended $solve_state" >&2; status=1; }
[[ "$token_ok" == 1 ]] || { echo "FAIL: the bearer token was not accepted everywhere" >&2; status=1; }
exit "$status"
