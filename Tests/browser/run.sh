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
# ~/.cache/linli. It uses the PostgreSQL named by PGHOST/PGPORT/PGUSER when set (deploy/test.sh's
# throwaway cluster; a database of its own is created and dropped), else starts a throwaway
# cluster with deploy/local-postgres.sh. The database gets `linli migrate` and `linli demo load
# --passwords-file` (the demo accounts admin, coordinator, desk and patrol with passwords the
# tests read, as deploy/up.sh does). Exit status: pytest's (0 when every test passed).
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

BIN="${LINLI_BROWSER_BIN:-$ROOT/.build/debug}"
if [[ ! -x "$BIN/linli" || ! -x "$BIN/linli-server" || ! -x "$BIN/linli-worker" ]]; then
    [[ -z "${LINLI_BROWSER_BIN:-}" ]] || { echo "no linli, linli-server and linli-worker in $BIN" >&2; exit 1; }
    say "building linli, linli-server and linli-worker (debug)"
    swift build >&2
fi

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

WORK="$(mktemp -d /tmp/linli-browser.XXXXXX)"
chmod 755 "$WORK"
SERVER_PID="" WORKER_PID="" OWN_CLUSTER=0 DB="linli_browser_$$"
stop() {
    local pid="$1"
    [[ -n "$pid" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local status=$?
    stop "$SERVER_PID"
    stop "$WORKER_PID"
    if [[ $OWN_CLUSTER == 1 ]]; then
        LINLI_PG_DIR="$WORK/postgres" "$ROOT/deploy/local-postgres.sh" destroy >/dev/null 2>&1 || true
    else
        psql -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    if [[ "${LINLI_BROWSER_KEEP:-0}" == 1 ]]; then echo "work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT INT TERM

if [[ -z "${PGHOST:-}" ]]; then
    OWN_CLUSTER=1
    say "starting a throwaway PostgreSQL"
    export LINLI_PG_DIR="$WORK/postgres" LINLI_PG_PORT="$(free_port)" LINLI_PG_DB=postgres LINLI_PG_THROWAWAY=1
    "$ROOT/deploy/local-postgres.sh" start >/dev/null
    eval "$("$ROOT/deploy/local-postgres.sh" env)"
fi
unset DATABASE_URL
psql -d postgres -qc "CREATE DATABASE $DB" >/dev/null
export PGDATABASE="$DB"

say "database $DB: migrate, demo data and the demo accounts' passwords"
"$BIN/linli" migrate >/dev/null
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

PORT="$(free_port)"
say "starting linli-server on port $PORT and linli-worker"
# As in deploy/up.sh's demo: the coordinator and administrator sign in without an authenticator
# (enrolment itself is tested over HTTP in SecondFactorAPITests).
LINLI_HTTP_HOST=127.0.0.1 LINLI_HTTP_PORT="$PORT" LINLI_REQUIRE_SECOND_FACTOR=false "$BIN/linli-server" \
    >"$WORK/linli-server.log" 2>&1 &
SERVER_PID=$!
"$BIN/linli-worker" >"$WORK/linli-worker.log" 2>&1 &
WORKER_PID=$!
for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$WORK/linli-server.log" >&2; echo "linli-server exited" >&2; exit 1; }
    sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null

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
    tail -n 20 "$WORK/linli-server.log" >&2 || true
fi
exit "$status"
