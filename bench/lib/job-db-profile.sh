#!/usr/bin/env bash
# bench/lib/job-db-profile.sh [KEY=VALUE ...]: what PostgreSQL does for a job. One warm round of 200 instant jobs, then a
# measured one: PostgreSQL's CPU per job by process (backends live, and those that exited: "reaped"), new sessions per
# job, and pg_stat_statements per job (calls and time, the TOP (default 30) statements by time). Extra settings go to the
# server; BENCH_CONNECTION_EXTRA adds to its connection string (";Max Auto Prepare=200", say).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PG_EXTRA_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
# shellcheck source=server.sh
source "$here/lib/server.sh"
trap bench_stop EXIT
bench_start Jobs__SingleNode=true Jobs__MaxConcurrent=5 Jobs__MaxQueuedPerUser=10000 Claude__Command="$here/lib/instant-agent" "$@"
bench_tiny_repository
psql() { "$PG_BIN/psql" -h 127.0.0.1 -p "$BENCH_PG_PORT" -U postgres -d bench -X "$@"; }
round() { python3 "$here/lib/pipeline.py" "$BENCH_URL" "$BENCH_TOKEN" "$BENCH_DIR/jobs" 200 0 5 "$here/lib/instant-agent" | grep '^CPU'; }
psql -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
round
psql -qc "SELECT pg_stat_statements_reset(), pg_stat_reset()" >/dev/null
postmaster="$BENCH_DIR/postgres/cluster/postmaster.pid"
python3 "$here/lib/pg_procs.py" "$postmaster" save "$BENCH_DIR/pg-procs.json"
sessions0="$(psql -tAc "SELECT sessions FROM pg_stat_database WHERE datname = 'bench'")"
round
python3 "$here/lib/pg_procs.py" "$postmaster" diff "$BENCH_DIR/pg-procs.json"
sessions1="$(psql -tAc "SELECT sessions FROM pg_stat_database WHERE datname = 'bench'")"
echo "new PostgreSQL sessions: $((sessions1 - sessions0)) for 200 jobs"
psql -c "SELECT calls, round(calls / 200.0, 1) AS per_job, round((total_exec_time / 200)::numeric, 2) AS ms_per_job,
  left(regexp_replace(query, '\s+', ' ', 'g'), 120) AS statement FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT ${TOP:-30}"
psql -c "SELECT sum(calls) AS calls, round(sum(calls) / 200.0, 1) AS per_job FROM pg_stat_statements"
# The job view's writes: how many updates were HOT (no index touched), and each index's size and scans in the round.
psql -c "SELECT n_tup_ins, n_tup_upd, n_tup_hot_upd, n_dead_tup, pg_size_pretty(pg_total_relation_size(relid)) AS size,
  (SELECT round(avg(pg_column_size(data))) FROM claudebatch.mt_doc_jobview) AS avg_data_bytes
  FROM pg_stat_user_tables WHERE relname = 'mt_doc_jobview'"
psql -c "SELECT indexrelname AS index, idx_scan AS scans, pg_size_pretty(pg_relation_size(indexrelid)) AS size
  FROM pg_stat_user_indexes WHERE relname = 'mt_doc_jobview' ORDER BY indexrelname"
