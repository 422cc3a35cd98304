#!/usr/bin/env bash
# Starts a throw-away PostgreSQL for this sample on 127.0.0.1:54329 (data in ./.pgdata), creates
# the database `etl` and loads seed.sql (again, when it is running already: a fresh start). `./start-postgres.sh stop` stops it and deletes the data.
# Needs the PostgreSQL server (Debian: apt-get install postgresql). As root it runs the server as
# the `postgres` user, as PostgreSQL requires.
set -euo pipefail
cd "$(dirname "$0")"
PORT="${PGPORT_SAMPLE:-54329}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$BIN/initdb" ] || { echo "PostgreSQL server not found: apt-get install postgresql" >&2; exit 1; }
DATA="$PWD/.pgdata"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "${1:-start}" = stop ]; then
  [ -d "$DATA" ] && as_pg "$BIN/pg_ctl" -D "$DATA/db" -m fast -w stop || true
  rm -rf "$DATA"
  exit 0
fi

if [ ! -d "$DATA/db" ]; then
  mkdir -p "$DATA"
  [ "$(id -u)" = 0 ] && chown postgres "$DATA"
  as_pg "$BIN/initdb" -D "$DATA/db" -A trust -U postgres -E UTF8 --locale=C >/dev/null
fi
if ! as_pg "$BIN/pg_ctl" -D "$DATA/db" status >/dev/null 2>&1; then
  as_pg "$BIN/pg_ctl" -D "$DATA/db" -o "-p $PORT -k $DATA -h 127.0.0.1" -l "$DATA/server.log" -w start >/dev/null
fi
as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS etl" -c "CREATE DATABASE etl"
as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d etl -q -v ON_ERROR_STOP=1 < seed.sql
echo "PostgreSQL is running. Now:"
echo "  export ETL_DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/etl"
