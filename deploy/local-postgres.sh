#!/usr/bin/env bash
# local-postgres.sh — manage a private PostgreSQL cluster in a folder.
#
# Used for Linli's "embedded default" development database and for throwaway
# test clusters. The cluster is a DEVELOPMENT cluster: it listens only on a
# private unix socket and on 127.0.0.1, and uses "trust" authentication.
# Never point it at a non-loopback address.
#
# Usage:
#   deploy/local-postgres.sh install   install missing Debian packages (PostgreSQL server,
#                                      postgresql-contrib, libpq-dev, pkg-config, zlib1g-dev,
#                                      libsodium-dev, libqrencode-dev, curl)
#   deploy/local-postgres.sh start     create the cluster if absent, start it if stopped,
#                                      create the database if missing (idempotent)
#   deploy/local-postgres.sh stop      fast shutdown; no error if not running
#   deploy/local-postgres.sh status    exit 0 if running, 3 if not
#   deploy/local-postgres.sh env       print `export` lines (PGHOST PGPORT PGUSER
#                                      PGDATABASE DATABASE_URL); use: eval "$(... env)"
#   deploy/local-postgres.sh destroy   stop and delete the cluster folder
#
# Settings (environment variables):
#   LINLI_PG_DIR      cluster folder (default: <repo>/.local/postgres). Holds data/,
#                     socket/, postgres.log and the marker file.
#   LINLI_PG_PORT     TCP port on 127.0.0.1 and unix socket port (default 54329, or the
#                     port of the last start of this cluster)
#   LINLI_PG_USER     cluster superuser, fixed when the cluster is created (default linli)
#   LINLI_PG_DB       database created after start if missing (default linli)
#   LINLI_PG_OS_USER  OS user that runs PostgreSQL when this script runs as root
#                     (default linli-pg; created if missing). Not used when not root.
#   LINLI_PG_BINDIR   PostgreSQL server binaries (default: newest /usr/lib/postgresql/*/bin)
#   LINLI_PG_THROWAWAY  1: run without fsync (test clusters that are deleted afterwards)

set -euo pipefail
umask 022

readonly PROG="local-postgres"
readonly MARKER_NAME="linli-local-postgres.marker"
readonly MARKER_MAGIC="# linli local PostgreSQL cluster, created by deploy/local-postgres.sh"
# The PostgreSQL server and libpq for Linli, zlib for XLSX (ZIPFoundation), libsodium for
# Argon2id password hashes (LinliAccounts), libqrencode for QR codes (LinliWeb), curl for the scripts.
readonly PACKAGES=(postgresql postgresql-contrib libpq-dev pkg-config zlib1g-dev libsodium-dev libqrencode-dev curl)
readonly DEFAULT_PORT=54329
readonly START_TIMEOUT=120
# sun_path is 108 bytes including the terminating NUL.
readonly MAX_SOCKET_PATH=107

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(dirname -- "$SCRIPT_DIR")"

