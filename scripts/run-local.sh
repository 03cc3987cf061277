#!/usr/bin/env bash
# THE run command: a project-local PostgreSQL (data kept in .local/, so it survives restarts) and the API on
# http://localhost:5000 in Development. Ctrl-C stops both. On first run it creates a demo account and prints its
# password once.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/apt.sh
source "$root/scripts/lib/apt.sh"
# shellcheck source=lib/postgres.sh
source "$root/scripts/lib/postgres.sh"

local_dir="$root/.local"
pg_data="$local_dir/postgres"
pg_port="${CLAUDEBATCH_LOCAL_PG_PORT:-55432}"
auth_dir="$local_dir/auth"
mkdir -p "$local_dir" "$auth_dir"

pg_find_bin
if ! pg_as_owner "$PG_BIN/pg_ctl" -D "$pg_data/cluster" status >/dev/null 2>&1; then
  echo "Starting PostgreSQL on 127.0.0.1:$pg_port (data in $pg_data)…"
  pg_start "$pg_data" "$pg_port" durable
  started_pg=1
else
  echo "Reusing the PostgreSQL already running from $pg_data."
fi
pg_create_db "$pg_port" claudebatch

cleanup() {
  trap - EXIT INT TERM
  if [ -n "${api_pid:-}" ]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  if [ -n "${started_pg:-}" ]; then echo "Stopping PostgreSQL…"; pg_stop "$pg_data"; fi
}
trap cleanup EXIT INT TERM

# A demo account in a dev shadow/passwd pair (never the host's /etc/shadow), created once.
if [ ! -f "$auth_dir/shadow" ]; then
  demo_password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 20)"
  demo_hash="$(openssl passwd -6 "$demo_password")"
  echo "demo:$demo_hash:19000:0:99999:7:::" >"$auth_dir/shadow"
  echo "demo:x:$(id -u):$(id -g):Demo user:$local_dir/home/demo:/bin/bash" >"$auth_dir/passwd"
  echo "claude-batch-admins:x:990:demo" >"$auth_dir/group"
  chmod 600 "$auth_dir/shadow"
  mkdir -p "$local_dir/home/demo"
  cat <<MSG

  A demo account was created for this checkout (shown only this once):
      username: demo
      password: $demo_password
  Log in:  curl -s -X POST http://localhost:5000/auth/login -H 'Content-Type: application/json' \\
             -d '{"username":"demo","password":"$demo_password"}'

MSG
fi

export ASPNETCORE_ENVIRONMENT=Development
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://localhost:5000}"
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Database=claudebatch;Username=postgres"
export Workspace__RepositoriesPath="$local_dir/workspace/repos"
export Workspace__JobsPath="$local_dir/workspace/jobs"
export Auth__ShadowFilePath="$auth_dir/shadow"
export Auth__PasswdFilePath="$auth_dir/passwd"
export Auth__GroupFilePath="$auth_dir/group"
# The demo account is not an OS account: jobs run as you (development only; see README "Jobs run as their users").
export Impersonation__Mode="${Impersonation__Mode:-none}"

echo "Building…"
dotnet build "$root/src/Api/Api.csproj" -nologo -v q -clp:ErrorsOnly
echo "Claude Batch Server on $ASPNETCORE_URLS — Swagger UI: $ASPNETCORE_URLS/swagger  (Ctrl-C stops the server and PostgreSQL)"
dotnet run --project "$root/src/Api/Api.csproj" --no-build --no-launch-profile &
api_pid=$!
wait "$api_pid"
