#!/usr/bin/env bash
# CPU per instant job as the server warms up: ROUNDS (default 5) rounds of 200 jobs at MaxConcurrent 5 in one server,
# each printing the CPU per job (pipeline.py) and, by thread name, of threads still alive. PERF=1: perf record -a -g
# on the last round into OUT (default /tmp/cpu-rounds; add EXTRA_ENV="DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0"
# for managed names). EXTRA_ENV: settings for the server (e.g. DOTNET_TieredPGO=0). BENCH_APP: a published server.
# Usage: bench/lib/cpu-rounds.sh [OUT [ROUNDS]]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=server.sh
source "$here/lib/server.sh"
out="${1:-/tmp/cpu-rounds}"; rounds="${2:-5}"
mkdir -p "$out"
read -ra extra_env <<<"${EXTRA_ENV:-}"
bench_start "${extra_env[@]}" Jobs__MaxConcurrent=5 Jobs__MaxQueuedPerUser=10000 Claude__Command="$here/lib/instant-agent"
bench_tiny_repository
threads() { # CPU ticks (utime + stime) of the server's live threads, summed by thread name
  python3 -c '
import collections, glob, sys
c = collections.Counter()
for stat in glob.glob(f"/proc/{sys.argv[1]}/task/*/stat"):
    try:
        s = open(stat).read()
    except OSError:
        continue
    name, rest = s[s.index("(") + 1:s.rindex(")")], s[s.rindex(")") + 2:].split()
    c[name.strip()] += int(rest[11]) + int(rest[12])
print(dict(c))' "$BENCH_PID"; }
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
