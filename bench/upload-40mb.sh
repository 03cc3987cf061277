#!/usr/bin/env bash
# Upload a 40 MB file to a job through the API: throughput, and the server's peak memory (VmHWM) before and after.
# Floors in the same run: cp of the same file on the same disk, and a curl upload of it to /health/live (HTTP only).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib/server.sh"
bench_start Claude__Command=/bin/true
trap bench_stop EXIT

bench_tiny_repository

file="$BENCH_DIR/upload.bin"
head -c $((40 * 1024 * 1024)) /dev/urandom >"$file"
server_pid=$(pgrep -f "ClaudeBatch.Api.dll" | head -1)
hwm() { awk '/VmHWM/ {print $2}' "/proc/$server_pid/status"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$server_pid/status"; }

for run in 1 2 3; do
  job=$(curl -sf -X POST "$BENCH_URL/jobs" -H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/json' \
    -d '{"prompt":"x","repository":"tiny"}' | jq -r .jobId)
  before_hwm=$(hwm); before_rss=$(rss)
  start=$(now_ms)
  curl -sf -o /dev/null -X POST "$BENCH_URL/jobs/$job/files" -H "Authorization: Bearer $BENCH_TOKEN" -F "files=@$file"
  ms=$(( $(now_ms) - start ))
  echo "run $run: 40 MB in ${ms} ms = $(( 40 * 1000 / (ms > 0 ? ms : 1) )) MB/s; server RSS before ${before_rss} kB, peak (VmHWM) before ${before_hwm} kB, after $(hwm) kB"
done

start=$(now_ms); cp "$file" "$BENCH_DIR/copy.bin"; sync; echo "floor: cp of the same file: $(( $(now_ms) - start )) ms"
start=$(now_ms); curl -s -o /dev/null -X POST "$BENCH_URL/health/live" -F "files=@$file" || true
echo "floor: the same multipart upload to /health/live (405, body drained): $(( $(now_ms) - start )) ms"
