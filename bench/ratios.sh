#!/usr/bin/env bash
# Issue #20's figures from one run, as ratios to a floor measured in the same run (one published server, one database):
#   1. reads: /health/live without a token (the floor) vs GET /jobs/{id} with a token, a 304 revalidation of it
#      (If-None-Match), and the server's CPU per job listed by GET /jobs?pageSize=500 (wrk -t2 -c32, 3 s warm-up, 10 s);
#   2. CPU per instant job, server + PostgreSQL, after WARM_ROUNDS rounds of 200 jobs (bench/lib/pipeline.py), next to
#      the floor of a job's database work on the same PostgreSQL, with nothing of the server (bench/lib/job-floor.cs);
#   3. idle CPU over IDLE_SECONDS (30) after SETTLE_SECONDS (10), server and PostgreSQL;
#   4. start-up: start → first 200 on /health/live, then /health/ready (median of RESTARTS, 3).
#   bench/ratios.sh [APP_FOLDER [KEY=VALUE ...]]    a published server (default, or "-": dotnet publish src/Api -c Release
#   into a temp folder), and extra settings for it (DOTNET_TieredPGO=0, say)
# Targets (2 cores): job ≥ 50 % of the floor, p99 ≤ 2×; 304 ≥ 70 %; ≤ 2 µs per job listed; ≤ 28 ms per job;
# idle ≤ 0.5 % of a core; live ≤ 1.0 s.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/server.sh
source "$here/lib/server.sh"
app="${1:-}"
[ $# -gt 0 ] && shift
[ "$app" = - ] && app=""
# shellcheck source=lib/cpu.sh
source "$here/lib/cpu.sh"
if [ -z "$app" ]; then app="$(publish_app)"; fi
export BENCH_APP="$app"
apt_install wrk
hz="$ticks_per_second"
warm_rounds="${WARM_ROUNDS:-3}"
idle="${IDLE_SECONDS:-30}"
settle="${SETTLE_SECONDS:-10}"
restarts="${RESTARTS:-3}"

# A server alone on its database, as the README sets one up (Jobs:SingleNode: Wolverine in Solo mode).
bench_start Jobs__SingleNode=true Jobs__MaxConcurrent=5 Jobs__MaxQueuedPerUser=10000 Claude__Command="$here/lib/instant-agent" "$@"
trap bench_stop EXIT

load() { # load PATH [HEADER] → "req/s p99-ms"
  local header=(-H "Authorization: Bearer $BENCH_TOKEN")
  [ "$1" = /health/live ] && header=()
  [ -n "${2:-}" ] && header+=(-H "$2")
  wrk -t2 -c32 -d3s "${header[@]}" "$BENCH_URL$1" >/dev/null
  wrk -t2 -c32 -d10s --latency "${header[@]}" "$BENCH_URL$1" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /[0-9]s$/) return v * 1000; return v * 60000 }
    /Requests\/sec/ {rps = $2} /^ +99%/ {p99 = ms($2)} /^ +[0-9]+ requests in/ {n = $1}
    END {printf "%.0f %.2f %d\n", rps, p99, n}'
}

bench_tiny_repository

echo "CPU per instant job (200 jobs a round at MaxConcurrent 5; the last round counts):"
for round in $(seq 1 "$warm_rounds"); do
  line="$(python3 "$here/lib/pipeline.py" "$BENCH_URL" "$BENCH_TOKEN" "$BENCH_DIR/jobs" 200 0 5 "$here/lib/instant-agent" | grep '^CPU per job')"
  echo "  round $round: ${line#CPU per job at MaxConcurrent 5: }"
done
per_job="$(sed -E 's/.*= ([0-9.]+) ms.*/\1/' <<<"$line")"
# Built before it runs (a file-based program: the SDK compiles it once), then one warm and one measured round a shape.
dotnet build "$here/lib/job-floor.cs" -nologo -v q -clp:ErrorsOnly >/dev/null
floors="$(dotnet run --no-build "$here/lib/job-floor.cs" -- "$BENCH_POSTGRES" "$BENCH_DIR/postgres/cluster/postmaster.pid")"
while IFS= read -r floor_line; do echo "  $floor_line"; done <<<"$floors"
floor_job="$(grep '^floor six commits + 23 reads' <<<"$floors" | sed -E 's/.*= ([0-9.]+) ms.*/\1/')"

job="$(curl -sf "$BENCH_URL/jobs?pageSize=1" -H "Authorization: Bearer $BENCH_TOKEN" | jq -r '.jobs[0].jobId')"
etag="$(curl -sf -D - -o /dev/null "$BENCH_URL/jobs/$job" -H "Authorization: Bearer $BENCH_TOKEN" | awk -F': ' 'tolower($1) == "etag" {print $2}' | tr -d '\r')"
read -r floor floor_p99 _ <<<"$(load /health/live)"
read -r single single_p99 _ <<<"$(load "/jobs/$job")"
read -r revalidated revalidated_p99 _ <<<"$(load "/jobs/$job" "If-None-Match: $etag")"
before="$(ticks "$BENCH_PID")"
read -r listed _ listed_requests <<<"$(load "/jobs?pageSize=500")"
# The warm-up's requests count too: the ticks cover both runs. Its count is estimated from the measured rate.
listing_ticks=$(($(ticks "$BENCH_PID") - before))
per_listed_us="$(awk -v t="$listing_ticks" -v hz="$hz" -v n="$listed_requests" -v r="$listed" \
  'BEGIN { printf "%.2f", t / hz * 1e6 / ((n + 3 * r) * 500) }')"

sleep "$settle"
server_before="$(ticks "$BENCH_PID")"; pg_before="$(pg_ticks)"
sleep "$idle"
idle_server="$(percent_of_core $(($(ticks "$BENCH_PID") - server_before)) "$idle")"
idle_pg="$(percent_of_core $(($(pg_ticks) - pg_before)) "$idle")"

lives=() readies=()
while read -r live ready _; do lives+=("$live"); readies+=("$ready"); done < <(restart_times "$app" "$restarts")
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
live_ms="$(median "${lives[@]}")" ready_ms="$(median "${readies[@]}")"

echo
echo "figure                                   | value                 | target"
awk -v f="$floor" -v fp="$floor_p99" -v s="$single" -v sp="$single_p99" -v r="$revalidated" -v rp="$revalidated_p99" \
  -v l="$per_listed_us" -v j="$per_job" -v fj="$floor_job" -v is="$idle_server" -v ip="$idle_pg" -v lv="$live_ms" -v rd="$ready_ms" 'BEGIN {
  printf "/health/live, no token (floor)           | %6d req/s, p99 %5.2f ms |\n", f, fp
  printf "GET /jobs/{id} with a token              | %5.0f %% of floor, p99 %.2fx | >= 50 %%, p99 <= 2x\n", 100 * s / f, sp / fp
  printf "GET /jobs/{id} revalidated (304)         | %5.0f %% of floor, p99 %.2fx | >= 70 %%\n", 100 * r / f, rp / fp
  printf "GET /jobs?pageSize=500, server CPU       | %6.2f us per job listed | <= 2 us\n", l
  printf "server + PostgreSQL CPU per instant job  | %6.1f ms             | <= 28 ms\n", j
  printf "  its floor: six commits + 23 reads      | %6.1f ms (job %.1fx)  |\n", fj, j / fj
  printf "idle CPU, server (PostgreSQL)            | %5.2f %% (%.2f %%) of a core | <= 0.5 %%\n", is, ip
  printf "start -> /health/live (-> ready)         | %6d ms (%d ms)     | <= 1000 ms\n", lv, rd
}'
