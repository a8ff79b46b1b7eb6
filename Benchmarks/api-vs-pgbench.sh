#!/usr/bin/env bash
# The booking desk (POST …/bookings/proposals) and a roster read (GET …/rosters/{id}/assignments)
# under concurrent clients on loopback (`linli bench api`), next to pgbench running the very SQL
# those endpoints send, in the same run on the same throwaway PostgreSQL: the database's ceiling.
# The community is the scheduler issue's size (`linli bench seed`: CommunityGenerator.week).
#
# The SQL is not copied by hand: one request of each kind is sent with log_statement = all, and
# the statements linli-server sent (BEGIN … COMMIT, parameters filled in) become the pgbench
# scripts, run as the application role (row-level security on, as for the server).
#
#   Benchmarks/api-vs-pgbench.sh [SECONDS] [CLIENTS,…] [release|debug] [VOLUNTEERS]
#   (defaults: 10 s per measurement, 1 and 8 clients, release, 300 volunteers)
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
SECONDS_EACH="${1:-10}"
CLIENTS="${2:-1,8}"
CONFIGURATION="${3:-release}"
VOLUNTEERS="${4:-300}"
PGBENCH="$(ls -d /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1)"
[[ -x "$PGBENCH" ]] || PGBENCH="$(command -v pgbench)"

if [[ -n "${LINLI_BENCH_BIN:-}" ]]; then # binaries already built (e.g. .build/release)
    BIN="$LINLI_BENCH_BIN"
else
    swift build -c "$CONFIGURATION" --product linli >&2
    swift build -c "$CONFIGURATION" --product linli-server >&2
    BIN="$(swift build -c "$CONFIGURATION" --show-bin-path)"
