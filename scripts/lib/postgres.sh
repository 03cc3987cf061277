# shellcheck shell=bash
# A throwaway or project-local PostgreSQL without Docker: initdb + pg_ctl as a system user (initdb refuses root).
# Source this file, then: pg_find_bin; pg_start DATA_DIR PORT; pg_stop DATA_DIR.

pg_find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ]; then PG_BIN="$dir"; fi
  done
  if [ -z "${PG_BIN:-}" ]; then
    echo "PostgreSQL server binaries not found; installing postgresql (apt)…" >&2
    apt_install postgresql
    for dir in /usr/lib/postgresql/*/bin; do
      if [ -x "$dir/initdb" ]; then PG_BIN="$dir"; fi
    done
  fi
  [ -n "${PG_BIN:-}" ] || { echo "PostgreSQL server binaries are still missing" >&2; return 1; }
  export PG_BIN
}

# Runs a command as the PostgreSQL system user when we are root; as ourselves otherwise.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# pg_start DATA_DIR PORT [durable]: creates the cluster on first use, starts it on 127.0.0.1:PORT.
# PG_EXTRA_OPTIONS (optional) adds server options, e.g. "-c shared_preload_libraries=pg_stat_statements".
pg_start() {
  local data port="$2" durable="${3:-}"
  data="$(realpath -m "$1")"
  local sock="$data/socket"
  mkdir -p "$data"
  if [ "$(id -u)" -eq 0 ]; then pg_as_owner true; chown postgres "$data"; chmod 700 "$data"; fi
  if [ ! -f "$data/cluster/PG_VERSION" ]; then
    pg_as_owner "$PG_BIN/initdb" -D "$data/cluster" -U postgres --auth=trust --no-sync -E UTF8 >"$data/initdb.log" 2>&1 \
      || { cat "$data/initdb.log" >&2; return 1; }
  fi
  pg_as_owner mkdir -p "$sock"
  local fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ -n "$durable" ] && fast=""
  pg_as_owner "$PG_BIN/pg_ctl" -D "$data/cluster" -l "$data/server.log" -w -t 60 start \
    -o "-h 127.0.0.1 -p $port -k $sock -c max_connections=300 $fast ${PG_EXTRA_OPTIONS:-}" >/dev/null \
    || { tail -n 30 "$data/server.log" >&2; return 1; }
}

pg_stop() {
  local data
  data="$(realpath -m "$1")"
  [ -f "$data/cluster/postmaster.pid" ] || return 0
  pg_as_owner "$PG_BIN/pg_ctl" -D "$data/cluster" -m fast -w -t 30 stop >/dev/null 2>&1 || true
}

# pg_create_db PORT NAME: CREATE DATABASE must be a statement of its own.
pg_create_db() {
  local port="$1" name="$2"
  "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 \
    || "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE \"$name\"" >/dev/null
}
