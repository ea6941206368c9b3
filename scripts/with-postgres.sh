#!/usr/bin/env bash
# scripts/with-postgres.sh COMMAND...
# Starts a throwaway PostgreSQL 15 cluster (initdb + pg_ctl as the postgres user, in a
# temporary directory, on a free loopback port), runs COMMAND with
# ECHO_TEST_POSTGRES_URL (and the cluster's bin and data directories, for the fault tests)
# in its environment, and stops and removes the cluster whatever COMMAND does.
set -euo pipefail

bindir=/usr/lib/postgresql/15/bin
[ -x "$bindir/initdb" ] || { echo "with-postgres: PostgreSQL 15 is not installed (run scripts/setup.sh --postgres)" >&2; exit 1; }

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir=$(mktemp -d /tmp/echo-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  as_postgres "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

as_postgres "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
as_postgres "$bindir/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null \
  || { cat "$dir/data/server.log" >&2; exit 1; }
echo "with-postgres: PostgreSQL 15 on 127.0.0.1:$port ($dir/data)"

export ECHO_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
export ECHO_TEST_POSTGRES_BIN="$bindir"
export ECHO_TEST_POSTGRES_DATA="$dir/data"
export ECHO_TEST_POSTGRES_PORT="$port"
export ECHO_TEST_POSTGRES_SOCKETS="$dir"
"$@"
