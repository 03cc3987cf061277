#!/usr/bin/env bash
# THE run command: a project-local PostgreSQL (data kept in .local/, so it survives restarts) and the API on
# http://localhost:5000 in Development. Ctrl-C stops both. On first run it creates a demo account and prints its
# password once.
#
#   scripts/run-local.sh          jobs run the Claude Code CLI (Claude:Command, `claude` on PATH by default)
#   scripts/run-local.sh --demo   jobs run the bundled demo agent (tools/demo-agent/claude-demo): no Anthropic account
#                                 needed. It registers a small demo repository, gives the demo account a fresh password
#                                 and prints the curl commands that run a job, follow it live and show its diff.
#
# CLAUDEBATCH_LOCAL_DIR (default .local/) holds the data, CLAUDEBATCH_LOCAL_PG_PORT (55432) is PostgreSQL's port,
# ASPNETCORE_URLS (http://localhost:5000) the API's address.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/apt.sh
source "$root/scripts/lib/apt.sh"
# shellcheck source=lib/postgres.sh
source "$root/scripts/lib/postgres.sh"

demo=false
while [ $# -gt 0 ]; do
  case "$1" in
    --demo) demo=true ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    *) echo "Unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

local_dir="${CLAUDEBATCH_LOCAL_DIR:-$root/.local}"
pg_data="$local_dir/postgres"
pg_port="${CLAUDEBATCH_LOCAL_PG_PORT:-55432}"
auth_dir="$local_dir/auth"
mkdir -p "$local_dir" "$auth_dir"
local_dir="$(cd "$local_dir" && pwd)"
auth_dir="$local_dir/auth"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://localhost:5000}"
# The address to show and to call: the first URL the server listens on, with a wildcard host made local.
base_url="${ASPNETCORE_URLS%%;*}"
base_url="$(sed -E 's#^(https?://)(\+|\*|0\.0\.0\.0|\[::\])(:|/|$)#\1localhost\3#' <<<"$base_url")"
base_url="${base_url%/}"

if [ "$(id -u)" -eq 0 ] && ! $demo && [ "${Impersonation__Mode:-none}" = none ]; then
  cat >&2 <<'MSG'
Note: you run this as root. Jobs then run as root (Impersonation:Mode=none), where Claude Code refuses to skip its
permission prompts, so the server refuses every job and /health/ready is 503 (check "agent"). Run it as a normal user,
or try scripts/run-local.sh --demo (the demo agent runs as any user).
MSG
fi

