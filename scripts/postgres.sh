#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests: no cluster registry, no system service.
#
#   scripts/postgres.sh start   initdb into a fresh folder and start on 127.0.0.1 (any earlier one is stopped and wiped)
#   scripts/postgres.sh stop    stop it and remove the folder
#   scripts/postgres.sh url     print the connection URL for the test database
#   scripts/postgres.sh status  say whether it is running
#
# Settings (environment): ROLLBOOK_PG_DIR (default /tmp/rollbook-pg), ROLLBOOK_PG_PORT (default 55432).
# Needs Debian's PostgreSQL server (apt-get install postgresql). Run as root (the server runs as the
# postgres user, since initdb refuses root) or as any other non-root user (who then owns the server).
# fsync is off: the data is thrown away, never trust it.
set -euo pipefail

PGDIR="$(realpath -m "${ROLLBOOK_PG_DIR:-/tmp/rollbook-pg}")"
PORT="${ROLLBOOK_PG_PORT:-55432}"
DBUSER=rollbook
DBPASS=rollbook
DBNAME=rollbook_test
DATA="$PGDIR/data"
LOG="$PGDIR/server.log"

# Debian's server binaries, newest version first; fall back to whatever is on PATH.
find_bindir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"; return 0
    fi
    echo "postgres.sh: no PostgreSQL server binaries found; apt-get install postgresql" >&2
    return 1
}

# Runs a command as the server's owner: postgres when we are root, else ourselves. From /, since the
# postgres user may not be allowed into the current folder.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u postgres -- "$@")
        else
            (cd / && su postgres -s /bin/sh -c "$(printf '%q ' "$@")")
        fi
    else
        "$@"
    fi
}

url() {
    echo "postgres://$DBUSER:$DBPASS@127.0.0.1:$PORT/$DBNAME"
}

stop() {
    local bin
    if [ -f "$DATA/postmaster.pid" ]; then
        bin="$(find_bindir)"
        as_owner "$bin/pg_ctl" -D "$DATA" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
        # A server that did not stop (or a stale pid file): end that one process, by its id.
        local pid
        pid="$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true)"
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q postgres "/proc/$pid/cmdline" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$PGDIR"
}

start() {
    local bin
    bin="$(find_bindir)"
    stop
    mkdir -p "$PGDIR"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || { echo "postgres.sh: no postgres user; apt-get install postgresql" >&2; exit 1; }
        chown postgres: "$PGDIR"
    fi
    chmod 700 "$PGDIR"
    local pwfile="$PGDIR/pw"
    printf '%s\n' "$DBPASS" > "$pwfile"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$pwfile"; fi
    # The superuser is the rollbook role itself: it owns the test database and may create and drop schemas.
    as_owner "$bin/initdb" -D "$DATA" -U "$DBUSER" --pwfile="$pwfile" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$PGDIR/initdb.log" 2>&1 || { cat "$PGDIR/initdb.log" >&2; exit 1; }
    rm -f "$pwfile"
    cat >>"$DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$PGDIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 128MB
EOF
    if ! as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 30 start >/dev/null; then
        echo "postgres.sh: the server did not start; its log:" >&2
        cat "$LOG" >&2 || true
        exit 1
    fi
    PGPASSWORD="$DBPASS" "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U "$DBUSER" -d postgres \
        -c "CREATE DATABASE $DBNAME OWNER $DBUSER" >/dev/null
    echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') is running at $(url) (data in $DATA, log $LOG)"
}

status() {
    local bin
    bin="$(find_bindir)"
    if [ -f "$DATA/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        echo "running at $(url)"
    else
        echo "not running"; return 3
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) url ;;
    status) status ;;
    *) echo "usage: $0 start|stop|url|status" >&2; exit 2 ;;
esac
