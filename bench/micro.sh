#!/usr/bin/env bash
# BenchmarkDotNet micro-benchmarks of hot code (bench/Micro), each next to its floor in the same run: the stream-json
# parser per kind of line and per transcript against JsonDocument.Parse and a Utf8JsonReader pass of the same lines,
# and the JobView and RepositoryView folds against a type switch over the same events that keeps nothing.
# Prints BenchmarkDotNet's summary tables (ns/op, allocated bytes/op, ratio to the floor).
#   bench/micro.sh                        # all of them: 2-11 minutes on 2 cores, most of it the build
#   bench/micro.sh --filter '*JobView*'   # other BenchmarkDotNet options instead of --filter '*'
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
artifacts="$(mktemp -d /tmp/claudebatch-micro.XXXXXX)"
options=("$@")
[[ ${#options[@]} -gt 0 ]] || options=(--filter '*')

# One launch, 5 warm-ups and 100 iterations of ~5 ms per benchmark: on a shared machine, many short iterations give
# the Median and Min columns quiet windows to find. The build timeout is raised because BenchmarkDotNet rebuilds the
# referenced projects (source generators included) without the shared compiler: minutes on a busy 2-core machine.
set +e
dotnet run -c Release --project "$root/bench/Micro" -- "${options[@]}" \
  --launchCount 1 --warmupCount 5 --iterationCount 100 --iterationTime 5 --buildTimeout 900 \
  --artifacts "$artifacts" 2>&1 | tee "$artifacts/run.log" | grep --line-buffered -E '^// (Benchmark: |\*\*\*\*\* Build)'
status=${PIPESTATUS[0]}
set -e
if [[ $status -ne 0 ]] || grep -q -E '^Benchmarks with issues|failed to build' "$artifacts/run.log"; then
  echo "Benchmarks failed (exit $status); the full log is $artifacts/run.log" >&2
  exit 1
fi

# Each class's summary table, without BenchmarkDotNet's warnings and hints (they stay in the log).
awk '/^\/\/ \* Summary \*/ {on = 1; next} /^\/\/ \* / {on = 0} on' "$artifacts/run.log"
echo "Full log and reports (markdown, csv, html): $artifacts"
