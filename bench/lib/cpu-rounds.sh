#!/usr/bin/env bash
# CPU per instant job as the server warms up: ROUNDS (default 5) rounds of 200 jobs at MaxConcurrent 5 in one server,
# each printing the CPU per job (pipeline.py) and, by thread name, of threads still alive. PERF=1: perf record -a -g
# on the last round into OUT (default /tmp/cpu-rounds; add EXTRA_ENV="DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0"
# for managed names). EXTRA_ENV: settings for the server (e.g. DOTNET_TieredPGO=0). BENCH_APP: a published server.
# Usage: bench/lib/cpu-rounds.sh [OUT [ROUNDS]]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/lib/server.sh"
out="${1:-/tmp/cpu-rounds}"; rounds="${2:-5}"
mkdir -p "$out"
bench_start ${EXTRA_ENV:-} Jobs__MaxConcurrent=5 Jobs__MaxQueuedPerUser=10000 Claude__Command="$here/lib/instant-agent"
mkdir -p "$BENCH_SOURCES/tiny" && echo hi >"$BENCH_SOURCES/tiny/README.md"
git -C "$BENCH_SOURCES/tiny" init -q -b main && git -C "$BENCH_SOURCES/tiny" add -A && git -C "$BENCH_SOURCES/tiny" -c user.name=b -c user.email=b@b commit -qm tiny
curl -sf -X POST "$BENCH_URL/repositories/register" -H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/json' \
  -d "{\"name\":\"tiny\",\"gitUrl\":\"$BENCH_SOURCES/tiny\"}" >/dev/null
while [ "$(curl -sf "$BENCH_URL/repositories/tiny" -H "Authorization: Bearer $BENCH_TOKEN" | jq -r .cloneStatus)" = cloning ]; do sleep 0.05; done
threads() { for t in /proc/$BENCH_PID/task/*; do s=$(cat $t/stat 2>/dev/null) || continue; n=${s#*(}; n=${n%%)*}; f=(${s##*)}); echo "$n|$(( ${f[11]} + ${f[12]} ))"; done | python3 -c '
import sys,collections
c=collections.Counter()
for l in sys.stdin:
  n,t=l.rsplit("|",1); c[n.strip()]+=int(t)
print(dict(c))'; }
for r in $(seq 1 "$rounds"); do
  before="$(threads)"
  if [ -n "${PERF:-}" ] && [ "$r" = "$rounds" ]; then
    perf record -a -g -F 997 -o "$out/perf.data" -- python3 "$here/lib/pipeline.py" "$BENCH_URL" "$BENCH_TOKEN" "$BENCH_DIR/jobs" 200 0 5 "$here/lib/instant-agent" | tail -1
    cp /tmp/perf-"$BENCH_PID".map "$out/" 2>/dev/null || true
  else
    python3 "$here/lib/pipeline.py" "$BENCH_URL" "$BENCH_TOKEN" "$BENCH_DIR/jobs" 200 0 5 "$here/lib/instant-agent" | tail -1
  fi
  after="$(threads)"
  python3 -c '
import ast,sys
b=ast.literal_eval(sys.argv[1]); a=ast.literal_eval(sys.argv[2])
d={k:(a.get(k,0)-b.get(k,0))*10/200 for k in a}
print("round '"$r"' ms/job by thread:", {k:round(v,1) for k,v in sorted(d.items(), key=lambda x:-x[1]) if v>0.05}, "total", round(sum(d.values()),1))' "$before" "$after"
done
echo "server pid $BENCH_PID"
bench_stop
