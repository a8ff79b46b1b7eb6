#!/usr/bin/env bash
# Hostile input (issue #9): SQL, script, template and formula strings in every text field,
# malformed and oversized bodies, path traversal, forged and replayed webhook signatures,
# another community's token, brute-force sign-in — against a linli-server on the demo data.
# What each check tries and what must hold: Benchmarks/harness/hostile.py. Exits non-zero when
# any check fails or any answer is a 5xx.
#
#   Benchmarks/hostile-input.sh                   short profile (CI, under a minute)
#   Benchmarks/hostile-input.sh --profile long    more strings, three rounds
#   … --keep                                      keep the work folder (server log)
#   LINLI_HOSTILE_BIN=DIR                         use linli and linli-server from DIR (default .build/debug)
#
# It needs a PostgreSQL: the one named by PGHOST/PGPORT/PGUSER when set (deploy/test.sh's
# throwaway cluster; a database of its own is created and dropped), else a throwaway cluster.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
say() { printf '==> hostile-input: %s\n' "$*" >&2; }

PROFILE=short KEEP=0
while [[ $# -gt 0 ]]; do
    case "$1" in
    --profile) PROFILE="${2:?--profile needs short or long}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "unknown argument: $1 (see the comment at the top of $0)" >&2; exit 2 ;;
    esac
done
[[ "$PROFILE" == short || "$PROFILE" == long ]] || { echo "--profile must be short or long, not '$PROFILE'" >&2; exit 2; }

. "$ROOT/Benchmarks/lib/server.sh"
linli_bench_begin hostile LINLI_HOSTILE_BIN

linli_bench_database "$WORK" "linli_hostile_$$"
"$BIN/linli" migrate >/dev/null
"$BIN/linli" demo load >/dev/null
"$BIN/linli" community create --code other --name 另一个社区 --sub-district 和平街道 >/dev/null

password() { head -c 24 /dev/urandom | base64 | tr -d '/+=' | sed 's/$/-Aa1/'; }
token() { "$BIN/linli" user token "$1" --days 1 --label "hostile input run" 2>/dev/null; }
password >"$WORK/admin"
"$BIN/linli" user create hostile.admin --name 攻击测试 --role administrator <"$WORK/admin" >/dev/null
password >"$WORK/other"
"$BIN/linli" user create other.coordinator --name 别社区协调员 --role coordinator@other <"$WORK/other" >/dev/null
password >"$WORK/victim"
"$BIN/linli" user create brute.victim --name 被猜密码 --role desk_staff@demo <"$WORK/victim" >/dev/null

SECRET="$(head -c 32 /dev/urandom | base64)"
LINLI_REPLY_WEBHOOK_SECRET="$SECRET" linli_bench_server "$BIN" "$WORK"

say "profile $PROFILE against http://127.0.0.1:$LINLI_BENCH_PORT"
status=0
LINLI_HOSTILE_BASE="http://127.0.0.1:$LINLI_BENCH_PORT" LINLI_HOSTILE_ADMIN="$(token hostile.admin)" \
    LINLI_HOSTILE_OTHER="$(token other.coordinator)" LINLI_HOSTILE_SECRET="$SECRET" \
    LINLI_HOSTILE_VICTIM=brute.victim LINLI_HOSTILE_VICTIM_PASSWORD="$(cat "$WORK/victim")" \
    LINLI_HOSTILE_PROFILE="$PROFILE" python3 "$ROOT/Benchmarks/harness/hostile.py" || status=$?
if [[ $status -ne 0 ]]; then
    grep -E '"status":5[0-9][0-9]| error ' "$WORK/server.log" | tail -n 10 >&2 || true
    say "FAILED; --keep keeps the server log"
    exit 1
fi
say "passed"
