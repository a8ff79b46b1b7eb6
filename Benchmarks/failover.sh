#!/usr/bin/env bash
# Failover of PostgreSQL under a running linli-server (issue #9), measured on one machine.
#
#   Benchmarks/failover.sh [--before 5] [--after 15] [--promote-delay 0] [--keep]
#
# Starts a primary (initdb) and a streaming replica (pg_basebackup -R) of PostgreSQL 15 in a
# throwaway folder, loads the demo community, and starts linli-server with a multi-host URI:
#   postgresql://linli@127.0.0.1:P1,127.0.0.1:P2/linli?target_session_attrs=read-write&connect_timeout=2
# A load generator sends requests without pause from 4 clients: GET /readyz, GET a page of
# volunteers, and POST a new volunteer (a write, which only a primary accepts). After --before
# seconds it stops the primary with `pg_ctl stop -m immediate`, waits --promote-delay seconds
# (the time a failover manager such as Patroni or repmgr takes to decide), promotes the
# replica with `pg_ctl promote`, and keeps sending for --after seconds. The service is never
# restarted. It prints, per route and overall: requests, failures, and the window from the first
# failed request to the first success after the last failure, and the time from the promotion
# to the first successful write. Exits non-zero when requests still fail at the end or no
# write succeeds after the promotion. Everything it starts is stopped and removed on exit.
#   LINLI_BENCH_BIN=DIR          linli and linli-server from DIR (default .build/debug)
#   LINLI_FAILOVER_PORTS="P1 P2" the two PostgreSQL ports (default: two free ports)
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'failover: error: %s\n' "$*" >&2; exit 1; }

BEFORE=5
AFTER=15
PROMOTE_DELAY=0
KEEP=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --before) BEFORE="$2"; shift 2 ;;
        --after) AFTER="$2"; shift 2 ;;
        --promote-delay) PROMOTE_DELAY="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        *) die "unknown argument $1 (see the comment at the top)" ;;
    esac
done

BIN="${LINLI_BENCH_BIN:-$ROOT/.build/debug}"
for program in linli linli-server; do
    [[ -x "$BIN/$program" ]] || die "no $BIN/$program: run swift build (or set LINLI_BENCH_BIN)"
done
PGBIN="${LINLI_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
[[ -x "$PGBIN/pg_basebackup" ]] || die "PostgreSQL server binaries not found (deploy/local-postgres.sh install)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
read -r P1 P2 <<<"${LINLI_FAILOVER_PORTS:-$(free_port) $(free_port)}"

WORK="$(mktemp -d /tmp/linli-failover.XXXXXX)"
chmod 755 "$WORK"
# PostgreSQL refuses to run as root: as root, run it as the unprivileged user local-postgres.sh uses.
RUN_AS=""
if [[ $EUID -eq 0 ]]; then
    RUN_AS="${LINLI_PG_OS_USER:-linli-pg}"
    id "$RUN_AS" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_AS"
    chown "$RUN_AS" "$WORK"
fi
as_pg() { if [[ -n "$RUN_AS" ]]; then (cd / && runuser -u "$RUN_AS" -- "$@"); else "$@"; fi; }

