#!/usr/bin/env bash
# Page weight and first render of the staff pages for a generated community (issue #7: each page
# under 100 KB, first render under 300 ms on loopback for 300 volunteers), measured by headless
# Chromium's Navigation and Paint Timing. It runs Tests/browser/bench_pages.py through
# Tests/browser/run.sh (which installs what is missing and starts linli-server and linli-worker on
# a throwaway database), with a community of N volunteers seeded by `linli bench seed`.
#
#   Benchmarks/page-speed.sh                      300 volunteers, 5 loads per page, debug build
#   … --volunteers N  … --loads K                 another size; loads per page after a warm-up
#   … --release                                   build and use the release binaries
#   … --json FILE                                 also write the numbers as JSON
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
VOLUNTEERS=300 LOADS=5
while [[ $# -gt 0 ]]; do
    case "$1" in
    --volunteers) VOLUNTEERS="${2:?--volunteers needs a number}"; shift 2 ;;
    --loads) LOADS="${2:?--loads needs a number}"; shift 2 ;;
    --json) export LINLI_PAGESPEED_JSON="$(realpath -m "${2:?--json needs a file}")"; shift 2 ;;
    --release)
        swift build -c release >&2
        export LINLI_BROWSER_BIN="$ROOT/.build/release"
        shift ;;
    *) echo "page-speed: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
    esac
done
[[ "$VOLUNTEERS" =~ ^[0-9]+$ && "$LOADS" =~ ^[1-9][0-9]*$ ]] || { echo "page-speed: --volunteers and --loads take numbers" >&2; exit 2; }
export LINLI_BROWSER_SEED="$VOLUNTEERS" LINLI_PAGESPEED_LOADS="$LOADS"
exec "$ROOT/Tests/browser/run.sh" bench_pages.py -s
