#!/usr/bin/env bash
# Checks the deployment files without installing them (deploy/test.sh runs it):
#   - systemd units: `systemd-analyze verify` (ExecStart paths pointed at stand-ins, since the
#     programs are not installed here) and `systemd-analyze security --offline` (exposure of
#     linli-server, linli-worker and linli-migrate must stay at or under 2.0, "OK");
#   - the nginx site: `nginx -t` inside a minimal nginx.conf with a throwaway certificate;
#   - compose.yaml: `docker compose config` when Compose is installed.
# A tool that is not installed is skipped with a line saying so (nginx and Docker Compose are
# not on the development machine by default). Exits non-zero when a check fails.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
say() { printf '==> %s\n' "$*" >&2; }
WORK="$(mktemp -d /tmp/linli-deploy-check.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

if command -v systemd-analyze >/dev/null; then
    mkdir -p "$WORK/bin" "$WORK/units"
    for program in linli linli-server linli-worker; do
        printf '#!/bin/sh\n' >"$WORK/bin/$program"
        chmod +x "$WORK/bin/$program"
    done
    for unit in "$ROOT"/deploy/systemd/*.service "$ROOT"/deploy/systemd/*.timer; do
        sed "s|/usr/local/bin/|$WORK/bin/|g" "$unit" >"$WORK/units/$(basename "$unit")"
    done
    systemd-analyze verify "$WORK"/units/*.service "$WORK"/units/*.timer
    say "systemd-analyze verify: the units are valid"
    for unit in linli-server linli-worker linli-migrate; do
        line="$(systemd-analyze security --offline=true "$WORK/units/$unit.service" 2>&1 | grep 'Overall exposure level' || true)"
        exposure="$(sed -E 's/.*: ([0-9.]+) .*/\1/' <<<"$line")"
        [[ -n "$exposure" ]] || { echo "systemd-analyze security printed no exposure for $unit" >&2; exit 1; }
        say "systemd-analyze security $unit: exposure $exposure (0 best, 10 worst)"
        awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || { echo "$unit: exposure $exposure is over 2.0" >&2; exit 1; }
    done
else
    say "SKIPPED the systemd unit checks: systemd-analyze is not installed"
fi

if command -v nginx >/dev/null && command -v openssl >/dev/null; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/privkey.pem" -out "$WORK/fullchain.pem" -days 1 \
        -subj /CN=linli.example.cn 2>/dev/null
    {
        echo "pid $WORK/nginx.pid; error_log $WORK/error.log; events {}"
        echo "http { access_log off;"
        sed "s|/var/log/nginx/|$WORK/|g; s|/etc/ssl/linli/|$WORK/|g" "$ROOT/deploy/nginx/linli.conf"
        echo "}"
    } >"$WORK/nginx.conf"
    nginx -q -t -c "$WORK/nginx.conf" -p "$WORK"
    say "nginx -t: deploy/nginx/linli.conf is valid"
    grep -q "client_max_body_size 2m;" "$ROOT/deploy/nginx/linli.conf" ||
        { echo "nginx's client_max_body_size no longer matches LINLI_HTTP_MAX_BODY_BYTES' default (2 MiB)" >&2; exit 1; }
else
    say "SKIPPED the nginx check: nginx is not installed (apt-get install nginx-light to check deploy/nginx/linli.conf)"
fi

if docker compose version >/dev/null 2>&1; then
    LINLI_DB_PASSWORD=check docker compose -f "$ROOT/deploy/compose.yaml" config --quiet
    say "docker compose config: deploy/compose.yaml is valid"
else
    say "SKIPPED the compose check: Docker Compose is not installed (the images cannot be fetched here either)"
fi
