#!/usr/bin/env bash
# Several nodes on one PostgreSQL (issue #25): throughput with one node and with two, and failover.
#   1. 200 instant jobs at a global Jobs:MaxConcurrent of 6: through one server alone (Jobs:SingleNode, Wolverine's
#      Solo mode: the floor), through one node, then (a fresh database each) through two nodes, half the jobs created
#      and started on each: jobs/s.
#   2. Failover: two nodes, MaxConcurrent 2; node-1 runs two sleeping jobs and holds two queued ones; kill -9 of
#      node-1: the time until its queued jobs' agents start on node-2, and until its running jobs show "node lost".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib/server.sh"

settings=(Jobs__MaxQueuedPerUser=10000 Claude__Command="$here/lib/sleepy-agent")

echo -n "alone (Jobs:SingleNode): "
bench_start Jobs__SingleNode=true Jobs__MaxConcurrent=6 "${settings[@]}"
bench_tiny_repository
python3 "$here/lib/nodes.py" throughput "$BENCH_TOKEN" 200 "$BENCH_URL"
bench_stop

for nodes in 1 2; do
  bench_start Jobs__NodeName=node-1 Jobs__MaxConcurrent=6 "${settings[@]}"
  bench_tiny_repository
  urls="$BENCH_URL"
  if [ "$nodes" = 2 ]; then
    bench_add_node node-2 Jobs__MaxConcurrent=6 "${settings[@]}"
    urls="$urls $BENCH_NODE_URL"
  fi
  # shellcheck disable=SC2086
  python3 "$here/lib/nodes.py" throughput "$BENCH_TOKEN" 200 $urls
  bench_stop
done

bench_start Jobs__NodeName=node-1 Jobs__MaxConcurrent=2 "${settings[@]}"
bench_tiny_repository
bench_add_node node-2 Jobs__MaxConcurrent=2 "${settings[@]}"
python3 "$here/lib/nodes.py" failover "$BENCH_TOKEN" "$BENCH_PID" "$BENCH_DIR/jobs" "$BENCH_DIR/node-2/jobs" "$BENCH_URL" "$BENCH_NODE_URL"
bench_stop
