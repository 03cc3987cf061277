# shellcheck shell=bash
# Starts a throwaway PostgreSQL and the Release build of the server for a benchmark; bench_stop undoes both.
# BENCH_WORKSPACE_ROOT (optional) puts the repositories and jobs folders elsewhere (e.g. on a loop mount).
# BENCH_APP (optional) is a folder holding a published server to run instead of the Release build.
# After bench_start: $BENCH_URL, $BENCH_DIR, $BENCH_USER, $BENCH_PASSWORD, $BENCH_SOURCES (an allowed local root),
# $BENCH_PID (the server process), $BENCH_PG_PORT and $BENCH_POSTGRES (its database "bench", as a connection string).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/lib/apt.sh
source "$root/scripts/lib/apt.sh"
# shellcheck source=../../scripts/lib/postgres.sh
source "$root/scripts/lib/postgres.sh"

# bench_start [KEY=VALUE ...]: extra settings for the server (e.g. Jobs__MaxConcurrent=20).
bench_start() {
  apt_install openssl git curl jq
  pg_find_bin
  BENCH_DIR="$(mktemp -d /tmp/claudebatch-bench.XXXXXX)"
  chmod 755 "$BENCH_DIR"
  local pg_port api_port
  pg_port="$(pg_free_port)"
  api_port="$(pg_free_port)"
  pg_start "$BENCH_DIR/postgres" "$pg_port"
  pg_create_db "$pg_port" bench
  mkdir -p "$BENCH_DIR/auth" "$BENCH_DIR/sources"
  BENCH_USER=bench
  BENCH_PASSWORD="bench-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  echo "$BENCH_USER:$(openssl passwd -6 "$BENCH_PASSWORD"):19000:0:99999:7:::" >"$BENCH_DIR/auth/shadow"
  echo "$BENCH_USER:x:$(id -u):$(id -g)::$BENCH_DIR:/bin/bash" >"$BENCH_DIR/auth/passwd"
  BENCH_SOURCES="$BENCH_DIR/sources"
  local app="${BENCH_APP:-$root/src/Api/bin/Release/net10.0}"
  [ -n "${BENCH_APP:-}" ] || dotnet build "$root/src/Api/Api.csproj" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
  (
    # From the app's folder, as systemd and the container run it. (The server no longer watches its working
    # directory for configuration changes, so this no longer changes its memory; the figures were taken this way.)
    cd "$app" || exit 1
    ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$api_port" \
    ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Database=bench;Username=postgres;Maximum Pool Size=200" \
    Jwt__Key="$(head -c 48 /dev/urandom | base64)" \
    Workspace__RepositoriesPath="${BENCH_WORKSPACE_ROOT:-$BENCH_DIR}/repos" Workspace__JobsPath="${BENCH_WORKSPACE_ROOT:-$BENCH_DIR}/jobs" \
    Auth__ShadowFilePath="$BENCH_DIR/auth/shadow" Auth__PasswdFilePath="$BENCH_DIR/auth/passwd" \
    Auth__LoginRateLimit__FailuresPerUserAndAddress=1000000 Auth__LoginRateLimit__FailuresPerUser=1000000 Auth__LoginRateLimit__FailuresPerAddress=1000000 \
    Repositories__AllowLocalSources=true Repositories__AllowedLocalRoots__0="$BENCH_SOURCES" \
    Serilog__MinimumLevel__Default=Warning Impersonation__Mode=none Claude__Environment__IS_SANDBOX=1 \
      exec env "$@" dotnet "$app/ClaudeBatch.Api.dll" >"$BENCH_DIR/server.log" 2>&1
  ) &
  BENCH_PID=$!
  BENCH_URL="http://127.0.0.1:$api_port"
  BENCH_PG_PORT="$pg_port"
  BENCH_POSTGRES="Host=127.0.0.1;Port=$pg_port;Database=bench;Username=postgres"
  for _ in $(seq 1 100); do
    curl -sf "$BENCH_URL/health/live" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -sf "$BENCH_URL/health/live" >/dev/null || { cat "$BENCH_DIR/server.log" >&2; return 1; }
  BENCH_TOKEN="$(curl -sf -X POST "$BENCH_URL/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$BENCH_USER\",\"password\":\"$BENCH_PASSWORD\"}" | jq -r .token)"
  export BENCH_URL BENCH_DIR BENCH_USER BENCH_PASSWORD BENCH_SOURCES BENCH_TOKEN BENCH_PID BENCH_PG_PORT BENCH_POSTGRES
}

bench_stop() {
  [ -n "${BENCH_PID:-}" ] && kill "$BENCH_PID" 2>/dev/null && wait "$BENCH_PID" 2>/dev/null
  pg_stop "$BENCH_DIR/postgres"
  rm -rf "$BENCH_DIR"
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }
