#!/usr/bin/env bash
# The reminder crash harness (issue #5): reminders fall due while one of two workers is
# SIGKILLed at random moments and PostgreSQL is stopped with `pg_ctl stop -m immediate`; a fake
# gateway records every request, and the result is printed as numbers (lost, duplicates, sent in
# quiet hours, sent for cancelled assignments: all must be 0; delay p50/p99). Exits non-zero when
# a must-be-0 number is not 0 or the run timed out. Everything it starts (its own throwaway
# PostgreSQL, the gateway, the workers) is removed on exit.
#
#   Benchmarks/reminder-harness.sh                   short profile (CI, under 3 minutes):
#                                                    300 reminders over ~60 s, 4 kills, 1 stop
#   Benchmarks/reminder-harness.sh --profile long    2,000 reminders over ~4 minutes, 20 kills, 3 stops
#   … --keep                                         keep the work folder (worker and gateway logs)
#   … --seed N                                       repeat a run's random choices
#   LINLI_HARNESS_BIN=DIR                            use linli and linli-worker from DIR
#                                                    (default .build/debug, built if missing)
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"

BIN="${LINLI_HARNESS_BIN:-$ROOT/.build/debug}"
if [[ ! -x "$BIN/linli" || ! -x "$BIN/linli-worker" ]]; then
    [[ -z "${LINLI_HARNESS_BIN:-}" ]] || { echo "no linli and linli-worker in $BIN" >&2; exit 1; }
    echo "==> building linli and linli-worker (debug)" >&2
    swift build >&2
fi
"$ROOT/deploy/local-postgres.sh" install >/dev/null
exec python3 "$ROOT/Benchmarks/harness/harness.py" --root "$ROOT" --bin "$BIN" "$@"
