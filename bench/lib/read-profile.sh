#!/usr/bin/env bash
# Where the server's CPU goes on the reads of issue #20 under load: for each ROUTE ("live": /health/live without a
# token, the floor; "job": GET /jobs/{id} with a token; "304": the same with If-None-Match; "list": GET /jobs?pageSize=500
# with a token, over JOBS jobs, default 20: 600 for a full page), in one published server
# (ReadyToRun, as installed; BENCH_APP: one already published), wrk -t2 -c32 for WARM_SECONDS (15), then
# SECONDS_MEASURED (10) unprofiled (req/s and the server's CPU a request), then as long again under perf record -g.
# Prints each route's figures and its profile by module; OUT/ROUTE/{self,children}.txt hold it by function.
# Needs perf (linux-perf). Usage: bench/lib/read-profile.sh [OUT [ROUTE ...]]   (default: /tmp/read-profile live job 304)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=server.sh
source "$here/lib/server.sh"
# shellcheck source=cpu.sh
source "$here/lib/cpu.sh"
out="${1:-/tmp/read-profile}"; measured="${SECONDS_MEASURED:-10}"
routes=("${@:2}"); [ ${#routes[@]} -gt 0 ] || routes=(live job 304)
mkdir -p "$out"
apt_install wrk linux-perf
if [ -z "${BENCH_APP:-}" ]; then BENCH_APP="$(publish_app)"; export BENCH_APP; fi
bench_start DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 Jobs__MaxConcurrent=5 Jobs__MaxQueuedPerUser=10000 Claude__Command="$here/lib/instant-agent"
trap bench_stop EXIT

bench_tiny_repository
jobs="${JOBS:-20}"
while [ "$jobs" -gt 0 ]; do # rounds of at most 200 jobs started at once
  round=$((jobs < 200 ? jobs : 200)); jobs=$((jobs - round))
  python3 "$here/lib/pipeline.py" "$BENCH_URL" "$BENCH_TOKEN" "$BENCH_DIR/jobs" "$round" 0 5 "$here/lib/instant-agent" | tail -1
done
job="$(curl -sf "$BENCH_URL/jobs?pageSize=1" -H "Authorization: Bearer $BENCH_TOKEN" | jq -r '.jobs[0].jobId')"
etag="$(curl -sf -D - -o /dev/null "$BENCH_URL/jobs/$job" -H "Authorization: Bearer $BENCH_TOKEN" | awk -F': ' 'tolower($1) == "etag" {print $2}' | tr -d '\r')"

for route in "${routes[@]}"; do
  args=(-H "Authorization: Bearer $BENCH_TOKEN" "$BENCH_URL/jobs/$job")
  case "$route" in
    job) ;;
    304) args=(-H "If-None-Match: $etag" "${args[@]}") ;;
    live) args=("$BENCH_URL/health/live") ;;
    list) args=(-H "Authorization: Bearer $BENCH_TOKEN" "$BENCH_URL/jobs?pageSize=500") ;;
    *) echo "route: live, job, 304 or list" >&2; exit 2 ;;
  esac
  mkdir -p "$out/$route"
  wrk -t2 -c32 -d"${WARM_SECONDS:-15}s" "${args[@]}" >/dev/null
  before="$(ticks "$BENCH_PID")"
  requests="$(wrk -t2 -c32 -d"${measured}s" "${args[@]}" | awk '/requests in/ {print $1}')"
  after="$(ticks "$BENCH_PID")"
  echo "$route: $((requests / measured)) req/s; server CPU $(awk -v t=$((after - before)) -v n="$requests" -v hz="$ticks_per_second" \
    'BEGIN {printf "%.1f µs", t / hz * 1e6 / n}') a request"
  wrk -t2 -c32 -d"$((measured + 1))s" "${args[@]}" >/dev/null &
  load=$!
  perf record -q -g -F 999 -p "$BENCH_PID" -o "$out/$route/perf.data" -- sleep "$measured" >/dev/null 2>&1
  wait "$load"
  cp "/tmp/perf-$BENCH_PID.map" "$out/$route/" 2>/dev/null || true
  perf report -i "$out/$route/perf.data" --no-children --sort dso -g none --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -8 || true
  perf report -i "$out/$route/perf.data" --children --sort symbol -g none --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -150 >"$out/$route/children.txt" || true
  perf report -i "$out/$route/perf.data" --no-children --sort symbol -g none --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -80 >"$out/$route/self.txt" || true
done
