#!/usr/bin/env bash
# Runs every test (README command 2) against a throwaway PostgreSQL that it starts in a
# temporary folder on a free port and removes afterwards. Exits non-zero on any failure.
#
#   deploy/test.sh                 build (warnings are errors), then run all tests
#   deploy/test.sh --filter NAME   pass a filter to `swift test`
#   LINLI_TEST_SKIP_SMOKE=1        skip the start-up smoke test of deploy/up.sh
#   LINLI_TEST_SKIP_HARNESS=1      skip the reminder crash harness (short profile, about 2-3 minutes)
#   LINLI_TEST_SKIP_FUZZ=1         skip the API fuzz run (schemathesis, short profile, about 1-2 minutes)
#   LINLI_TEST_SKIP_HOSTILE=1      skip the hostile-input checks (short profile, under a minute)
#   LINLI_TEST_SKIP_BROWSER=1      skip the browser tests (Tests/browser/run.sh: headless Chromium through
#                                  the staff pages with axe-core checks; screenshots in .build/browser-screenshots)
#   LINLI_TEST_LINT=0              skip the swift format lint (for quick local runs only)
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
say() { printf '==> %s\n' "$*" >&2; }

"$ROOT/deploy/local-postgres.sh" install
command -v curl >/dev/null || { if [[ $EUID -eq 0 ]]; then apt-get install -y -q curl >/dev/null; else sudo apt-get install -y -q curl >/dev/null; fi; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

WORK="$(mktemp -d /tmp/linli-test.XXXXXX)"
chmod 755 "$WORK"
export LINLI_PG_DIR="$WORK/postgres" LINLI_PG_PORT="$(free_port)" LINLI_PG_DB=postgres LINLI_PG_THROWAWAY=1
cleanup() {
    local status=$?
    if [[ -f "$WORK/smoke.env" ]]; then
        (set -a; . "$WORK/smoke.env"; "$ROOT/deploy/up.sh" stop >/dev/null 2>&1) || true
    fi
    LINLI_PG_DIR="$WORK/postgres" "$ROOT/deploy/local-postgres.sh" destroy >/dev/null 2>&1 || true
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT INT TERM

say "starting a throwaway PostgreSQL on port $LINLI_PG_PORT"
"$ROOT/deploy/local-postgres.sh" start
eval "$("$ROOT/deploy/local-postgres.sh" env)"
# Tests reach the server through PGHOST/PGPORT/PGUSER and name their own databases.
unset DATABASE_URL PGDATABASE

if [[ "${LINLI_TEST_LINT:-1}" != 0 ]]; then
    say "lint (swift format, .swift-format)"
    swift format lint --strict --recursive --parallel Sources Tests Package.swift
fi

# The export tests check ICS and XLSX files with independent readers (Python's icalendar and
# openpyxl). Install them when missing: with pip, else in a virtual environment here. Only when
# both fail (offline) are those checks skipped, and this says so.
LINLI_TEST_PYTHON=python3
if ! python3 -c 'import icalendar, openpyxl' 2>/dev/null; then
    say "installing the export tests' validators: pip install icalendar openpyxl"
    if PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check icalendar openpyxl \
        >"$WORK/pip.log" 2>&1 && python3 -c 'import icalendar, openpyxl' 2>/dev/null; then
        :
    elif python3 -m venv "$WORK/venv" >>"$WORK/pip.log" 2>&1 &&
        "$WORK/venv/bin/python3" -m pip install --quiet --disable-pip-version-check icalendar openpyxl >>"$WORK/pip.log" 2>&1; then
        LINLI_TEST_PYTHON="$WORK/venv/bin/python3"
    else
        tail -n 3 "$WORK/pip.log" >&2 || true
        say "SKIPPING the icalendar and openpyxl checks of exported files: pip could not install them (offline?)"
        export LINLI_TEST_SKIP_PYTHON_VALIDATORS=1
    fi
fi
export LINLI_TEST_PYTHON

say "building (warnings are errors)"
swift build --build-tests >&2

say "running the tests"
swift test --skip-build "$@" 2>&1 | tee "$WORK/swift-test.log"
# Swift Testing's summary: "Test run with N tests in M suites passed|failed after …".
summary="$(grep -E 'Test run with [0-9]+ tests? ' "$WORK/swift-test.log" | tail -1 || true)"
total="$(sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' <<<"$summary")"
failed=0
if grep -qE 'with [0-9]+ issues?' <<<"$summary"; then
    failed="$(grep -cE 'Test ".*" failed after' "$WORK/swift-test.log" || true)"
fi
[[ -n "$total" ]] || { echo "no Swift Testing summary found" >&2; exit 1; }
passed=$((total - failed))

if [[ $# -eq 0 ]]; then
    say "deployment files: systemd units, nginx site, compose file (deploy/check-deploy.sh)"
    if "$ROOT/deploy/check-deploy.sh"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
fi

if [[ "${LINLI_TEST_SKIP_BROWSER:-0}" != 1 && $# -eq 0 ]]; then
    say "browser tests (Tests/browser/run.sh: Debian's chromium, selenium, axe-core)"
    # The debug binaries the tests just used, on this throwaway cluster (PGHOST/PGPORT/PGUSER).
    if LINLI_BROWSER_BIN="$(swift build --show-bin-path)" "$ROOT/Tests/browser/run.sh"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
fi

if [[ "${LINLI_TEST_SKIP_HARNESS:-0}" != 1 && $# -eq 0 ]]; then
    say "reminder crash harness, short profile (workers SIGKILLed, PostgreSQL stopped immediately)"
    # The debug binaries the tests just used: no second build.
    if LINLI_HARNESS_BIN="$(swift build --show-bin-path)" "$ROOT/Benchmarks/reminder-harness.sh" --profile short; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
fi

if [[ "${LINLI_TEST_SKIP_FUZZ:-0}" != 1 && $# -eq 0 ]]; then
    say "API fuzz run, short profile (schemathesis against /openapi.yaml)"
    fuzz=0
    LINLI_FUZZ_BIN="$(swift build --show-bin-path)" "$ROOT/Benchmarks/api-fuzz.sh" --profile short || fuzz=$?
    if [[ $fuzz -eq 0 ]]; then
        passed=$((passed + 1))
    elif [[ $fuzz -eq 3 ]]; then
        say "SKIPPED the API fuzz run: schemathesis could not be installed (offline?)"
    else
        failed=$((failed + 1))
    fi
fi

if [[ "${LINLI_TEST_SKIP_HOSTILE:-0}" != 1 && $# -eq 0 ]]; then
    say "hostile input, short profile (injection strings, malformed bodies, traversal, forged webhooks, brute force)"
    if LINLI_HOSTILE_BIN="$(swift build --show-bin-path)" "$ROOT/Benchmarks/hostile-input.sh" --profile short; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
fi

if [[ "${LINLI_TEST_SKIP_SMOKE:-0}" != 1 && $# -eq 0 ]]; then
    say "smoke test: deploy/up.sh on its own PostgreSQL and port"
    cat >"$WORK/smoke.env" <<ENV
LINLI_PG_DIR=$WORK/smoke-postgres
LINLI_PG_PORT=$(free_port)
LINLI_PG_DB=linli
LINLI_HTTP_PORT=$(free_port)
LINLI_RUN_DIR=$WORK/run
LINLI_BUILD_CONFIGURATION=debug
ENV
    (
        set -a
        . "$WORK/smoke.env"
        unset PGHOST PGPORT PGUSER PGDATABASE DATABASE_URL
        "$ROOT/deploy/up.sh" >"$WORK/up.out"
        curl -fsS "http://127.0.0.1:$LINLI_HTTP_PORT/readyz" >/dev/null
        grep -q "http://127.0.0.1:$LINLI_HTTP_PORT/" "$WORK/up.out"
        "$ROOT/deploy/up.sh" stop >/dev/null
        LINLI_PG_DIR="$WORK/smoke-postgres" "$ROOT/deploy/local-postgres.sh" destroy >/dev/null
    )
    rm -f "$WORK/smoke.env"
    say "smoke test passed: deploy/up.sh served /readyz with 200"
    passed=$((passed + 1))
fi
echo "tests: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
