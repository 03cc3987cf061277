# shellcheck shell=bash
# What bench/idle.sh and bench/ratios.sh measure the same way; source after lib/server.sh, use after bench_start.
# shellcheck disable=SC2154,SC2153 # root, BENCH_DIR, BENCH_PID and BENCH_URL come from lib/server.sh

ticks_per_second="$(getconf CLK_TCK)"

# A published server as scripts/install.sh and docker/Dockerfile make it (ReadyToRun), into a new temp folder; prints it.
publish_app() {
  local app
  app="$(mktemp -d /tmp/claudebatch-bench-pub.XXXXXX)"
  dotnet publish "$root/src/Api/Api.csproj" -c Release --use-current-runtime --self-contained false -p:PublishReadyToRun=true \
    -o "$app" -nologo -v q -clp:ErrorsOnly >/dev/null
  echo "$app"
}

# utime + stime of one process, in clock ticks.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# The PostgreSQL cluster's ticks: the postmaster's own and those of its children that have exited (cutime + cstime),
# plus the live children's own. A backend that exits between two looks moves from the second sum to the first.
pg_ticks() {
  local postmaster sum
  postmaster="$(head -1 "$BENCH_DIR/postgres/cluster/postmaster.pid")"
  sum="$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$postmaster/stat")"
  for child in $(pgrep -P "$postmaster"); do
    sum=$((sum + $(ticks "$child" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}

# percent_of_core TICKS SECONDS
percent_of_core() { awk -v t="$1" -v s="$2" -v hz="$ticks_per_second" 'BEGIN { printf "%.2f", 100 * t / hz / s }'; }

stop_server() {
  if [ -n "${BENCH_PID:-}" ] && kill "$BENCH_PID" 2>/dev/null; then wait "$BENCH_PID" 2>/dev/null || true; fi
  BENCH_PID=""
}

# restart_times APP RESTARTS [KEY=VALUE ...]: stops the server, then starts it RESTARTS times on the same database (the
# schema is there, as after a deploy) with its settings plus the extra ones; prints "LIVE_MS READY_MS LIVE_CPU_MS" for
# each start (start → first 200 on /health/live, on /health/ready, the server's CPU until live), stopping it after each.
restart_times() {
  local app="$1" restarts="$2" started live ready live_cpu var
  shift 2
  local start_env=()
  while IFS= read -r -d '' var; do start_env+=("$var"); done < <(tr '\0' '\n' <"/proc/$BENCH_PID/environ" \
    | grep -E '^(ASPNETCORE_|DOTNET_|ConnectionStrings__|Jwt__|Workspace__|Auth__|Repositories__|Serilog__|Impersonation__|Jobs__|Claude__)' | tr '\n' '\0')
  stop_server
  for _ in $(seq 1 "$restarts"); do
    started=$(now_ms) live="" ready="" live_cpu=0
    (cd "$app" && exec env "${start_env[@]}" "$@" dotnet "$app/ClaudeBatch.Api.dll" >>"$BENCH_DIR/server.log" 2>&1) &
    BENCH_PID=$!
    for _ in $(seq 1 3000); do
      if [ -z "$live" ] && curl -sf -o /dev/null "$BENCH_URL/health/live" 2>/dev/null; then
        live=$(($(now_ms) - started))
        live_cpu=$(($(ticks "$BENCH_PID") * 1000 / ticks_per_second))
      fi
      if [ -n "$live" ] && curl -sf -o /dev/null "$BENCH_URL/health/ready" 2>/dev/null; then ready=$(($(now_ms) - started)); break; fi
      sleep 0.01
    done
    echo "${live:-99999} ${ready:-99999} $live_cpu"
    stop_server
  done
}
