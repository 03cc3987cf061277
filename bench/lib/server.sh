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
  BENCH_JWT_KEY="$(head -c 48 /dev/urandom | base64)"
  local app="${BENCH_APP:-$root/src/Api/bin/Release/net10.0}"
  [ -n "${BENCH_APP:-}" ] || dotnet build "$root/src/Api/Api.csproj" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
  bench_launch "$api_port" "$pg_port" "${BENCH_WORKSPACE_ROOT:-$BENCH_DIR}" "$BENCH_DIR/server.log" "$@"
  BENCH_PID=$BENCH_LAUNCHED_PID
  BENCH_URL="http://127.0.0.1:$api_port"
  BENCH_PG_PORT="$pg_port"
  BENCH_POSTGRES="Host=127.0.0.1;Port=$pg_port;Database=bench;Username=postgres"
  BENCH_TOKEN="$(curl -sf -X POST "$BENCH_URL/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$BENCH_USER\",\"password\":\"$BENCH_PASSWORD\"}" | jq -r .token)"
  export BENCH_URL BENCH_DIR BENCH_USER BENCH_PASSWORD BENCH_SOURCES BENCH_TOKEN BENCH_PID BENCH_PG_PORT BENCH_POSTGRES
}

# bench_tiny_repository: registers "tiny" (one README, one commit, under $BENCH_SOURCES) and waits until it is cloned.
bench_tiny_repository() {
  mkdir -p "$BENCH_SOURCES/tiny" && echo hi >"$BENCH_SOURCES/tiny/README.md"
  git -C "$BENCH_SOURCES/tiny" init -q -b main && git -C "$BENCH_SOURCES/tiny" add -A && git -C "$BENCH_SOURCES/tiny" -c user.name=b -c user.email=b@b commit -qm tiny
  curl -sf -X POST "$BENCH_URL/repositories/register" -H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"name\":\"tiny\",\"gitUrl\":\"$BENCH_SOURCES/tiny\"}" >/dev/null
  while [ "$(curl -sf "$BENCH_URL/repositories/tiny" -H "Authorization: Bearer $BENCH_TOKEN" | jq -r .cloneStatus)" = cloning ]; do sleep 0.05; done
}

# bench_launch PORT PG_PORT WORKSPACE_ROOT LOG [KEY=VALUE ...]: one server process (a node) on the bench database,
# with its repositories and jobs under WORKSPACE_ROOT; sets BENCH_LAUNCHED_PID.
bench_launch() {
  local api_port="$1" pg_port="$2" workspace="$3" log="$4"
  shift 4
  local app="${BENCH_APP:-$root/src/Api/bin/Release/net10.0}"
  (
    # From the app's folder, as systemd and the container run it. (The server no longer watches its working
    # directory for configuration changes, so this no longer changes its memory; the figures were taken this way.)
    cd "$app" || exit 1
    ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$api_port" \
    ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Database=bench;Username=postgres;Maximum Pool Size=200${BENCH_CONNECTION_EXTRA:-}" \
    Jwt__Key="$BENCH_JWT_KEY" \
    Workspace__RepositoriesPath="$workspace/repos" Workspace__JobsPath="$workspace/jobs" \
    Auth__ShadowFilePath="$BENCH_DIR/auth/shadow" Auth__PasswdFilePath="$BENCH_DIR/auth/passwd" \
    Auth__LoginRateLimit__FailuresPerUserAndAddress=1000000 Auth__LoginRateLimit__FailuresPerUser=1000000 Auth__LoginRateLimit__FailuresPerAddress=1000000 \
    Repositories__AllowLocalSources=true Repositories__AllowedLocalRoots__0="$BENCH_SOURCES" \
    Serilog__MinimumLevel__Default=Warning Impersonation__Mode=none Claude__Environment__IS_SANDBOX=1 \
      exec env "$@" dotnet "$app/ClaudeBatch.Api.dll" >"$log" 2>&1
  ) &
  BENCH_LAUNCHED_PID=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$api_port/health/live" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  cat "$log" >&2
  return 1
}

# bench_add_node NAME [KEY=VALUE ...]: another server on the same database, with workspaces of its own under
# $BENCH_DIR/NAME and Jobs__NodeName=NAME; sets BENCH_NODE_URL and BENCH_NODE_PID (stopped by bench_stop).
bench_add_node() {
  local name="$1" port
  shift
  port="$(pg_free_port)"
  mkdir -p "$BENCH_DIR/$name"
  bench_launch "$port" "$BENCH_PG_PORT" "$BENCH_DIR/$name" "$BENCH_DIR/$name/server.log" \
    Jobs__NodeName="$name" Jobs__NodeUrl="http://127.0.0.1:$port" "$@"
  BENCH_NODE_URL="http://127.0.0.1:$port"
  BENCH_NODE_PID=$BENCH_LAUNCHED_PID
  BENCH_NODE_PIDS="${BENCH_NODE_PIDS:-} $BENCH_LAUNCHED_PID"
  # Every service started (readiness's "start" check; others, docker say, may fail here by design).
  until curl -s "$BENCH_NODE_URL/health/ready" | jq -e '.checks.start.status == "Healthy"' >/dev/null 2>&1; do sleep 0.1; done
  export BENCH_NODE_URL BENCH_NODE_PID
}

bench_stop() {
  local pid
  for pid in ${BENCH_NODE_PIDS:-}; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  BENCH_NODE_PIDS=""
  [ -n "${BENCH_PID:-}" ] && kill "$BENCH_PID" 2>/dev/null && wait "$BENCH_PID" 2>/dev/null
  pg_stop "$BENCH_DIR/postgres"
  rm -rf "$BENCH_DIR"
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }
