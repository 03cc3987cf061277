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
# shellcheck source=lib/cpu.sh
source "$here/lib/cpu.sh"
if [ -z "$app" ] || [ "$app" = "-" ]; then app="$(publish_app)"; fi
export BENCH_APP="$app"

# An agent command that exists (the instant one), or /health/ready never answers 200 and the restarts time it out.
bench_start Claude__Command="$here/lib/instant-agent" "${extra_env[@]}"
trap bench_stop EXIT

# bench_start runs the server under a subshell that execs dotnet: BENCH_PID is the server itself.
sleep "$settle"
server_before="$(ticks "$BENCH_PID")"
pg_before="$(pg_ticks)"
sleep "$idle"
server_ticks=$(($(ticks "$BENCH_PID") - server_before))
pg_ticks_used=$(($(pg_ticks) - pg_before))
echo "idle ${idle} s (after ${settle} s settling), load average $(cut -d' ' -f1-3 /proc/loadavg):"
echo "  server CPU:     $(percent_of_core "$server_ticks" "$idle") % of one core ($server_ticks ticks)"
echo "  PostgreSQL CPU: $(percent_of_core "$pg_ticks_used" "$idle") % of one core ($pg_ticks_used ticks)"

run=0
while read -r live ready live_cpu; do
  run=$((run + 1))
  echo "restart $run: start → /health/live $live ms (server CPU $live_cpu ms), → /health/ready $ready ms"
done < <(restart_times "$app" "$restarts" "${extra_env[@]}")
