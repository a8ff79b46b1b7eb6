#!/usr/bin/env bash
# Round trips of `SELECT 1` through Linli's pool (linli bench pool) next to pgbench on the same
# throwaway server in the same run, with 1 and 8 concurrent clients; prints the ratios.
#
#   Benchmarks/pool-vs-pgbench.sh [SECONDS]      (default 10 s per measurement)
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
SECONDS_EACH="${1:-10}"
PGBENCH="$(ls -d /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1)"
[[ -x "$PGBENCH" ]] || PGBENCH="$(command -v pgbench)"

swift build -c release --product linli >&2
BIN="$(swift build -c release --show-bin-path)"
WORK="$(mktemp -d /tmp/linli-bench.XXXXXX)"
chmod 755 "$WORK"
export LINLI_PG_DIR="$WORK/postgres" LINLI_PG_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')" LINLI_PG_DB=linli
trap '"$ROOT/deploy/local-postgres.sh" destroy >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
"$ROOT/deploy/local-postgres.sh" start
eval "$("$ROOT/deploy/local-postgres.sh" env)"

"$PGBENCH" -i -q -s 1 >/dev/null 2>&1
echo 'SELECT 1;' >"$WORK/select1.sql"

printf '%-12s %14s %14s %14s %10s %10s\n' clients "linli q/s" "pgbench S1 q/s" "pgbench -S q/s" "ratio S1" "ratio -S"
for clients in 1 8; do
    threads=$(( clients < 2 ? 1 : 2 ))
    linli_qps="$("$BIN/linli" bench pool --seconds "$SECONDS_EACH" --concurrency "$clients" --json | python3 -c 'import json,sys; print(int(json.load(sys.stdin)[0]["queries_per_second"]))')"
    s1="$("$PGBENCH" -n -f "$WORK/select1.sql" -c "$clients" -j "$threads" -T "$SECONDS_EACH" 2>/dev/null | awk '/^tps/ {print int($3)}')"
    sS="$("$PGBENCH" -n -S -c "$clients" -j "$threads" -T "$SECONDS_EACH" 2>/dev/null | awk '/^tps/ {print int($3)}')"
    printf '%-12s %14s %14s %14s %10s %10s\n' "$clients" "$linli_qps" "$s1" "$sS" \
        "$(python3 -c "print(f'{$linli_qps/$s1:.2f}')")" "$(python3 -c "print(f'{$linli_qps/$sS:.2f}')")"
done
echo "(pgbench S1: the same SELECT 1 as a custom script; -S: pgbench's select-only built-in; -j 2 threads for 8 clients on 2 cores)"
