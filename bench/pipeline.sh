#!/usr/bin/env bash
# Pipeline overhead and throughput with an instant fake agent (no git pull, tiny repository).
#   1. 20 jobs one after another: start → agent launch, agent exit → completed, end to end; floor: a bare spawn
#      of the same agent, measured in the same run.
#   2. 200 jobs started at once at Jobs:MaxConcurrent 5 and 20: jobs/s, and the most agents alive at once
#      (sampled from /proc every few milliseconds).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib/server.sh"

run_round() {
  local concurrent="$1" jobs="$2" sequential="$3"
  bench_start Jobs__MaxConcurrent="$concurrent" Jobs__MaxQueuedPerUser=10000 Claude__Command="$here/lib/instant-agent"
  bench_tiny_repository
  python3 "$here/lib/pipeline.py" "$BENCH_URL" "$BENCH_TOKEN" "$BENCH_DIR/jobs" "$jobs" "$sequential" "$concurrent" "$here/lib/instant-agent"
  bench_stop
}

run_round 5 200 20
run_round 20 200 0
