#!/usr/bin/env bash
# An idle server: its CPU (and its PostgreSQL's) over IDLE_SECONDS with no traffic, and its start-up time.
#   bench/idle.sh [APP_FOLDER] [KEY=VALUE ...]
#     APP_FOLDER: a published server (default, or "-": published ReadyToRun, as scripts/install.sh does, into a temp folder);
#     KEY=VALUE: extra environment for the server (e.g. DOTNET_TieredPGO=0), kept across the restarts.
# Prints, for a server that has started and settled (SETTLE_SECONDS, default 10):
#   - the server's CPU (utime + stime from /proc/<pid>/stat) over IDLE_SECONDS (default 30) as % of one core;
#   - the PostgreSQL cluster's CPU over the same window (postmaster + backends, exited ones included);
# then, RESTARTS times (default 3) against the same database (schema already there, as after a deploy):
#   - start → first 200 on /health/live and on /health/ready (polled every 10 ms), and the server's CPU time until
#     live (less sensitive than the wall time to other load on the machine).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/server.sh
source "$here/lib/server.sh"
settle="${SETTLE_SECONDS:-10}"
idle="${IDLE_SECONDS:-30}"
restarts="${RESTARTS:-3}"
app="${1:-}"
[ $# -gt 0 ] && shift
extra_env=("$@")
if [ -z "$app" ] || [ "$app" = "-" ]; then
  app="$(mktemp -d /tmp/claudebatch-idle-pub.XXXXXX)"
  # As scripts/install.sh and docker/Dockerfile publish it: ReadyToRun.
  dotnet publish "$root/src/Api/Api.csproj" -c Release --use-current-runtime --self-contained false -p:PublishReadyToRun=true \
    -o "$app" -nologo -v q -clp:ErrorsOnly >/dev/null
fi
export BENCH_APP="$app"
ticks_per_second="$(getconf CLK_TCK)"

bench_start "${extra_env[@]}"
trap bench_stop EXIT

# utime + stime of one process, in clock ticks.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# The cluster's ticks: the postmaster's own and those of its children that have exited (cutime + cstime), plus the
# live children's own. A backend that exits between two looks moves from the second sum to the first.
pg_ticks() {
  local postmaster sum
  postmaster="$(head -1 "$BENCH_DIR/postgres/cluster/postmaster.pid")"
  sum="$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$postmaster/stat")"
  for child in $(pgrep -P "$postmaster"); do
    sum=$((sum + $(ticks "$child" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}
percent() { awk -v t="$1" -v s="$idle" -v hz="$ticks_per_second" 'BEGIN { printf "%.2f", 100 * t / hz / s }'; }

# bench_start runs the server under a subshell that execs dotnet: BENCH_PID is the server itself.
sleep "$settle"
server_before="$(ticks "$BENCH_PID")"
pg_before="$(pg_ticks)"
sleep "$idle"
server_after="$(ticks "$BENCH_PID")"
pg_after="$(pg_ticks)"
echo "idle ${idle} s (after ${settle} s settling), load average $(cut -d' ' -f1-3 /proc/loadavg):"
echo "  server CPU:     $(percent $((server_after - server_before))) % of one core ($((server_after - server_before)) ticks)"
echo "  PostgreSQL CPU: $(percent $((pg_after - pg_before))) % of one core ($((pg_after - pg_before)) ticks)"

# Restart the server on the same database, timing start → live and start → ready.
api_url="$BENCH_URL"
start_env=()
while IFS= read -r -d '' var; do start_env+=("$var"); done < <(tr '\0' '\n' <"/proc/$BENCH_PID/environ" \
  | grep -E '^(ASPNETCORE_|ConnectionStrings__|Jwt__|Workspace__|Auth__|Repositories__|Serilog__|Impersonation__)' | tr '\n' '\0')
kill "$BENCH_PID" && wait "$BENCH_PID" 2>/dev/null || true
for run in $(seq 1 "$restarts"); do
  started=$(now_ms)
  (cd "$app" && exec env "${start_env[@]}" "${extra_env[@]}" dotnet "$app/ClaudeBatch.Api.dll" >>"$BENCH_DIR/server.log" 2>&1) &
  BENCH_PID=$!
  live="" ready="" live_cpu=""
  for _ in $(seq 1 3000); do
    if [ -z "$live" ] && curl -sf -o /dev/null "$api_url/health/live" 2>/dev/null; then
      live=$(($(now_ms) - started))
      live_cpu=$(ticks "$BENCH_PID")
    fi
    if [ -n "$live" ] && curl -sf -o /dev/null "$api_url/health/ready" 2>/dev/null; then ready=$(($(now_ms) - started)); break; fi
    sleep 0.01
  done
  echo "restart $run: start → /health/live ${live:-never} ms (server CPU $(( ${live_cpu:-0} * 1000 / ticks_per_second )) ms), → /health/ready ${ready:-never} ms"
  kill "$BENCH_PID" && wait "$BENCH_PID" 2>/dev/null || true
done
BENCH_PID=""
