#!/usr/bin/env bash
# Jobs with the real Claude Code CLI (the pinned version scripts/test.sh installs) against a local fake model API:
# the server's overhead around the CLI and how fast the job's event stream delivers, against a bare `claude -p`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/server.sh
source "$here/lib/server.sh"
# shellcheck source=../scripts/lib/claude-cli.sh
source "$root/scripts/lib/claude-cli.sh"
runs="${1:-10}"

claude="$(claude_install "$root/.tools/claude-code")"
api_dir="$(mktemp -d)"
python3 "$here/lib/fake-anthropic.py" "$api_dir/port" & api_pid=$!
for _ in $(seq 1 50); do [ -s "$api_dir/port" ] && break; sleep 0.1; done
api="http://127.0.0.1:$(cat "$api_dir/port")"
trap 'kill $api_pid 2>/dev/null; bench_stop; rm -rf "$api_dir"' EXIT

# As root, the CLI refuses --dangerously-skip-permissions unless IS_SANDBOX=1 (the bench runs jobs as itself).
bench_start Claude__Command="$claude" Claude__Environment__IS_SANDBOX=1 Claude__Environment__ANTHROPIC_BASE_URL="$api" \
  Claude__Environment__ANTHROPIC_API_KEY=bench Claude__Environment__CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
  Claude__Environment__DISABLE_TELEMETRY=1 Claude__Environment__DISABLE_AUTOUPDATER=1 Claude__Environment__CLAUDE_CODE_MAX_RETRIES=1

mkdir -p "$BENCH_SOURCES/tiny" && git -C "$BENCH_SOURCES/tiny" init -q && echo hi >"$BENCH_SOURCES/tiny/README.md"
git -C "$BENCH_SOURCES/tiny" -c user.name=b -c user.email=b@b add . && git -C "$BENCH_SOURCES/tiny" -c user.name=b -c user.email=b@b commit -qm init
curl -sf -X POST "$BENCH_URL/repositories/register" -H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/json' \
  -d "{\"name\":\"tiny\",\"gitUrl\":\"$BENCH_SOURCES/tiny\"}" >/dev/null
until [ "$(curl -sf "$BENCH_URL/repositories/tiny" -H "Authorization: Bearer $BENCH_TOKEN" | jq -r .cloneStatus)" = completed ]; do sleep 0.2; done

HOME="$BENCH_DIR" python3 "$here/lib/real_claude.py" "$BENCH_URL" "$BENCH_TOKEN" "$claude" "$api" "$runs"
