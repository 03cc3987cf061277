#!/usr/bin/env bash
# The read API under load (wrk -t2 -c32 -d10s, loopback) as the history grows, against the same server's /health/live
# as the framework's floor, and the server's resident memory. One server, one run:
#   1. SMALL instant jobs run through the API and the pipeline; then GET /jobs/{id} and GET /jobs?pageSize=50 (first
#      and last page) under load;
#   2. the history is filled up to LARGE finished jobs by bench/Seed (each job's real event sequence, appended to the
#      store with the server's own StoreOptions, so the same projection code builds the job views); the same loads,
#      plus page 1000; the ratio of the first page's p99 at LARGE to that at SMALL;
#   3. instant jobs run through the pipeline until MEMORY_JOBS have finished in this server process: its RSS then, and
#      after one more load.
#   bench/api.sh [SMALL [LARGE [MEMORY_JOBS]]]    defaults 1000 100000 10000; LARGE or MEMORY_JOBS 0 skips that phase
#   SEED_SMALL=1 bench/api.sh ...                 the first SMALL jobs are seeded too (seeded vs run history)
#   RSS_EVERY=2500 bench/api.sh 1000 0 25000      phase 3 in batches, printing the RSS after each (a plateau or a leak?)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/server.sh
source "$here/lib/server.sh"
small="${1:-1000}"
large="${2:-100000}"
memory_jobs="${3:-10000}"
apt_install wrk
dotnet build "$here/Seed/Seed.csproj" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
seed_dll="$here/Seed/bin/Release/net10.0/ClaudeBatch.Bench.Seed.dll"
started=$(now_ms)

rss_mb() { echo $(($(awk '/^VmRSS/ {print $2}' "/proc/$BENCH_PID/status") / 1024)); }

bench_start Jobs__MaxConcurrent=20 Jobs__MaxQueued=20000 Jobs__MaxQueuedPerUser=20000 Claude__Command="$here/lib/instant-agent"
trap bench_stop EXIT
sleep 5
idle_rss=$(rss_mb)
bench_tiny_repository

history=0 # finished jobs in history
ran=0     # of which this server process ran through its pipeline

completed() { curl -sf "$BENCH_URL/jobs?status=completed&pageSize=1" -H "Authorization: Bearer $BENCH_TOKEN" | jq .total; }

run_jobs() { # run_jobs N: N instant jobs through the API and the pipeline, until all have completed
  local n="$1" s
  s=$(now_ms)
  # Eight clients in one python process: a curl and jq per request cost more than the server.
  python3 "$here/lib/run_jobs.py" "$BENCH_URL" "$BENCH_TOKEN" "$n"
  history=$((history + n))
  ran=$((ran + n))
  until [ "$(completed)" -ge "$history" ]; do sleep 1; done
  local ms=$(($(now_ms) - s))
  echo "  $n instant jobs run in $((ms / 1000)) s ($((n * 1000 / ms)) jobs/s)"
}

seed_jobs() { # seed_jobs N: N finished jobs appended to the store by bench/Seed
  local n="$1" s
  s=$(now_ms)
  dotnet "$seed_dll" "$BENCH_POSTGRES" "$BENCH_USER" tiny "$n" "$BENCH_DIR/jobs" 2>/dev/null
  history=$((history + n))
  # What autovacuum does by itself a minute or so after a bulk insert (statistics, and the visibility map that lets a
  # deep page be read off the index alone); done here so that the figures do not depend on when it wakes up.
  "$PG_BIN/psql" -h 127.0.0.1 -p "$BENCH_PG_PORT" -U postgres -d bench -qc "VACUUM ANALYZE claudebatch.mt_doc_jobview"
  [ "$(completed)" -ge "$history" ] || { echo "seeding: only $(completed) completed jobs listed, $history expected" >&2; exit 1; }
  echo "  $n finished jobs seeded in $((($(now_ms) - s) / 1000)) s (VACUUM ANALYZE included)"
}

