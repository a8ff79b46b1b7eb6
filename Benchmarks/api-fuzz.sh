#!/usr/bin/env bash
# API fuzzing (issues #6 and #9): schemathesis (from PyPI) generates requests from the served
# /openapi.yaml — valid ones, edge cases and schema-violating ones, plus stateful sequences that
# follow the document's links — against a linli-server on the demo data, and fails when any
# answer is a 5xx, has a status the document does not list for the operation, a content type or
# headers it does not declare, or a body that breaks its schema.
#
#   Benchmarks/api-fuzz.sh                    short profile (CI, about a minute): 25 examples per operation
#   Benchmarks/api-fuzz.sh --profile long     300 examples per operation (several minutes)
#   … --seed N                                repeat a run's generated requests
#   … --keep                                  keep the work folder (server log, schemathesis report)
#   LINLI_FUZZ_BIN=DIR                        use linli and linli-server from DIR (default .build/debug)
#
# It needs a PostgreSQL: the one named by PGHOST/PGPORT/PGUSER when set (deploy/test.sh's
# throwaway cluster; a database of its own is created and dropped), else a throwaway cluster of
# its own. schemathesis is installed into a virtual environment under ~/.cache/linli (offline:
# exit status 3 and a message saying so).
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
say() { printf '==> api-fuzz: %s\n' "$*" >&2; }

PROFILE=short SEED="" KEEP=0
while [[ $# -gt 0 ]]; do
    case "$1" in
    --profile) PROFILE="${2:?--profile needs short or long}"; shift 2 ;;
    --seed) SEED="${2:?--seed needs a number}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "unknown argument: $1 (see the comment at the top of $0)" >&2; exit 2 ;;
    esac
done
case "$PROFILE" in
short) EXAMPLES=25 ;;
long) EXAMPLES=300 ;;
*) echo "--profile must be short or long, not '$PROFILE'" >&2; exit 2 ;;
esac

. "$ROOT/Benchmarks/lib/server.sh"
linli_bench_begin fuzz LINLI_FUZZ_BIN

# schemathesis, in a virtual environment kept between runs.
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/linli/schemathesis-venv"
if ! "$VENV/bin/schemathesis" --version >/dev/null 2>&1; then
    say "installing schemathesis into $VENV"
    mkdir -p "$(dirname "$VENV")"
    if ! { python3 -m venv "$VENV" && "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check \
        'schemathesis>=4,<5'; } >"$WORK/pip.log" 2>&1; then
        tail -n 3 "$WORK/pip.log" >&2 || true
        say "could not install schemathesis from PyPI (offline?); the API fuzz run did not happen"
        exit 3
    fi
fi

linli_bench_database "$WORK" "linli_fuzz_$$"

"$BIN/linli" migrate >/dev/null
"$BIN/linli" demo load >/dev/null
# An administrator's bearer token: the run reaches every operation as a signed-in script would.
head -c 24 /dev/urandom | base64 | tr -d '/+=' | sed 's/$/-Aa1/' >"$WORK/password"
"$BIN/linli" user create fuzz.admin --name 模糊测试 --role administrator <"$WORK/password" >/dev/null
TOKEN="$("$BIN/linli" user token fuzz.admin --days 1 --label "api fuzz run")"

LINLI_REPLY_WEBHOOK_SECRET="$(head -c 32 /dev/urandom | base64)" linli_bench_server "$BIN" "$WORK"
PORT="$LINLI_BENCH_PORT"

# Signing out is left out: it would revoke the run's own token halfway (tests cover it).
# Path parameters the generator cannot guess: the demo community. Everything else it makes up.
# The bearer scheme only: a made-up session cookie next to the token would be refused (401).
cat >"$WORK/schemathesis.toml" <<TOML
[auth.openapi.bearer]
bearer = "\${LINLI_FUZZ_TOKEN}"
[parameters]
"path.code" = "demo"
TOML

say "profile $PROFILE: $EXAMPLES examples per operation against http://127.0.0.1:$PORT"
set +e
# From the work folder, so schemathesis's cache (.schemathesis/) stays out of the checkout.
cd "$WORK"
LINLI_FUZZ_TOKEN="$TOKEN" "$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run \
    "http://127.0.0.1:$PORT/openapi.yaml" --url "http://127.0.0.1:$PORT" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --exclude-operation-id signOut --exclude-operation-id signOutForm \
    --max-examples "$EXAMPLES" --workers 2 --no-color ${SEED:+--seed "$SEED"} >"$WORK/schemathesis.out" 2>&1
status=$?
set -e
# The summary and any failures; the per-operation progress lines are noise here.
sed -n '/FAILURES\|SUMMARY/,$p' "$WORK/schemathesis.out" | grep -v '^[[:space:]]*$' | grep -v '💡\|No links point\|^  - ' >&2 || true
if [[ $status -ne 0 ]]; then
    grep -E '"status":5[0-9][0-9]| error ' "$WORK/server.log" | tail -n 10 >&2 || true
    say "FAILED (exit $status); repeat with --seed from the summary above, --keep for the logs"
    exit 1
fi
say "passed: no 5xx and no answer outside the document"