fi
WORK="$(mktemp -d /tmp/linli-api-bench.XXXXXX)"
chmod 755 "$WORK"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export LINLI_PG_DIR="$WORK/postgres" LINLI_PG_DB=linli LINLI_PG_THROWAWAY=1
LINLI_PG_PORT="$(free_port)"
export LINLI_PG_PORT
SERVER_PID=""
cleanup() {
    [[ -z "$SERVER_PID" ]] || kill "$SERVER_PID" 2>/dev/null || true
    "$ROOT/deploy/local-postgres.sh" destroy >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
"$ROOT/deploy/local-postgres.sh" start
eval "$("$ROOT/deploy/local-postgres.sh" env)"
"$BIN/linli" migrate >/dev/null
CODE="bench$VOLUNTEERS"
"$BIN/linli" bench seed --volunteers "$VOLUNTEERS" --code "$CODE" >&2
# The endpoints need a signed-in account: a coordinator of the community with a bearer token.
python3 -c 'import secrets; print(secrets.token_urlsafe(24))' |
    "$BIN/linli" user create bench.desk --name 压测 --role "coordinator@$CODE" >&2
LINLI_BENCH_TOKEN="$("$BIN/linli" user token bench.desk --days 1 --label api-vs-pgbench 2>/dev/null)"
export LINLI_BENCH_TOKEN
AUTH="Authorization: Bearer $LINLI_BENCH_TOKEN"

HTTP_PORT="$(free_port)"
LINLI_HTTP_PORT="$HTTP_PORT" LINLI_LOG_LEVEL=warning "$BIN/linli-server" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
URL="http://127.0.0.1:$HTTP_PORT"
for _ in $(seq 1 100); do curl -fs "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "$URL/readyz" >/dev/null

# One request of each kind with every statement logged, tagged with the application's name,
# after one proposal left out of the capture: the server keeps the loaded week (WeekCache),
# so the captured one is what every later proposal sends.
psql -q -c "ALTER SYSTEM SET log_statement = 'all'" -c "ALTER SYSTEM SET log_line_prefix = '%a|'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
LOG="$LINLI_PG_DIR/postgres.log"
capture() { # name method url [body]
    local before
    before="$(wc -c <"$LOG")"
    if [[ -n "${4:-}" ]]; then
        curl -fs -X "$2" -H "$AUTH" -H 'Content-Type: application/json' --data "$4" "$3" >"$WORK/$1.json"
    else
        curl -fs -X "$2" -H "$AUTH" "$3" >"$WORK/$1.json"
    fi
    sleep 0.3
    tail -c +"$((before + 1))" "$LOG" >"$WORK/$1.log"
}
TARGET="$("$BIN/linli" bench api --code "$CODE" --print-target)"
ROSTER="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["roster"])' "$TARGET")"
BODY="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["sample_body"])' "$TARGET")"
curl -fs -X POST -H "$AUTH" -H 'Content-Type: application/json' --data "$BODY" \
    "$URL/api/v1/communities/$CODE/bookings/proposals" >/dev/null
capture proposal POST "$URL/api/v1/communities/$CODE/bookings/proposals" "$BODY"
capture roster GET "$URL/api/v1/communities/$CODE/rosters/$ROSTER/assignments"
psql -q -c "ALTER SYSTEM RESET log_statement" -c "ALTER SYSTEM RESET log_line_prefix" -c "SELECT pg_reload_conf()" >/dev/null

# The logged statements as pgbench scripts: parameters written in as literals; the proposal's
# new id made fresh each time (it is a primary key).
for name in proposal roster; do
    python3 - "$WORK/$name.log" "$WORK/$name.sql" <<'PY'
import re, sys
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n")
statements, current = [], None
for line in lines:
    if line.startswith("linli-server|"):
        body = line[len("linli-server|"):]
        m = re.match(r"LOG:\s+(?:statement|execute [^:]*):\s(.*)$", body)
        if m:
            current = [m.group(1), {}]
            statements.append(current)
            continue
        m = re.match(r"DETAIL:\s+parameters:\s(.*)$", body)
        if m and current is not None:
            for n, value in re.findall(r"\$(\d+) = (NULL|'(?:[^']|'')*')", m.group(1)):
                current[1][n] = value
            continue
        current = None
    elif line.startswith("\t") and current is not None:
        current[0] += "\n" + line[1:]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for sql, params in statements:
        if "INSERT INTO booking_proposals" in sql:
            params["1"] = "gen_random_uuid()"
        sql = re.sub(r"\$(\d+)\b", lambda m: params.get(m.group(1), m.group(0)), sql)
        out.write(sql.strip().rstrip(";") + ";\n")
print(f"{sys.argv[2]}: {len(statements)} statements", file=sys.stderr)
PY
done

pgbench_run() { # name clients → "tps p50_ms p99_ms"
    local threads=$(( $2 < 2 ? 1 : 2 ))
    rm -f "$WORK"/pgbench_log.*
    (cd "$WORK" && PGOPTIONS="-c role=linli_app" "$PGBENCH" -n -f "$WORK/$1.sql" -c "$2" -j "$threads" \
        -T "$SECONDS_EACH" -l --log-prefix=pgbench_log >"$WORK/$1.pgbench" 2>&1) || { cat "$WORK/$1.pgbench" >&2; exit 1; }
    python3 - "$WORK" "$WORK/$1.pgbench" <<'PY'
import glob, re, sys
us = sorted(int(l.split()[2]) for f in glob.glob(sys.argv[1] + "/pgbench_log.*") for l in open(f) if l.strip())
tps = float(re.search(r"tps = ([0-9.]+)", open(sys.argv[2]).read()).group(1))
pct = lambda p: us[min(len(us) - 1, max(0, int(len(us) * p + 0.999999) - 1))] / 1000 if us else 0
print(f"{tps:.1f} {pct(0.5):.2f} {pct(0.99):.2f}")
PY
}
: >"$WORK/results.txt"
for clients in ${CLIENTS//,/ }; do
    "$BIN/linli" bench api --url "$URL" --code "$CODE" --seconds "$SECONDS_EACH" --concurrency "$clients" --json \
        >"$WORK/load-$clients.json"
    for name in proposal roster; do
        echo "$clients $name $(pgbench_run "$name" "$clients")" >>"$WORK/results.txt"
    done
done

python3 - "$WORK" "$CONFIGURATION" "$VOLUNTEERS" <<'PY'
import json, sys
work, configuration, volunteers = sys.argv[1:4]
names = {"proposal": "booking proposal", "roster": "roster read"}
print(f"{volunteers} volunteers, {configuration} build, loopback, 2 shared cores")
print(f"{'clients':>7} {'endpoint':18} {'linli req/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} | {'pgbench tps':>11} {'p50 ms':>8} {'p99 ms':>8} | {'ratio':>6}")
for line in open(work + "/results.txt"):
    clients, name, tps, p50, p99 = line.split()
    r = {x["name"]: x for x in json.load(open(f"{work}/load-{clients}.json"))}[names[name]]
    tps = float(tps)
    print(f"{clients:>7} {names[name]:18} {r['requests_per_second']:11.1f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['failures']:8d} | {tps:11.1f} {float(p50):8.2f} {float(p99):8.2f} | {r['requests_per_second'] / tps if tps else 0:6.2f}")
print("(pgbench: the statements one request of each kind sent, as the application role; ratio = linli req/s / pgbench tps)")
PY