load() { # load PATH → "req/s p50 p99 non-2xx", latencies in ms
  wrk -t2 -c32 -d3s -H "Authorization: Bearer $BENCH_TOKEN" "$BENCH_URL$1" >/dev/null # warm-up, as for the floor: the hot code reaches its final tier
  wrk -t2 -c32 -d10s --latency -H "Authorization: Bearer $BENCH_TOKEN" "$BENCH_URL$1" | awk '
    function ms(v) {
      if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /[0-9]s$/) return v * 1000; return v * 60000
    }
    /Requests\/sec/ {rps = $2}
    /^ +50%/ {p50 = ms($2)} /^ +99%/ {p99 = ms($2)}
    /Non-2xx/ {bad = $NF}
    END {printf "%.0f %.1f %.1f %d\n", rps, p50, p99, bad}'
}

results="$BENCH_DIR/results"
measure() { # measure HISTORY KEY PATH
  local r
  r=$(load "$3")
  echo "$1 $2 $r" >>"$results"
  awk -v path="$3" '{printf "  %-34s %6s req/s, p50 %6s ms, p99 %6s ms%s\n", "GET " path, $1, $2, $3, ($4 ? ", NON-2XX " $4 : "")}' <<<"$r"
}

measure_all() { # the loads at the current history
  echo "With $history finished jobs in history:"
  wrk -t2 -c32 -d3s "$BENCH_URL/health/live" >/dev/null # warm-up
  measure "$history" floor /health/live
  measure "$history" job "/jobs/$job"
  measure "$history" first "/jobs?pageSize=50"
  if [ "$history" -ge 50000 ]; then measure "$history" page1000 "/jobs?pageSize=50&page=1000"; fi
  measure "$history" last "/jobs?pageSize=50&page=$(((history + 49) / 50))"
}

echo "Phase 1: $small jobs"
if [ "${SEED_SMALL:-0}" = 1 ]; then seed_jobs "$small"; else run_jobs "$small"; fi
job=$(curl -sf "$BENCH_URL/jobs?pageSize=50" -H "Authorization: Bearer $BENCH_TOKEN" | jq -r '.jobs[-1].jobId')
small_rss=$(rss_mb)
measure_all
small_load_rss=$(rss_mb)

if [ "$large" -gt "$history" ]; then
  echo "Phase 2: $large jobs"
  seed_jobs $((large - history))
  measure_all
fi
large_load_rss=$(rss_mb)

if [ "$memory_jobs" -gt "$ran" ]; then
  echo "Phase 3: $memory_jobs jobs run by this server"
  # RSS_EVERY=N: run them N at a time and print the resident memory after each batch (does it level off?).
  every="${RSS_EVERY:-0}"
  while [ "$ran" -lt "$memory_jobs" ]; do
    batch=$((memory_jobs - ran))
    if [ "$every" -gt 0 ] && [ "$batch" -gt "$every" ]; then batch=$every; fi
    run_jobs "$batch"
    if [ "$every" -gt 0 ]; then echo "  RSS after $ran jobs run by this server: $(rss_mb) MB"; fi
  done
  memory_rss=$(rss_mb)
  echo "With $history finished jobs in history, $ran of them run by this server:"
  measure "$history" first-again "/jobs?pageSize=50"
  measure "$history" job-again "/jobs/$job"
fi

echo
if [ "$large" -gt "$small" ]; then echo "GET /jobs?pageSize=50 p99, $large vs $small jobs in history (target <= 1.5x):"; fi
awk -v small="$small" -v large="$large" '
  $2 == "first" && $1 == small {a = $5} $2 == "first" && $1 == large {b = $5}
  $2 == "floor" && $1 == small {fa = $5} $2 == "floor" && $1 == large {fb = $5}
  END {
    if (a && b) printf "  first page: %.1f ms vs %.1f ms = %.2fx (floor: %.1f ms vs %.1f ms = %.2fx)\n", b, a, b / a, fb, fa, fb / fa
  }' "$results"
echo "Server RSS (target <= 250 MB): idle $idle_rss MB; after $small jobs $small_rss MB, after their load $small_load_rss MB;" \
  "after the $large-job history's load $large_load_rss MB${memory_rss:+; after $ran jobs run $memory_rss MB, after one more load $(rss_mb) MB}"
echo "Whole run: $((($(now_ms) - started) / 1000)) s"