# Caller PG* variables (e.g. from an earlier `eval "$(... env)"` for another cluster)
# must not leak into initdb/pg_ctl/psql: everything below is passed explicitly.
mapfile -t _pgvars < <(compgen -v PG || true)
((${#_pgvars[@]} == 0)) || unset "${_pgvars[@]}"
unset _pgvars

# ---------------------------------------------------------------- messages

info() { printf '%s: %s\n' "$PROG" "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

usage() {
    cat >&2 <<EOF
Usage: $0 {install|start|stop|status|env|destroy}

  install  install missing Debian packages: ${PACKAGES[*]}
  start    create (if absent) and start the private cluster, create the database
  stop     fast shutdown (no error if not running)
  status   print whether the cluster runs; exit 0 if running, 3 if not
  env      print export lines for PGHOST PGPORT PGUSER PGDATABASE DATABASE_URL
  destroy  stop the cluster and delete its folder

Settings: LINLI_PG_DIR (default <repo>/.local/postgres), LINLI_PG_PORT (default $DEFAULT_PORT),
          LINLI_PG_USER (default linli), LINLI_PG_DB (default linli),
          LINLI_PG_OS_USER (default linli-pg, used when run as root), LINLI_PG_BINDIR.
EOF
}

# ---------------------------------------------------------------- helpers

is_root() { [[ $(id -u) -eq 0 ]]; }

# Single-quote a string for POSIX shells.
shell_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# Length of $1 in bytes (not characters).
byte_len() {
    local LC_ALL=C
    printf '%s' "${#1}"
}

# Percent-encode a string for a URI; characters in $2 are kept as they are.
uri_encode() {
    local s=$1 keep=${2:-} out="" c i
    local LC_ALL=C
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        if [[ $c == [A-Za-z0-9._~-] || (-n $keep && $keep == *"$c"*) ]]; then
            out+=$c
        else
            out+=$(printf '%%%02X' "'$c")
        fi
    done
    printf '%s' "$out"
}

# Value of key $1 in the marker file, or nothing.
state_get() {
    [[ -f $MARKER ]] || return 0
    local k v
    while IFS='=' read -r k v; do
        if [[ $k == "$1" ]]; then
            printf '%s' "$v"
            return 0
        fi
    done <"$MARKER"
}

# Set key $1 to $2 in the marker file.
state_set() {
    local tmp k v found=0
    tmp=$(mktemp "$DIR/.marker.XXXXXX")
    {
        printf '%s\n' "$MARKER_MAGIC"
        printf '# Delete the cluster with: LINLI_PG_DIR=%s %s destroy\n' "$(shell_quote "$DIR")" "$SCRIPT_DIR/local-postgres.sh"
        if [[ -f $MARKER ]]; then
            while IFS='=' read -r k v; do
                [[ -z $k || $k == \#* ]] && continue
                if [[ $k == "$1" ]]; then
                    printf '%s=%s\n' "$k" "$2"
                    found=1
                else
                    printf '%s=%s\n' "$k" "$v"
                fi
            done <"$MARKER"
        fi
        ((found)) || printf '%s=%s\n' "$1" "$2"
    } >"$tmp"
    chmod 644 "$tmp"
    mv -f "$tmp" "$MARKER"
}

has_marker() { [[ -f $MARKER && ! -L $MARKER ]] && [[ $(head -n 1 "$MARKER") == "$MARKER_MAGIC" ]]; }

# Run a command as the OS user that owns the cluster. File descriptor 9 (the
# lock) is closed so that a server started here does not inherit the lock.
as_pg() {
    if [[ -z $RUN_AS ]]; then
        "$@" 9<&-
    elif command -v runuser >/dev/null 2>&1; then
        (cd / && runuser -u "$RUN_AS" -- "$@") 9<&-
    else
        (cd / && setpriv --reuid="$RUN_AS" --regid="$RUN_AS" --init-groups -- "$@") 9<&-
    fi
}

# ---------------------------------------------------------------- settings

load_settings() {
    local raw=${LINLI_PG_DIR:-$REPO_ROOT/.local/postgres}
    [[ $raw == *$'\n'* || $raw == *'"'* ]] && die "LINLI_PG_DIR must not contain newlines or double quotes: $raw"
    DIR=$(realpath -m -- "$raw")
    [[ $DIR == / ]] && die "LINLI_PG_DIR must not be /"
    DATA="$DIR/data"
    LOGFILE="$DIR/postgres.log"
    MARKER="$DIR/$MARKER_NAME"
    LOCKFILE="$DIR/.lock"

    local recorded_user
    recorded_user=$(state_get user)
    if [[ -n $recorded_user ]]; then
        if [[ -n ${LINLI_PG_USER:-} && $LINLI_PG_USER != "$recorded_user" ]]; then
            die "the cluster in $DIR was created with superuser '$recorded_user', but LINLI_PG_USER='$LINLI_PG_USER'. Unset LINLI_PG_USER, or destroy the cluster to recreate it."
        fi
        PGUSER_NAME=$recorded_user
    else
        PGUSER_NAME=${LINLI_PG_USER:-linli}
    fi
    [[ -n $PGUSER_NAME ]] || die "LINLI_PG_USER must not be empty"

    PGDB_NAME=${LINLI_PG_DB:-$(state_get database)}
    PGDB_NAME=${PGDB_NAME:-linli}

    PORT=${LINLI_PG_PORT:-$(state_get port)}
    PORT=${PORT:-$DEFAULT_PORT}
    if ! [[ $PORT =~ ^[0-9]{1,5}$ ]] || ((10#$PORT < 1 || 10#$PORT > 65535)); then
        die "LINLI_PG_PORT must be a port number (1-65535), got '$PORT'"
    fi
    PORT=$((10#$PORT))

    SOCKDIR=$(state_get socket_dir)
    if [[ -z $SOCKDIR ]]; then
        SOCKDIR="$DIR/socket"
        # Use a short folder under /tmp if the socket path would be too long
        # (checked with the longest possible port) or has characters that
        # unix_socket_directories cannot hold.
        local probe="$SOCKDIR/.s.PGSQL.65535"
        if (($(byte_len "$probe") > MAX_SOCKET_PATH)) || [[ $SOCKDIR == *[,\'\\]* ]]; then
            SOCKDIR="/tmp/linli-pg-$(printf '%s' "$DIR" | sha256sum | cut -c1-16)"
        fi
    fi

    if is_root; then
        RUN_AS=${LINLI_PG_OS_USER:-linli-pg}
    else
        RUN_AS=""
    fi
}

find_bindir() {
    local want=${1:-} d
    if [[ -n ${LINLI_PG_BINDIR:-} ]]; then
        [[ -x $LINLI_PG_BINDIR/initdb ]] || die "LINLI_PG_BINDIR=$LINLI_PG_BINDIR has no initdb"
        BINDIR=$LINLI_PG_BINDIR
        return 0
    fi
    if [[ -n $want && -x /usr/lib/postgresql/$want/bin/initdb ]]; then
        BINDIR=/usr/lib/postgresql/$want/bin
        return 0
    fi
    BINDIR=""
    d=$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
    if [[ -x $d ]]; then
        BINDIR=$(dirname -- "$d")
    elif command -v initdb >/dev/null 2>&1; then
        BINDIR=$(dirname -- "$(command -v initdb)")
    fi
    [[ -n $BINDIR ]]
}

server_major() { "$BINDIR/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/'; }

database_url() {
    printf 'postgresql://%s@/%s?host=%s&port=%s' \
        "$(uri_encode "$PGUSER_NAME")" "$(uri_encode "$PGDB_NAME")" "$(uri_encode "$SOCKDIR" /)" "$PORT"
}

# ---------------------------------------------------------------- process checks

# Is $1 the pid of a live postmaster of *this* data folder? Guards against a
# stale postmaster.pid whose pid now belongs to an unrelated process (reboot).
is_our_postmaster() {
    local pid=$1 comm cwd
    [[ $pid =~ ^[0-9]+$ ]] && ((pid > 0)) || return 1
    [[ -d /proc/$pid ]] || return 1
    # A killed postmaster may linger as a zombie until its parent reaps it.
    local stat
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != [ZX] ]] || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [[ $comm == postgres* || $comm == postmaster* ]] || return 1
    if cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) && [[ -n $cwd ]]; then
        [[ $cwd == "$DATA" ]] || return 1
    fi
    return 0
}

# Prints the postmaster pid and returns 0 if the cluster is running.
running_pid() {
    local pid
    [[ -f $DATA/postmaster.pid ]] || return 1
    pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null) || return 1
    pid=${pid#-}
    is_our_postmaster "$pid" || return 1
    printf '%s' "$pid"
}

# Line $1 of postmaster.pid (4 = port, 5 = socket directory).
pidfile_line() { sed -n "${1}p" "$DATA/postmaster.pid" 2>/dev/null || true; }

# Server processes left over from a killed postmaster (same data folder).
orphan_pids() {
    local p cwd comm found=()
    for p in /proc/[0-9]*; do
        read -r comm 2>/dev/null <"$p/comm" || continue
        [[ $comm == postgres* || $comm == postmaster* ]] || continue
        cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
        [[ $cwd == "$DATA" ]] && found+=("${p#/proc/}")
    done
    printf '%s' "${found[*]}"
}

# Something accepts TCP connections on 127.0.0.1:$PORT?
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

# ---------------------------------------------------------------- setup steps

lock_dir() {
    command -v flock >/dev/null 2>&1 || return 0
    [[ -e $LOCKFILE ]] || : >"$LOCKFILE"
    exec 9<"$LOCKFILE"
    flock -w 300 9 || die "another $PROG command holds the lock on $DIR for too long"
}

ensure_os_user() {
    [[ -n $RUN_AS ]] || return 0
    id -u "$RUN_AS" >/dev/null 2>&1 && return 0
    info "creating system user '$RUN_AS' to run PostgreSQL (it refuses to run as root)"
    useradd --system --no-create-home --user-group --shell /usr/sbin/nologin "$RUN_AS" 2>/dev/null ||
        id -u "$RUN_AS" >/dev/null 2>&1 || # created concurrently?
        die "could not create system user '$RUN_AS' (useradd failed)"
}

# The OS user that runs PostgreSQL must be able to enter every existing folder
# on the way to $1 (missing ones are created world-traversable, umask 022) and,
# if $2 is "write", to write $1.
check_access() {
    local target=$1 mode=${2:-} p="" parts part
    [[ -n $RUN_AS ]] || return 0
    IFS=/ read -ra parts <<<"$target"
    for part in "${parts[@]}"; do
        [[ -z $part ]] && continue
        p+="/$part"
        [[ -e $p ]] || break
        if ! as_pg test -x "$p"; then
            die "OS user '$RUN_AS' (which runs PostgreSQL, as it refuses to run as root) cannot enter '$p' (mode $(stat -c %A "$p"), owner $(stat -c %U "$p")). Make it traversable (chmod o+x '$p') or set LINLI_PG_DIR to a folder below world-traversable folders."
        fi
    done
    if [[ $mode == write ]] && ! as_pg test -w "$target"; then
        die "OS user '$RUN_AS' cannot write '$target'"
    fi
}

# Create the cluster folder (with marker) and give it to the run user.
prepare_dir() {
    if [[ -e $DIR && ! -d $DIR ]]; then
        die "LINLI_PG_DIR=$DIR exists and is not a folder"
    fi
    check_access "$(dirname -- "$DIR")"
    mkdir -p -- "$DIR"
    lock_dir
    if ! has_marker; then
        if [[ -n $(find "$DIR" -mindepth 1 -maxdepth 1 ! -name .lock -print -quit) ]]; then
            die "LINLI_PG_DIR=$DIR is not empty and was not created by this script (no $MARKER_NAME). Refusing to use it; choose another LINLI_PG_DIR."
        fi
        state_set created "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        # The folder is never meant to be committed.
        printf '*\n' >"$DIR/.gitignore"
    fi
    if [[ -n $RUN_AS ]]; then
        chown "$RUN_AS:" "$DIR"
        [[ -e $LOGFILE ]] || : >"$LOGFILE"
        chown "$RUN_AS:" "$LOGFILE"
        if [[ -d $DATA ]]; then
            local owner
            owner=$(stat -c %U "$DATA")
            [[ $owner == "$RUN_AS" ]] ||
                die "$DATA is owned by '$owner', not by '$RUN_AS'. Fix with: chown -R $RUN_AS: $(shell_quote "$DATA")"
        fi
    elif [[ -d $DATA && ! -O $DATA ]]; then
        die "$DATA is owned by '$(stat -c %U "$DATA")', not by you ($(id -un)). Run this script as that user or as root."
    fi
    chmod 755 "$DIR"
    check_access "$DIR" write
}

prepare_socket_dir() {
    if [[ -L $SOCKDIR || (-e $SOCKDIR && ! -d $SOCKDIR) ]]; then
        die "socket folder $SOCKDIR is a symlink or not a folder; remove it"
    fi
    if [[ ! -d $SOCKDIR ]]; then
        mkdir -p -- "$SOCKDIR"
        [[ -z $RUN_AS ]] || chown "$RUN_AS:" "$SOCKDIR"
    fi
    local want_uid
    want_uid=$(id -u "${RUN_AS:-$(id -un)}")
    [[ $(stat -c %u "$SOCKDIR") == "$want_uid" ]] ||
        die "socket folder $SOCKDIR is owned by $(stat -c %U "$SOCKDIR"), not by ${RUN_AS:-$(id -un)}; remove it"
    chmod 755 "$SOCKDIR"
    check_access "$SOCKDIR" write
    [[ $SOCKDIR == "$DIR/socket" ]] || state_set socket_dir "$SOCKDIR"
}

pick_locale() {
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
        printf 'C.UTF-8'
    else
        printf 'C'
    fi
}

init_cluster() {
    local tmpdata="$DIR/data.initdb" locale initlog="$DIR/initdb.log"
    locale=$(pick_locale)
    info "creating a new cluster in $DATA (superuser '$PGUSER_NAME', UTF8, locale $locale, PostgreSQL $(server_major))"
    rm -rf -- "$tmpdata"
    mkdir -m 700 -- "$tmpdata"
    [[ -z $RUN_AS ]] || chown "$RUN_AS:" "$tmpdata"
    [[ -z $RUN_AS ]] || { : >"$initlog" && chown "$RUN_AS:" "$initlog"; }
    if ! as_pg "$BINDIR/initdb" -D "$tmpdata" -U "$PGUSER_NAME" --encoding=UTF8 --locale="$locale" \
        --auth-local=trust --auth-host=trust --no-instructions >"$initlog" 2>&1; then
        cat "$initlog" >&2
        die "initdb failed (output above, also in $initlog)"
    fi

    # Development cluster, loopback only: trust is acceptable because the server
    # listens only on its private unix socket folder and on 127.0.0.1.
    as_pg tee "$tmpdata/pg_hba.conf" >/dev/null <<'EOF'
# Written by deploy/local-postgres.sh.
# DEVELOPMENT cluster: it listens only on a private unix socket folder and on
# 127.0.0.1 (see postgresql.conf), so local connections are trusted without a
# password. Never make it listen on another address.
# TYPE  DATABASE        USER    ADDRESS         METHOD
local   all             all                     trust
host    all             all     127.0.0.1/32    trust
local   replication     all                     trust
host    replication     all     127.0.0.1/32    trust
EOF
    as_pg tee -a "$tmpdata/postgresql.conf" >/dev/null <<'EOF'

#------------------------------------------------------------------------------
# Added by deploy/local-postgres.sh (development cluster, loopback only)
#------------------------------------------------------------------------------
listen_addresses = '127.0.0.1'
shared_buffers = 128MB
max_connections = 200
fsync = on
logging_collector = off        # pg_ctl -l writes the log to the cluster folder
# Port and socket folder are rewritten at every start:
include_if_exists = 'linli-runtime.conf'
EOF
    mv -- "$tmpdata" "$DATA"
    state_set user "$PGUSER_NAME"
}

write_runtime_conf() {
    as_pg tee "$DATA/linli-runtime.conf" >/dev/null <<EOF
# Written by deploy/local-postgres.sh at every start; do not edit.
port = $PORT
unix_socket_directories = '$SOCKDIR'
EOF
    if [[ "${LINLI_PG_THROWAWAY:-0}" == 1 ]]; then
        # A throwaway test cluster: durability against a machine crash is worth nothing, speed
        # is. Commits stay synchronous all the same: the crash harnesses stop PostgreSQL with
        # `-m immediate` and count on every acknowledged commit surviving that. Without fsync
        # a synchronous commit costs one write() into the kernel, which outlives the server
        # process; with synchronous_commit = off the commit waits in shared memory, and an
        # immediate stop lost 29 of 30 acknowledged inserts here.
        as_pg tee -a "$DATA/linli-runtime.conf" >/dev/null <<EOF
fsync = off
full_page_writes = off
EOF
    fi
}

# Remove leftovers of a crash: stale postmaster.pid, socket lock files,
# and wait for server processes orphaned by a killed postmaster.
clear_stale_state() {
    if [[ -f $DATA/postmaster.pid ]]; then
        info "removing stale $DATA/postmaster.pid (server is not running)"
        rm -f -- "$DATA/postmaster.pid"
    fi
    local orphans waited=0
    orphans=$(orphan_pids)
    while [[ -n $orphans ]]; do
        if ((waited == 0)); then
            info "waiting for leftover server processes of a killed postmaster to exit: $orphans"
        fi
        if ((waited >= 30)); then
            die "leftover server processes of this cluster are still running: $orphans. Stop them (kill -QUIT $orphans) and run start again."
        fi
        sleep 1
        waited=$((waited + 1))
        orphans=$(orphan_pids)
    done
    # Our socket folder belongs to this cluster only; anything in it is stale now.
    rm -f -- "$SOCKDIR"/.s.PGSQL.*
}

wait_ready() {
    local i
    for ((i = 0; i < START_TIMEOUT * 2; i++)); do
        if "$BINDIR/pg_isready" -q -h "$SOCKDIR" -p "$PORT" -U "$PGUSER_NAME" -d postgres; then
            return 0
        fi
        sleep 0.5
    done
    die "the server does not accept connections on $SOCKDIR port $PORT; see $LOGFILE"
}

ensure_database() {
    "$BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -v db="$PGDB_NAME" \
        -h "$SOCKDIR" -p "$PORT" -U "$PGUSER_NAME" -d postgres >/dev/null <<'SQL' ||
SELECT format('CREATE DATABASE %I', :'db')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
        die "could not create database '$PGDB_NAME' (see messages above)"
}

# ---------------------------------------------------------------- commands

cmd_install() {
    local missing=() p
    if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        find_bindir && command -v pkg-config >/dev/null 2>&1 && return 0
        die "this is not a Debian-like system (no dpkg/apt-get). Install the PostgreSQL server, its contrib modules, the libpq, zlib and libsodium headers and pkg-config by hand."
    fi
    for p in "${PACKAGES[@]}"; do
        if [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true) != installed ]]; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]} == 0)); then
        info "packages already installed: ${PACKAGES[*]}"
        return 0
    fi
    info "missing packages: ${missing[*]}"
    local runner=()
    if ! is_root; then
        if command -v sudo >/dev/null 2>&1; then
            runner=(sudo --)
        else
            die "not root and sudo is not available. Run as root: apt-get update && apt-get install -y ${missing[*]}"
        fi
    fi
    info "running: ${runner[*]}${runner[*]:+ }apt-get update && apt-get install -y ${missing[*]}"
    "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update ||
        die "apt-get update failed"
    "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" ||
        die "apt-get install ${missing[*]} failed"
    info "installed: ${missing[*]}"
}

cmd_start() {
    if ! find_bindir; then
        info "PostgreSQL server binaries not found; installing them"
        cmd_install
        find_bindir || die "PostgreSQL server binaries still not found after install (set LINLI_PG_BINDIR)"
    fi
    ensure_os_user
    prepare_dir
    # Re-read settings, which a concurrent start may have recorded meanwhile.
    load_settings

    if [[ -f $DATA/PG_VERSION ]]; then
        local ver
        ver=$(<"$DATA/PG_VERSION")
        find_bindir "$ver" || true
        [[ $(server_major) == "$ver" ]] ||
            die "the cluster in $DATA is PostgreSQL $ver, but the binaries in $BINDIR are version $(server_major). Install postgresql-$ver or destroy the cluster."
    fi

    local pid
    if pid=$(running_pid); then
        local rport rsock
        rport=$(pidfile_line 4)
        rsock=$(pidfile_line 5)
        PORT=${rport:-$PORT}
        SOCKDIR=${rsock:-$SOCKDIR}
        if [[ -n ${LINLI_PG_PORT:-} && $LINLI_PG_PORT != "$PORT" ]]; then
            warn "LINLI_PG_PORT=$LINLI_PG_PORT ignored: the cluster already runs on port $PORT (stop it first to change the port)"
        fi
        info "already running (pid $pid, port $PORT, data $DATA)"
        wait_ready
        ensure_database
        state_set database "$PGDB_NAME"
        info "PostgreSQL ready: $(database_url)"
        return 0
    fi

    prepare_socket_dir
    [[ -f $DATA/PG_VERSION ]] || init_cluster
    clear_stale_state
    if port_in_use; then
        die "port $PORT (LINLI_PG_PORT) on 127.0.0.1 is already in use by another program. Set LINLI_PG_PORT to a free port."
    fi
    write_runtime_conf
    state_set port "$PORT"

    info "starting PostgreSQL (data $DATA, port $PORT, socket $SOCKDIR, log $LOGFILE)"
    local logsize
    logsize=$(stat -c %s "$LOGFILE" 2>/dev/null || echo 0)
    if ! as_pg "$BINDIR/pg_ctl" start -D "$DATA" -l "$LOGFILE" -w -t "$START_TIMEOUT" -s; then
        local newlog
        newlog=$(tail -c +"$((logsize + 1))" "$LOGFILE" 2>/dev/null | tail -n 20 || true)
        [[ -z $newlog ]] || printf '%s\n' "--- last lines of $LOGFILE ---" "$newlog" "---" >&2
        if grep -qiE 'could not bind|address already in use' <<<"$newlog"; then
            die "port $PORT (LINLI_PG_PORT) on 127.0.0.1 is already in use by another program. Set LINLI_PG_PORT to a free port."
        fi
        die "PostgreSQL did not start; see $LOGFILE"
    fi
    wait_ready
    ensure_database
    state_set database "$PGDB_NAME"
    info "PostgreSQL ready: $(database_url)"
}

cmd_stop() {
    if [[ ! -f $DATA/PG_VERSION ]]; then
        info "no cluster in $DIR; nothing to stop"
        return 0
    fi
    find_bindir "$(<"$DATA/PG_VERSION")" || die "PostgreSQL binaries not found (run: $0 install)"
    lock_dir
    local pid
    if ! pid=$(running_pid); then
        info "not running (data $DATA)"
        return 0
    fi
    info "stopping PostgreSQL (pid $pid, fast shutdown)"
    as_pg "$BINDIR/pg_ctl" stop -D "$DATA" -m fast -w -t "$START_TIMEOUT" -s ||
        die "pg_ctl stop failed; see $LOGFILE"
    info "stopped"
}

# Warn (and fail) if the data folder exists but this user cannot look into it.
data_unreadable() {
    [[ -d $DATA && ! -x $DATA ]] || return 1
    warn "cannot read $DATA (owned by $(stat -c %U "$DATA")); run this command as root or as that user"
}

cmd_status() {
    if data_unreadable; then
        echo "unknown: cannot read $DATA"
        return 3
    fi
    if [[ ! -f $DATA/PG_VERSION ]]; then
        echo "not running: no cluster in $DIR"
        return 3
    fi
    local pid
    if pid=$(running_pid); then
        echo "running: pid $pid, port $(pidfile_line 4), socket $(pidfile_line 5), data $DATA"
        return 0
    fi
    echo "not running (data $DATA)"
    return 3
}

cmd_env() {
    if data_unreadable; then
        :
    elif [[ -f $DATA/PG_VERSION ]] && running_pid >/dev/null; then
        local rport rsock
        rport=$(pidfile_line 4)
        rsock=$(pidfile_line 5)
        PORT=${rport:-$PORT}
        SOCKDIR=${rsock:-$SOCKDIR}
    else
        warn "the cluster in $DIR is not running; start it with: $0 start"
    fi
    printf 'export PGHOST=%s\n' "$(shell_quote "$SOCKDIR")"
    printf 'export PGPORT=%s\n' "$(shell_quote "$PORT")"
    printf 'export PGUSER=%s\n' "$(shell_quote "$PGUSER_NAME")"
    printf 'export PGDATABASE=%s\n' "$(shell_quote "$PGDB_NAME")"
    printf 'export DATABASE_URL=%s\n' "$(shell_quote "$(database_url)")"
}

cmd_destroy() {
    if [[ ! -e $DIR ]]; then
        info "$DIR does not exist; nothing to destroy"
        return 0
    fi
    has_marker || die "refusing to delete $DIR: it has no $MARKER_NAME written by this script"
    lock_dir
    if [[ -f $DATA/PG_VERSION ]]; then
        local pid
        if pid=$(running_pid); then
            find_bindir "$(<"$DATA/PG_VERSION")" || die "PostgreSQL binaries not found; stop pid $pid by hand"
            info "stopping PostgreSQL (pid $pid, fast shutdown)"
            if ! as_pg "$BINDIR/pg_ctl" stop -D "$DATA" -m fast -w -t "$START_TIMEOUT" -s; then
                warn "fast shutdown failed; trying immediate shutdown"
                as_pg "$BINDIR/pg_ctl" stop -D "$DATA" -m immediate -w -t 30 -s ||
                    die "could not stop PostgreSQL (pid $pid); not deleting $DIR"
            fi
        fi
    fi
    local sock
    sock=$(state_get socket_dir)
    info "deleting $DIR"
    rm -rf --one-file-system -- "$DIR"
    if [[ $sock == /tmp/linli-pg-* && -d $sock && ! -L $sock ]]; then
        rm -rf --one-file-system -- "$sock"
    fi
    info "destroyed"
}

main() {
    local cmd=${1:-}
    case $cmd in
        install) cmd_install ;;
        start | stop | status | env | destroy)
            load_settings
            "cmd_$cmd"
            ;;
        -h | --help | help)
            usage
            ;;
        *)
            usage
            exit 2
            ;;
    esac
}

main "$@"
