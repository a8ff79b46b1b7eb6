#!/usr/bin/env bash
# The browser tests (issue #7's Proof): pytest + selenium drive Debian's headless Chromium
# through the staff pages of a real linli-server and linli-worker on the demo data, check each
# main page with axe-core (offline, bundled by axe-core-python) and save screenshots.
#
#   Tests/browser/run.sh                 run every test_*.py here
#   Tests/browser/run.sh -k desk         pytest arguments are passed on
#   LINLI_BROWSER_SCREENSHOTS=DIR        where the screenshots go (default .build/browser-screenshots)
#   LINLI_BROWSER_DOWNLOADS=DIR          where Chrome saves downloads (default: in the work folder)
#   LINLI_BROWSER_BIN=DIR                linli, linli-server, linli-worker from DIR (default: the debug build)
#   LINLI_BROWSER_KEEP=1                 keep the work folder (server and worker logs)
#   LINLI_BROWSER_SEED=N                 also a generated community benchN of N volunteers
#                                        (Benchmarks/page-speed.sh)
#
# It installs what is missing: Debian's chromium, chromium-driver and fonts-wqy-microhei (as
# root, or with sudo), and selenium, pytest and axe-core-python into a virtual environment under
# ~/.cache/linli. The server, worker and database are started as the benchmark scripts start them
# (Benchmarks/lib/server.sh): the PostgreSQL named by PGHOST/PGPORT/PGUSER when set (deploy/test.sh's
# throwaway cluster; a database of its own is created and dropped), else a throwaway cluster with
# deploy/local-postgres.sh. The database gets `linli migrate` and `linli demo load
# --passwords-file` (the demo accounts admin, coordinator, desk and patrol with passwords the
# tests read) with a care notes key of its own, as deploy/up.sh does. Exit status: pytest's (0 when every test passed).
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$ROOT"
say() { printf '==> browser tests: %s\n' "$*" >&2; }
export PYTHONDONTWRITEBYTECODE=1
as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# Debian's browser, its driver and a CJK font (without it Chinese renders as boxes).
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
[[ -x /usr/bin/chromedriver ]] || missing+=(chromium-driver)
[[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]] || missing+=(fonts-wqy-microhei)
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [[ ${#missing[@]} -gt 0 ]]; then
    say "installing ${missing[*]}"
    as_root apt-get update -q >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi

VENV="${XDG_CACHE_HOME:-$HOME/.cache}/linli/browser-venv"
if ! "$VENV/bin/python3" -c 'import selenium, pytest, axe_core_python' 2>/dev/null; then
    say "installing selenium, pytest and axe-core-python into $VENV"
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV"
    "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check selenium pytest axe-core-python
fi

# The server, the worker and the database as the benchmark scripts run them.
. "$ROOT/Benchmarks/lib/server.sh"
KEEP="${LINLI_BROWSER_KEEP:-0}"
linli_bench_begin browser LINLI_BROWSER_BIN linli linli-server linli-worker
[[ -n "${PGHOST:-}" ]] || say "starting a throwaway PostgreSQL"
linli_bench_database "$WORK" "linli_browser_$$"

say "database $PGDATABASE: migrate, demo data and the demo accounts' passwords"
"$BIN/linli" migrate >/dev/null
# A care notes key, as deploy/up.sh makes one: the demo's residents keep their notes (sealed).
(umask 077 && "$BIN/linli" care-notes keygen "$WORK/care-notes.key" >/dev/null)
export LINLI_CARE_NOTES_KEY_FILE="$WORK/care-notes.key"
(umask 077 && "$BIN/linli" demo load --passwords-file "$WORK/passwords" >/dev/null)
# The desk test books "tomorrow": on a Sunday that is next week, whose demo roster is a draft.
if [[ "$(TZ=Asia/Shanghai date +%u)" == 7 ]]; then
    "$BIN/linli" roster publish --community demo --week "$(TZ=Asia/Shanghai date -d tomorrow +%F)" --version 1 >/dev/null
fi

# Benchmarks/page-speed.sh: a generated community of N volunteers, the demo coordinator and desk
# accounts with roles in it.
if [[ -n "${LINLI_BROWSER_SEED:-}" ]]; then
    export LINLI_BROWSER_SEED_CODE="bench$LINLI_BROWSER_SEED"
    say "a generated community of $LINLI_BROWSER_SEED volunteers ($LINLI_BROWSER_SEED_CODE)"
    "$BIN/linli" bench seed --volunteers "$LINLI_BROWSER_SEED" --code "$LINLI_BROWSER_SEED_CODE" >/dev/null
    "$BIN/linli" user roles coordinator --add "coordinator@$LINLI_BROWSER_SEED_CODE" >/dev/null
    "$BIN/linli" user roles desk --add "desk_staff@$LINLI_BROWSER_SEED_CODE" >/dev/null
fi

say "starting linli-server and linli-worker"
# As in deploy/up.sh's demo: the coordinator and administrator sign in without an authenticator
# (enrolment itself is tested over HTTP in SecondFactorAPITests).
export LINLI_HTTP_HOST=127.0.0.1 LINLI_REQUIRE_SECOND_FACTOR=false
linli_bench_server "$BIN" "$WORK"
linli_bench_worker "$BIN" "$WORK"
PORT="$LINLI_BENCH_PORT"

export LINLI_BROWSER_BASE_URL="http://127.0.0.1:$PORT"
export LINLI_BROWSER_PASSWORDS="$WORK/passwords"
export LINLI_BROWSER_SCREENSHOTS="${LINLI_BROWSER_SCREENSHOTS:-$ROOT/.build/browser-screenshots}"
export LINLI_BROWSER_DOWNLOADS="${LINLI_BROWSER_DOWNLOADS:-$WORK/downloads}"
mkdir -p "$LINLI_BROWSER_SCREENSHOTS" "$LINLI_BROWSER_DOWNLOADS"

say "pytest (screenshots in $LINLI_BROWSER_SCREENSHOTS)"
set +e
(cd "$ROOT/Tests/browser" && "$VENV/bin/python3" -m pytest -p no:cacheprovider -q "$@")
status=$?
set -e
if [[ $status -ne 0 ]]; then
    say "FAILED (pytest exit $status); the server's last lines:"
    tail -n 20 "$WORK/server.log" >&2 || true
fi
exit "$status"
