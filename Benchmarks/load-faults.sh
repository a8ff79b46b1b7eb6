#!/usr/bin/env bash
# The HTTP load and fault harness (issue #9): concurrent clients send a realistic mix (booking
# proposals confirmed with an Idempotency-Key, roster reads, slot lists, CSV and XLSX exports, a
# roster solve queued for the worker) to one linli-server while one linli-worker sends reminders to
# a fake SMS gateway, and faults are injected one after another: PostgreSQL stopped with
# `pg_ctl stop -m immediate`, the server's backends killed with pg_terminate_backend, the worker
# SIGKILLed, the gateway answering 500 and then timing out, the server's pool exhausted by a
# lock and slow exports, the worker's clock skewed with libfaketime. After each fault and at the
# end it prints the invariants as must-be-0 numbers (acknowledged bookings lost, double bookings,
# reminders lost or sent twice, server not ready within 10 s, 500s) with throughput, p50/p99 per
# route, 503s per fault, database connections and memory. Exits non-zero when one is not 0.
# Everything it starts (its own throwaway PostgreSQL, the gateway, the server, the worker) is
# removed on exit. The driver is Benchmarks/harness/loadfaults.py (its docstring says more).
#
#   Benchmarks/load-faults.sh                      short profile (CI, under 4 minutes, debug build)
#   Benchmarks/load-faults.sh --profile long       minutes of load per phase
#   … --bin DIR                                    linli, linli-server, linli-worker from DIR
#                                                  (default $LINLI_LOADFAULTS_BIN or .build/debug,
#                                                  built if missing), e.g. .build/release
#   … --keep                                       keep the work folder (logs, gateway log)
#   … --seed N                                     repeat a run's random choices
#   … --only pool,gateway                          inject only these faults
#   … --json FILE                                  also write the numbers as JSON
# It installs the Debian package faketime when missing (root or sudo); without it the clock-skew
# fault is skipped and the run says so.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"

BIN="${LINLI_LOADFAULTS_BIN:-}"
ARGS=()
while [[ $# -gt 0 ]]; do
    case "$1" in
    --bin) BIN="${2:?--bin needs a folder}"; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
    esac
done
if [[ -z "$BIN" ]]; then
    BIN="$ROOT/.build/debug"
    if [[ ! -x "$BIN/linli" || ! -x "$BIN/linli-server" || ! -x "$BIN/linli-worker" ]]; then
        echo "==> building linli, linli-server and linli-worker (debug)" >&2
        swift build >&2
    fi
fi
for program in linli linli-server linli-worker; do
    [[ -x "$BIN/$program" ]] || { echo "no $BIN/$program" >&2; exit 1; }
done
"$ROOT/deploy/local-postgres.sh" install >/dev/null
if ! ls /usr/lib/*/faketime/libfaketimeMT.so.1 >/dev/null 2>&1; then
    runner=()
    [[ $EUID -eq 0 ]] || runner=(sudo -n)
    echo "==> installing faketime (libfaketime) for the clock-skew fault" >&2
    "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q faketime >/dev/null 2>&1 ||
        { "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null 2>&1 &&
            "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q faketime >/dev/null 2>&1; } ||
        echo "==> could not install faketime: the clock-skew fault will be skipped" >&2
fi
exec python3 "$ROOT/Benchmarks/harness/loadfaults.py" --root "$ROOT" --bin "$BIN" "${ARGS[@]}"