SERVER_PID=""
LOAD_PID=""
cleanup() {
    local status=$?
    [[ -z "$LOAD_PID" ]] || kill -TERM "$LOAD_PID" 2>/dev/null || true
    [[ -z "$SERVER_PID" ]] || { kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
    for node in primary replica; do
        [[ -f "$WORK/$node/postmaster.pid" ]] && as_pg "$PGBIN/pg_ctl" -D "$WORK/$node" stop -m immediate >/dev/null 2>&1 || true
    done
    if [[ $KEEP == 1 ]]; then say "logs kept in $WORK"; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT INT TERM

# ---- primary
say "primary on port $P1, replica on port $P2 (PostgreSQL in $PGBIN)"
as_pg mkdir -p "$WORK/sock1" "$WORK/sock2"
as_pg "$PGBIN/initdb" -D "$WORK/primary" -U linli --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 ||
    as_pg "$PGBIN/initdb" -D "$WORK/primary" -U linli --auth=trust --encoding=UTF8 --locale=C >"$WORK/initdb.log" 2>&1
as_pg tee -a "$WORK/primary/postgresql.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $P1
unix_socket_directories = '$WORK/sock1'
wal_level = replica
max_wal_senders = 4
hot_standby = on
fsync = off
full_page_writes = on
CONF
as_pg tee "$WORK/primary/pg_hba.conf" >/dev/null <<'HBA'
local all         all                trust
host  all         all  127.0.0.1/32  trust
host  replication all  127.0.0.1/32  trust
HBA
as_pg "$PGBIN/pg_ctl" -D "$WORK/primary" -l "$WORK/primary.log" -w start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$P1" -U linli linli
PRIMARY_URL="postgresql://linli@127.0.0.1:$P1/linli"
export LINLI_LOG_LEVEL=warning LINLI_WECOM_WEBHOOK_URL=off
unset PGHOST PGPORT PGUSER PGDATABASE DATABASE_URL
DATABASE_URL="$PRIMARY_URL" "$BIN/linli" migrate >/dev/null
DATABASE_URL="$PRIMARY_URL" "$BIN/linli" demo load >/dev/null

# ---- replica: a base backup that streams from the primary (-R writes primary_conninfo)
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$P1" -U linli -D "$WORK/replica" -R -X stream --checkpoint=fast
as_pg "$PGBIN/pg_ctl" -D "$WORK/replica" -l "$WORK/replica.log" -w \
    -o "-p $P2 -k $WORK/sock2" start >/dev/null
for _ in $(seq 100); do
    streaming="$("$PGBIN/psql" -X -t -A -h 127.0.0.1 -p "$P1" -U linli -d linli -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")"
    [[ "$streaming" == 1 ]] && break
    sleep 0.1
done
[[ "$streaming" == 1 ]] || die "the replica is not streaming (see --keep, replica.log)"
say "replica streaming"

# ---- the service, with both hosts
HTTP="$(free_port)"
MULTI_URL="postgresql://linli@127.0.0.1:$P1,127.0.0.1:$P2/linli?target_session_attrs=read-write&connect_timeout=2"
# Reports (hours, participation) read the standby while there is one.
REPORTS_URL="postgresql://linli@127.0.0.1:$P2/linli?target_session_attrs=standby&connect_timeout=2"
DATABASE_URL="$MULTI_URL" LINLI_DATABASE_REPORTS_URL="$REPORTS_URL" LINLI_HTTP_PORT="$HTTP" \
    LINLI_DATABASE_ACQUIRE_TIMEOUT=2 LINLI_LOG_LEVEL=warning "$BIN/linli-server" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 300); do curl -fsS -o /dev/null "http://127.0.0.1:$HTTP/readyz" 2>/dev/null && break; sleep 0.1; done
curl -fsS -o /dev/null "http://127.0.0.1:$HTTP/readyz" || die "linli-server did not become ready (see --keep, server.log)"
say "linli-server on port $HTTP with $MULTI_URL"

# ---- a report from the standby: answered, and by a session of the reports' pool on the standby
head -c 24 /dev/urandom | base64 | tr -d '/+=' | sed 's/$/-Aa1/' >"$WORK/password"
DATABASE_URL="$PRIMARY_URL" "$BIN/linli" user create failover.admin --name 故障转移 --role administrator \
    <"$WORK/password" >/dev/null
TOKEN="$(DATABASE_URL="$PRIMARY_URL" "$BIN/linli" user token failover.admin --days 1 --label failover 2>/dev/null)"
report="$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$HTTP/api/v1/communities/demo/reports/participation?month=$(date +%Y-%m)")"
on_standby="$("$PGBIN/psql" -X -t -A -h 127.0.0.1 -p "$P2" -U linli -d linli \
    -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'linli-server-reports'")"
[[ "$report" == 200 && "$on_standby" -ge 1 ]] ||
    die "the participation report answered $report with $on_standby reports session(s) on the standby"
say "the participation report was read on the standby ($on_standby reports session(s) there)"

# ---- load: 4 clients, each request logged with its start, end and status
cat >"$WORK/load.py" <<'PY'
import json, sys, threading, time, urllib.error, urllib.request
base, out, seconds, token = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
auth = {"Authorization": "Bearer " + token}
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
lock = threading.Lock()
log = open(out, "w")
stop_at = time.time() + seconds
def client(n):
    i = 0
    while time.time() < stop_at:
        i += 1
        route = ("readyz", "read", "write")[i % 3]
        if route == "readyz":
            request = urllib.request.Request(base + "/readyz")
        elif route == "read":
            request = urllib.request.Request(base + "/api/v1/communities/demo/volunteers?limit=20", headers=auth)
        else:
            body = json.dumps({"name": f"故障转移{n}-{i}", "sex": "female"}).encode()
            request = urllib.request.Request(base + "/api/v1/communities/demo/volunteers", data=body,
                                             headers=dict(auth, **{"Content-Type": "application/json"}), method="POST")
        start = time.time()
        try:
            with opener.open(request, timeout=5) as answer:
                status = answer.status
                answer.read()
        except urllib.error.HTTPError as error:
            status = error.code
        except Exception:
            status = 0
        end = time.time()
        with lock:
            log.write(json.dumps({"route": route, "start": start, "end": end, "status": status}) + "\n")
            log.flush()
        if status >= 500 or status == 0:
            time.sleep(0.02)
threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
for t in threads: t.start()
for t in threads: t.join()
PY
total=$(python3 -c "print($BEFORE + $PROMOTE_DELAY + $AFTER)")
python3 "$WORK/load.py" "http://127.0.0.1:$HTTP" "$WORK/requests.jsonl" "$total" "$TOKEN" &
LOAD_PID=$!
sleep "$BEFORE"
t_stop=$(date +%s.%N)
as_pg "$PGBIN/pg_ctl" -D "$WORK/primary" stop -m immediate >/dev/null
say "primary stopped (-m immediate)"
sleep "$PROMOTE_DELAY"
t_promote=$(date +%s.%N)
as_pg "$PGBIN/pg_ctl" -D "$WORK/replica" promote -w >/dev/null
t_promoted=$(date +%s.%N)
say "replica promoted ($(python3 -c "print(f'{$t_promoted - $t_promote:.2f}')") s for pg_ctl promote -w)"
wait "$LOAD_PID"
LOAD_PID=""
kill -0 "$SERVER_PID" 2>/dev/null || die "linli-server exited during the failover"

python3 - "$WORK/requests.jsonl" "$t_stop" "$t_promote" "$t_promoted" "$BEFORE" "$PROMOTE_DELAY" <<'PY'
import json, sys
path, t_stop, t_promote, t_promoted = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
rows = sorted((json.loads(l) for l in open(path)), key=lambda r: r["start"])
ok = lambda r: 200 <= r["status"] < 300
def summary(name, rs):
    failed = [r for r in rs if not ok(r)]
    line = f"  {name:<8} {len(rs):>6} requests, {len(failed):>4} failed"
    if failed:
        first_fail = failed[0]["start"]
        last_fail = max(r["end"] for r in failed)
        after = [r for r in rs if ok(r) and r["start"] >= last_fail - 0.001]
        back = after[0]["end"] if after else None
        line += f"; failures from +{first_fail - t_stop:.2f} s to +{last_fail - t_stop:.2f} s after the stop"
        line += f"; first success again +{back - t_stop:.2f} s" if back else "; NO success afterwards"
    return line, failed
print()
print(f"failover: primary stopped at 0 s, promotion started +{t_promote - t_stop:.2f} s, done +{t_promoted - t_stop:.2f} s")
status = 0
for name in ("readyz", "read", "write", "all"):
    rs = rows if name == "all" else [r for r in rows if r["route"] == name]
    line, _ = summary(name, rs)
    print(line)
failed = [r for r in rows if not ok(r)]
last_fail = max((r["end"] for r in failed), default=t_stop)
first_fail = min((r["start"] for r in failed), default=t_stop)
writes_after = [r for r in rows if r["route"] == "write" and ok(r) and r["start"] >= t_promote]
if writes_after:
    print(f"  first successful write after the promotion started: +{writes_after[0]['end'] - t_promote:.2f} s "
          f"(+{writes_after[0]['end'] - t_stop:.2f} s after the stop)")
else:
    print("  FAIL: no write succeeded after the promotion")
    status = 1
successes_after = [r for r in rows if ok(r) and r["start"] >= last_fail]
window = (successes_after[0]["end"] - first_fail) if failed and successes_after else 0.0
print(f"  window of failed requests: {window:.2f} s (first failure to first success after the last failure); "
      f"service not restarted")
tail = [r for r in rows if r["start"] >= rows[-1]["start"] - 2]
if any(not ok(r) for r in tail):
    print("  FAIL: requests still fail in the last 2 s")
    status = 1
statuses = {}
for r in failed:
    statuses[r["status"]] = statuses.get(r["status"], 0) + 1
if statuses:
    print("  failed answers by status: " + ", ".join(f"{k or 'no answer'}: {v}" for k, v in sorted(statuses.items())))
sys.exit(status)
PY
