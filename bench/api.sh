#!/usr/bin/env bash
# The read API under load (wrk, loopback), against the same server's /health/live as the framework's floor:
# GET /jobs/{id} and GET /jobs (a page of 50) with JOBS finished jobs in history (default 1000), then the server's
# resident memory idle and after those jobs.
#   bench/api.sh [JOBS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/server.sh
source "$here/lib/server.sh"
jobs="${1:-1000}"
apt_install wrk

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$(pgrep -f "ClaudeBatch.Api.dll" | head -1)/status"; }

bench_start Jobs__MaxConcurrent=20 Claude__Command="$here/lib/instant-agent"
trap bench_stop EXIT
sleep 5
idle_rss=$(rss_kb)
mkdir -p "$BENCH_SOURCES/tiny" && echo hi >"$BENCH_SOURCES/tiny/README.md"
git -C "$BENCH_SOURCES/tiny" init -q -b main && git -C "$BENCH_SOURCES/tiny" add -A && git -C "$BENCH_SOURCES/tiny" -c user.name=b -c user.email=b@b commit -qm tiny
curl -sf -X POST "$BENCH_URL/repositories/register" -H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/json' \
  -d "{\"name\":\"tiny\",\"gitUrl\":\"$BENCH_SOURCES/tiny\"}" >/dev/null
while [ "$(curl -sf "$BENCH_URL/repositories/tiny" -H "Authorization: Bearer $BENCH_TOKEN" | jq -r .cloneStatus)" = cloning ]; do sleep 0.05; done

echo "Running $jobs instant jobs into history…"
s=$(now_ms)
# shellcheck disable=SC2016  # expanded by the inner sh, from the exported variables
seq 1 "$jobs" | xargs -P 8 -I{} sh -c '
  id=$(curl -sf -X POST "$BENCH_URL/jobs" -H "Authorization: Bearer $BENCH_TOKEN" -H "Content-Type: application/json" \
       -d "{\"prompt\":\"go\",\"repository\":\"tiny\",\"options\":{\"gitAware\":false,\"cidxAware\":false}}" | jq -r .jobId)
  curl -sf -X POST "$BENCH_URL/jobs/$id/start" -H "Authorization: Bearer $BENCH_TOKEN" >/dev/null
  echo "$id"' >"$BENCH_DIR/job-ids"
until [ "$(curl -sf "$BENCH_URL/jobs?status=completed&pageSize=1" -H "Authorization: Bearer $BENCH_TOKEN" | jq .total)" -ge "$jobs" ]; do sleep 1; done
echo "$jobs jobs completed in $(( ($(now_ms) - s) / 1000 )) s"
loaded_rss=$(rss_kb)
job="$(shuf -n 1 "$BENCH_DIR/job-ids")"

load() {  # load PATH → "req/s p50 p99"
  wrk -t2 -c32 -d10s --latency -H "Authorization: Bearer $BENCH_TOKEN" "$BENCH_URL$1" | awk '
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    /Non-2xx/ {bad=$NF}
    END {printf "%s req/s, p50 %s, p99 %s%s\n", rps, p50, p99, bad ? ", NON-2XX " bad : ""}'
}
wrk -t2 -c32 -d3s "$BENCH_URL/health/live" >/dev/null   # warm-up
echo "floor  GET /health/live:        $(load /health/live)"
echo "       GET /jobs/{id}:          $(load "/jobs/$job")"
echo "       GET /jobs (page of 50):  $(load "/jobs?pageSize=50")"
echo "server RSS idle: $((idle_rss / 1024)) MB; after $jobs finished jobs and the load: $(( $(rss_kb) / 1024 )) MB (before the load: $((loaded_rss / 1024)) MB)"
