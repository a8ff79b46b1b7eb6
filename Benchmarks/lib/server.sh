# Shared by the scripts that run one linli-server on the demo data (source it): the benchmark
# scripts and the browser tests (Tests/browser/run.sh).
#
#   linli_bench_begin NAME BINVAR [PROGRAM…]
#                                    BIN = the folder in $BINVAR, else .build/debug (built when
#                                    a program is missing: linli and linli-server unless named);
#                                    WORK = a new folder /tmp/linli-NAME.XXXXXX, removed on exit
#                                    with everything started here (kept, with its logs, when KEEP=1)
#   linli_bench_database WORK NAME   a database NAME on the PostgreSQL named by PGHOST/PGPORT/PGUSER
#                                    (deploy/test.sh's throwaway cluster), else on a throwaway
#                                    cluster of its own under WORK; sets PGDATABASE
#   linli_bench_server BIN WORK      starts BIN/linli-server on a free loopback port (extra
#                                    environment from the caller's exports), waits for /readyz,
#                                    sets LINLI_BENCH_PORT and LINLI_BENCH_SERVER_PID
#   linli_bench_worker BIN WORK      starts BIN/linli-worker (log WORK/worker.log), sets
#                                    LINLI_BENCH_WORKER_PID
#   linli_bench_cleanup              stops the server and the worker, drops the database or the
#                                    cluster
#   linli_bench_free_port            prints a free loopback port
#
# ROOT must be the checkout.

LINLI_BENCH_OWN_CLUSTER=0 LINLI_BENCH_DB="" LINLI_BENCH_WORK="" LINLI_BENCH_SERVER_PID="" LINLI_BENCH_PORT=""
LINLI_BENCH_WORKER_PID=""

linli_bench_begin() {
    local name="$1" override="${!2:-}" program missing=0
    shift 2
    local programs=(linli linli-server)
    [[ $# -eq 0 ]] || programs=("$@")
    BIN="${override:-$ROOT/.build/debug}"
    for program in "${programs[@]}"; do [[ -x "$BIN/$program" ]] || missing=1; done
    if [[ $missing == 1 ]]; then
        [[ -z "$override" ]] || { echo "no ${programs[*]} in $BIN" >&2; exit 1; }
        echo "==> building ${programs[*]} (debug)" >&2
        swift build >&2
    fi
    WORK="$(mktemp -d "/tmp/linli-$name.XXXXXX")"
    chmod 755 "$WORK"
    trap linli_bench_exit EXIT INT TERM
}

linli_bench_exit() {
    local status=$?
    linli_bench_cleanup
    if [[ ${KEEP:-0} == 1 ]]; then echo "work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
    exit "$status"
}

linli_bench_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

linli_bench_database() {
    LINLI_BENCH_WORK="$1" LINLI_BENCH_DB="$2"
    if [[ -z "${PGHOST:-}" ]]; then
        LINLI_BENCH_OWN_CLUSTER=1
        export LINLI_PG_DIR="$LINLI_BENCH_WORK/postgres" LINLI_PG_PORT="$(linli_bench_free_port)" LINLI_PG_DB=postgres \
            LINLI_PG_THROWAWAY=1
        "$ROOT/deploy/local-postgres.sh" start >/dev/null
        eval "$("$ROOT/deploy/local-postgres.sh" env)"
    fi
    unset DATABASE_URL
    psql -d postgres -qc "CREATE DATABASE $LINLI_BENCH_DB" >/dev/null
    export PGDATABASE="$LINLI_BENCH_DB"
}

linli_bench_server() {
    local bin="$1" work="$2"
    LINLI_BENCH_PORT="$(linli_bench_free_port)"
    LINLI_HTTP_PORT="$LINLI_BENCH_PORT" "$bin/linli-server" >"$work/server.log" 2>&1 &
    LINLI_BENCH_SERVER_PID=$!
    local _
    for _ in $(seq 1 150); do
        curl -fsS "http://127.0.0.1:$LINLI_BENCH_PORT/readyz" >/dev/null 2>&1 && return 0
        if ! kill -0 "$LINLI_BENCH_SERVER_PID" 2>/dev/null; then
            tail -n 20 "$work/server.log" >&2
            echo "linli-server exited" >&2
            return 1
        fi
        sleep 0.2
    done
    echo "linli-server did not become ready in 30 s (see $work/server.log)" >&2
    return 1
}

linli_bench_worker() {
    local bin="$1" work="$2"
    "$bin/linli-worker" >"$work/worker.log" 2>&1 &
    LINLI_BENCH_WORKER_PID=$!
}

linli_bench_cleanup() {
    local pid
    for pid in "$LINLI_BENCH_SERVER_PID" "$LINLI_BENCH_WORKER_PID"; do
        [[ -n "$pid" ]] || continue
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ $LINLI_BENCH_OWN_CLUSTER == 1 ]]; then
        LINLI_PG_DIR="$LINLI_BENCH_WORK/postgres" "$ROOT/deploy/local-postgres.sh" destroy >/dev/null 2>&1 || true
    elif [[ -n "$LINLI_BENCH_DB" ]]; then
        psql -d postgres -qc "DROP DATABASE IF EXISTS $LINLI_BENCH_DB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
}
