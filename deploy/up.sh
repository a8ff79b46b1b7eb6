#!/usr/bin/env bash
# Brings Linli up on this machine (README command 1): installs what is missing, builds,
# starts the private PostgreSQL in .local/postgres, migrates, loads the demo community,
# starts the HTTP service and the worker, and prints where to open it.
#
#   deploy/up.sh          bring everything up (idempotent: a second run restarts the programs)
#   deploy/up.sh stop     stop the service, the worker and the local PostgreSQL
#
# Settings: DATABASE_URL (use another PostgreSQL instead of the local one), LINLI_HTTP_PORT
# (default 8080), LINLI_BUILD_CONFIGURATION (debug or release, default release),
# LINLI_RUN_DIR (pid and log files, default .local/run), and those in deploy/env.example.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
RUN_DIR="${LINLI_RUN_DIR:-$ROOT/.local/run}"
CONFIGURATION="${LINLI_BUILD_CONFIGURATION:-release}"
export LINLI_HTTP_HOST="${LINLI_HTTP_HOST:-127.0.0.1}"
export LINLI_HTTP_PORT="${LINLI_HTTP_PORT:-8080}"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'up: error: %s\n' "$*" >&2; exit 1; }

stop_programs() {
    local name pid
    for name in linli-server linli-worker; do
        if [[ -f "$RUN_DIR/$name.pid" ]]; then
            pid="$(cat "$RUN_DIR/$name.pid")"
            if kill -0 "$pid" 2>/dev/null; then
                kill -TERM "$pid" 2>/dev/null || true
                for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
                kill -KILL "$pid" 2>/dev/null || true
            fi
            rm -f "$RUN_DIR/$name.pid"
        fi
    done
}

if [[ "${1:-}" == "stop" ]]; then
    stop_programs
    # Stops this checkout's own cluster if it runs (a no-op otherwise), whatever DATABASE_URL says.
    "$ROOT/deploy/local-postgres.sh" stop
    say "stopped"
    exit 0
fi
[[ $# -eq 0 ]] || die "usage: deploy/up.sh [stop]"
[[ "$CONFIGURATION" == debug || "$CONFIGURATION" == release ]] || die "LINLI_BUILD_CONFIGURATION must be debug or release"

say "checking Debian packages"
"$ROOT/deploy/local-postgres.sh" install
if ! command -v curl >/dev/null; then
    say "installing curl"
    if [[ $EUID -eq 0 ]]; then apt-get install -y -q curl >/dev/null; else sudo apt-get install -y -q curl >/dev/null; fi
fi
command -v swift >/dev/null || die "the Swift 6 toolchain is not on PATH (install it from swift.org, then run this again)"

say "building ($CONFIGURATION; the first build takes several minutes)"
swift build -c "$CONFIGURATION" --product linli >&2
swift build -c "$CONFIGURATION" --product linli-server >&2
swift build -c "$CONFIGURATION" --product linli-worker >&2
BIN="$(swift build -c "$CONFIGURATION" --show-bin-path)"

if [[ -z "${DATABASE_URL:-}" ]]; then
    say "starting the local PostgreSQL"
    "$ROOT/deploy/local-postgres.sh" start
    eval "$("$ROOT/deploy/local-postgres.sh" env)"
else
    say "using DATABASE_URL from the environment"
fi
export DATABASE_URL

say "migrating"
"$BIN/linli" migrate
"$BIN/linli" demo load

mkdir -p "$RUN_DIR"
stop_programs
if (exec 3<>"/dev/tcp/$LINLI_HTTP_HOST/$LINLI_HTTP_PORT") 2>/dev/null; then
    die "port $LINLI_HTTP_PORT on $LINLI_HTTP_HOST is in use by another program: set LINLI_HTTP_PORT to a free port"
fi
say "starting the service and the worker (logs in $RUN_DIR)"
setsid nohup "$BIN/linli-server" >>"$RUN_DIR/linli-server.log" 2>&1 </dev/null &
echo $! >"$RUN_DIR/linli-server.pid"
setsid nohup "$BIN/linli-worker" >>"$RUN_DIR/linli-worker.log" 2>&1 </dev/null &
echo $! >"$RUN_DIR/linli-worker.pid"

URL="http://$LINLI_HTTP_HOST:$LINLI_HTTP_PORT"
for _ in $(seq 1 150); do
    if curl -fsS "$URL/readyz" >/dev/null 2>&1; then
        cat <<MSG

  邻里 Linli 已启动 / Linli is running.
  打开 Open:        $URL/
  就绪 Readiness:   $URL/readyz
  演示社区 Demo:    和平街道 · 幸福里社区 (48 volunteers, 1 patrol team, 30 residents)
  接口 API:         $URL/openapi.yaml (JSON under /api/v1; no sign-in yet: keep it on 127.0.0.1)
  演示账号 Demo login: admin / coordinator / desk / patrol — give one a password with
                    linli user reset-password admin; sign-in pages come with the web pages.
  日志 Logs:        $RUN_DIR/linli-server.log, $RUN_DIR/linli-worker.log
  停止 Stop:        deploy/up.sh stop

MSG
        exit 0
    fi
    kill -0 "$(cat "$RUN_DIR/linli-server.pid")" 2>/dev/null || { tail -20 "$RUN_DIR/linli-server.log" >&2; die "the service exited"; }
    sleep 0.2
done
tail -20 "$RUN_DIR/linli-server.log" >&2
die "the service did not become ready within 30 s (see $RUN_DIR/linli-server.log)"
