#!/usr/bin/env bash
# The server's CPU per job listed by GET /jobs?pageSize=500 (issue #20's target: <= 2 us), for one or more builds of
# the server measured one after the other in the same run, each on a throw-away PostgreSQL of its own:
#   bench/listing.sh [APP_FOLDER ...]    built servers (default: the Release build of this tree)
# Each server gets JOBS (1000) finished jobs from bench/Seed, then wrk -t2 -c32 on /jobs?pageSize=500 for WARM_SECONDS
# (3) unmeasured and SECONDS_MEASURED (10) measured; the figure is the server's utime + stime over the measured run
# (/proc/PID/stat) divided by the jobs listed in it. CPU time, not wall time, so it holds on a busy machine better
# than a rate does (not perfectly: a loaded machine costs more cache misses and context switches).
# PAGE_SIZE (500) other than 500 measures other pages: PAGE_SIZE=1 is about the request's fixed cost.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/server.sh
source "$here/lib/server.sh"
# shellcheck source=lib/cpu.sh
source "$here/lib/cpu.sh"
apt_install wrk
jobs="${JOBS:-1000}"
warm="${WARM_SECONDS:-3}"
measured="${SECONDS_MEASURED:-10}"
size="${PAGE_SIZE:-500}"
dotnet build "$here/Seed/Seed.csproj" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
seed_dll="$here/Seed/bin/Release/net10.0/ClaudeBatch.Bench.Seed.dll"
apps=("$@")
[ ${#apps[@]} -gt 0 ] || apps=("")

for app in "${apps[@]}"; do
  export BENCH_APP="$app"
  bench_start Jobs__MaxConcurrent=5
  trap bench_stop EXIT
  dotnet "$seed_dll" "$BENCH_POSTGRES" "$BENCH_USER" tiny "$jobs" "$BENCH_DIR/jobs" >/dev/null 2>&1
  "$PG_BIN/psql" -h 127.0.0.1 -p "$BENCH_PG_PORT" -U postgres -d bench -qc "VACUUM ANALYZE claudebatch.mt_doc_jobview"
  listed="$(curl -sf "$BENCH_URL/jobs?pageSize=$size" -H "Authorization: Bearer $BENCH_TOKEN" | jq '.jobs | length')"
  [ "$listed" = "$size" ] || { echo "a page lists $listed jobs, $size expected" >&2; exit 1; }
  wrk -t2 -c32 -d"${warm}s" -H "Authorization: Bearer $BENCH_TOKEN" "$BENCH_URL/jobs?pageSize=$size" >/dev/null
  before="$(ticks "$BENCH_PID")"
  requests="$(wrk -t2 -c32 -d"${measured}s" -H "Authorization: Bearer $BENCH_TOKEN" "$BENCH_URL/jobs?pageSize=$size" |
    awk '/^ +[0-9]+ requests in/ {print $1}')"
  spent=$(($(ticks "$BENCH_PID") - before))
  awk -v t="$spent" -v hz="$ticks_per_second" -v n="$requests" -v s="$measured" -v app="${app:-this tree}" -v size="$size" 'BEGIN {
    printf "%s: %d requests in %d s, %.2f s of server CPU: %.2f us per job listed (%.3f ms a page of %d)\n",
      app, n, s, t / hz, t / hz * 1e6 / (n * size), t / hz * 1e3 / n, size }'
  bench_stop
  trap - EXIT
done