# What the script itself runs (apt on Debian/Ubuntu as root; otherwise it names what is missing).
needed=()
for tool in openssl $($demo && echo git curl); do command -v "$tool" >/dev/null 2>&1 || needed+=("$tool"); done
[ ${#needed[@]} -eq 0 ] || apt_install "${needed[@]}"
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
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

new_password() { head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 20; }

# A demo account in a dev shadow/passwd pair (never the host's /etc/shadow), created once.
if [ ! -f "$auth_dir/shadow" ]; then
  demo_password="$(new_password)"
  echo "demo:$(openssl passwd -6 "$demo_password"):19000:0:99999:7:::" >"$auth_dir/shadow"
  echo "demo:x:$(id -u):$(id -g):Demo user:$local_dir/home/demo:/bin/bash" >"$auth_dir/passwd"
  echo "claude-batch-admins:x:990:demo" >"$auth_dir/group"
  chmod 600 "$auth_dir/shadow"
  mkdir -p "$local_dir/home/demo"
  $demo || cat <<MSG

  A demo account was created for this checkout (shown only this once):
      username: demo
      password: $demo_password
  Log in:  curl -s -X POST $base_url/auth/login -H 'Content-Type: application/json' \\
             -d '{"username":"demo","password":"$demo_password"}'

MSG
elif $demo; then
  # The demo prints its commands with the password in them: a fresh one each start (only the hash is kept).
  demo_password="$(new_password)"
  sed "s#^demo:[^:]*:#demo:$(openssl passwd -6 "$demo_password"):#" "$auth_dir/shadow" >"$auth_dir/shadow.new"
  chmod 600 "$auth_dir/shadow.new"
  mv "$auth_dir/shadow.new" "$auth_dir/shadow"
fi

export ASPNETCORE_ENVIRONMENT=Development
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Database=claudebatch;Username=postgres"
export Workspace__RepositoriesPath="$local_dir/workspace/repos"
export Workspace__JobsPath="$local_dir/workspace/jobs"
export Auth__ShadowFilePath="$auth_dir/shadow"
export Auth__PasswdFilePath="$auth_dir/passwd"
export Auth__GroupFilePath="$auth_dir/group"
# The demo account is not an OS account: jobs run as you (development only; see README "Jobs run as their users").
export Impersonation__Mode="${Impersonation__Mode:-none}"

if $demo; then
  # A small git repository to run jobs on, made once; the server may clone it (a local source inside an allowed root).
  demo_root="$local_dir/demo"
  demo_source="$demo_root/hello"
  if [ ! -d "$demo_source/.git" ]; then
    mkdir -p "$demo_source"
    cat >"$demo_source/README.md" <<'README'
# hello

A tiny repository for trying Claude Batch Server: `./hello.sh NAME` greets NAME.
README
    cat >"$demo_source/hello.sh" <<'HELLO'
#!/bin/sh
echo "Hello, ${1:-world}!"
HELLO
    chmod 755 "$demo_source/hello.sh"
    git -C "$demo_source" init -q -b main
    git -C "$demo_source" add -A
    git -C "$demo_source" -c user.name=Demo -c user.email=demo@localhost commit -q -m "A tiny repository for the demo"
  fi
  export Repositories__AllowLocalSources=true
  export Repositories__AllowedLocalRoots__0="$demo_root"
  export Claude__Command="$root/tools/demo-agent/claude-demo"
  # The demo agent asks no permission and runs as any user (root included): the root refusal is Claude Code's.
  export Claude__PermissionMode=acceptEdits
fi

echo "Building…"
dotnet build "$root/src/Api/Api.csproj" -nologo -v q -clp:ErrorsOnly
echo "Claude Batch Server on $base_url — Swagger UI: $base_url/swagger  (Ctrl-C stops the server and PostgreSQL)"
dotnet run --project "$root/src/Api/Api.csproj" --no-build --no-launch-profile &
api_pid=$!

# curl against the server just started (loopback), failing on nothing: callers look at the answer.
api() { curl -s --max-time 10 "$@" || true; }
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" | head -n 1; }

demo_ready() {
  local i token registered status=""
  # Live as soon as it listens; the first request then waits for the rest of its start (database schema, queues).
  for i in $(seq 1 240); do
    kill -0 "$api_pid" 2>/dev/null || return 1
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base_url/health/live" || true)" = 200 ] && break
    [ "$i" -lt 240 ] || { echo "The server did not answer at $base_url/health/live." >&2; return 1; }
    sleep 0.5
  done
  token="$(api --max-time 60 -X POST "$base_url/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"demo\",\"password\":\"$demo_password\"}" | json_field token)"
  [ -n "$token" ] || { echo "The demo account could not log in." >&2; return 1; }
  registered="$(api -o /dev/null -w '%{http_code}' -X POST "$base_url/repositories/register" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' \
    -d "{\"name\":\"demo\",\"gitUrl\":\"$demo_source\",\"description\":\"The demo repository (scripts/run-local.sh --demo)\",\"cidxAware\":false}")"
  case "$registered" in
    201|409) ;;  # 409: registered by an earlier demo run
    *) echo "Registering the demo repository failed (HTTP $registered)." >&2; return 1 ;;
  esac
  for i in $(seq 1 120); do
    status="$(api "$base_url/repositories/demo" -H "Authorization: Bearer $token" | json_field cloneStatus)"
    [ "$status" = completed ] && break
    [ "$status" = failed ] && { echo "The demo repository's clone failed: GET $base_url/repositories/demo says why." >&2; return 1; }
    sleep 0.5
  done
  [ "$status" = completed ] || { echo "The demo repository is still '$status'." >&2; return 1; }
  if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$base_url/health/ready" || true)" != 200 ]; then
    echo "Jobs cannot run yet: $base_url/health/ready is not OK (it names the check; with a token, why)." >&2
  fi
  # How the printed commands pick a field out of an answer: jq when it is there, sed otherwise.
  if command -v jq >/dev/null 2>&1; then pick() { printf 'jq -r .%s' "$1"; }; else pick() { printf '%s' "sed -n 's/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p'"; }; fi
  cat <<MSG

  Demo ready: jobs run the demo agent (tools/demo-agent/claude-demo), no Anthropic account needed. It writes your
  prompt into NOTES.md in the job's workspace. The repository "demo" is registered (from $demo_source).
  Account: demo, password $demo_password (new at every --demo start). In another terminal:

  BASE=$base_url
  TOKEN=\$(curl -s -X POST \$BASE/auth/login -H 'Content-Type: application/json' \\
    -d '{"username":"demo","password":"$demo_password"}' | $(pick token))
  JOB=\$(curl -s -X POST \$BASE/jobs -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
    -d '{"prompt":"Say what this repository is for","repository":"demo","options":{"cidxAware":false}}' | $(pick jobId))
  curl -s -X POST \$BASE/jobs/\$JOB/start -H "Authorization: Bearer \$TOKEN"      # queued
  curl -sN \$BASE/jobs/\$JOB/stream -H "Authorization: Bearer \$TOKEN"            # live, until it ends
  curl -s \$BASE/jobs/\$JOB -H "Authorization: Bearer \$TOKEN"                    # status "completed", output, cost 0
  curl -s \$BASE/jobs/\$JOB/diff -H "Authorization: Bearer \$TOKEN"               # what it changed: NOTES.md
  curl -s -X POST \$BASE/jobs/\$JOB/prompts -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
    -d '{"prompt":"Add one more note"}'                                          # a follow-up turn (--resume)

MSG
}

if $demo; then demo_ready || { kill "$api_pid" 2>/dev/null || true; }; fi
wait "$api_pid"
