#!/usr/bin/env bash
# THE test command (README names it, .ci/run calls it). On a fresh machine of this kind it installs what is
# missing, starts a throwaway PostgreSQL on a free local port, runs every test project, prints the totals as
# "N passed, M failed[, K skipped]", stops what it started (also on failure or Ctrl-C), and exits non-zero if
# anything failed or if no test ran.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/apt.sh
source "$root/scripts/lib/apt.sh"
# shellcheck source=lib/postgres.sh
source "$root/scripts/lib/postgres.sh"
# shellcheck source=lib/claude-cli.sh
source "$root/scripts/lib/claude-cli.sh"

# What the tests use: openssl and mkpasswd (whois) make real password hashes; libcrypt1 verifies them;
# xfsprogs and btrfs-progs make the copy-on-write filesystems the workspace tests run on.
# util-linux's setpriv runs jobs as their users; passwd's useradd makes the test users.
apt_install openssl whois libcrypt1 git xfsprogs btrfs-progs util-linux passwd
# The fake agents (tests/Integration/Fakes) run on the system's /usr/bin/python3, not on whatever python3 is first on
# PATH: a pyenv shim there costs ~0.4 s of bash per start, which made a 500-job test spend minutes starting agents.
apt_install python3-minimal
# A Docker engine for the container-cleanup tests, with a tiny image built locally (there is no registry here).
apt_install docker.io busybox-static
# Checks of the deployment files: shellcheck, docker-compose config, systemd-analyze verify.
apt_install shellcheck docker-compose systemd
# The dashboard's browser tests drive Debian's Chromium through Playwright (its own browser download is not used).
apt_install chromium
pg_find_bin
# The E2E tests run the real Claude Code CLI (pinned) against a fake model API the tests serve.
CLAUDEBATCH_TEST_CLAUDE="$(claude_install "$root/.tools/claude-code")"
export CLAUDEBATCH_TEST_CLAUDE

work="$(mktemp -d /tmp/claudebatch-test.XXXXXX)"
chmod 755 "$work"
pg_data="$work/postgres"
results="$work/results"
created_users=()
docker_pid=""
# shellcheck disable=SC2317  # called from the EXIT trap
stop_docker() {
  [ -n "$docker_pid" ] || return 0
  local ids
  ids="$(DOCKER_HOST="unix://$work/docker/docker.sock" docker ps -aq 2>/dev/null || true)"
  # shellcheck disable=SC2086
  [ -z "$ids" ] || DOCKER_HOST="unix://$work/docker/docker.sock" docker rm -f $ids >/dev/null 2>&1 || true
  kill "$docker_pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$docker_pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$docker_pid" 2>/dev/null || true
  { findmnt -rn -o TARGET | grep "^$work/docker" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done; } || true
}
# shellcheck disable=SC2317  # the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e   # clean up everything, whatever fails; the exit code stays the run's
  stop_docker
  pg_stop "$pg_data"
  # CLAUDEBATCH_TEST_RESULTS=<folder> keeps the TRX files (per-test outcomes and durations) for a CI artifact or a look.
  if [ -n "${CLAUDEBATCH_TEST_RESULTS:-}" ] && [ -d "$results" ]; then
    mkdir -p "$CLAUDEBATCH_TEST_RESULTS" && cp "$results"/*.trx "$CLAUDEBATCH_TEST_RESULTS"/ 2>/dev/null
  fi
  local user uid
  for user in cbtest-alice cbtest-bob cbtest-sys; do
    # The Claude Code CLI's per-user temporary folder (/tmp/claude-<uid>), made by the E2E jobs run as that user (jobs
    # get a clean environment, so not the TMPDIR below) — also when the account was there before the run.
    uid="$(id -u "$user" 2>/dev/null || true)"
    [ -z "$uid" ] || rm -rf "/tmp/claude-$uid"
  done
  for user in "${created_users[@]}"; do
    pkill -KILL -u "$user" 2>/dev/null || true
    uid="$(id -u "$user" 2>/dev/null || true)"
    [ -z "$uid" ] || rm -rf "/tmp/claude-$uid"
    userdel -r "$user" 2>/dev/null || true
  done
  for mount in "$work/xfs" "$work/btrfs"; do
    mountpoint -q "$mount" && { umount "$mount" 2>/dev/null || umount -l "$mount"; }
  done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What earlier runs' test servers left behind (workspaces, uploads, logs).
rm -rf /tmp/claudebatch-tests

# Real OS accounts the impersonation and E2E tests run jobs as (a system one must be refused); removed at the end.
for user in cbtest-alice cbtest-bob cbtest-sys; do
  if ! id "$user" >/dev/null 2>&1; then
    if [ "$user" = cbtest-sys ]; then useradd --system --create-home "$user"; else useradd --create-home --shell /bin/bash "$user"; fi
    created_users+=("$user")
  fi
done
# Jobs run the CLI as those users: it must be reachable by them, not only by root.
if ! setpriv --reuid=cbtest-alice --regid=cbtest-alice --clear-groups -- "$CLAUDEBATCH_TEST_CLAUDE" --version >/dev/null 2>&1; then
  echo "The test users cannot run $CLAUDEBATCH_TEST_CLAUDE (a folder on its path is not world-searchable?)." >&2
  exit 1
fi

pg_port="$(pg_free_port)"
echo "Starting a throwaway PostgreSQL on 127.0.0.1:$pg_port…"
pg_start "$pg_data" "$pg_port"
export CLAUDEBATCH_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Database=postgres;Username=postgres;Pooling=true"

# Small XFS (with reflink) and btrfs filesystems on loop devices, for the copy-on-write workspace tests.
mount_image() {
  local kind="$1" dir="$work/$1"
  mkdir -p "$dir"
  truncate -s 700M "$work/$kind.img"
  if [ "$kind" = xfs ]; then mkfs.xfs -q -m reflink=1 "$work/$kind.img"; else mkfs.btrfs -q "$work/$kind.img" >/dev/null; fi
  mount -o loop "$work/$kind.img" "$dir"
}
mount_image xfs
mount_image btrfs
export CLAUDEBATCH_TEST_XFS="$work/xfs" CLAUDEBATCH_TEST_BTRFS="$work/btrfs"

# The Docker engine: a private socket and data root, no bridge network, no iptables; stopped at the end.
mkdir -p "$work/docker/context"
dockerd -H "unix://$work/docker/docker.sock" --data-root "$work/docker/data" --exec-root "$work/docker/exec" \
  --pidfile "$work/docker/docker.pid" --bridge=none --iptables=false --ip-masq=false >"$work/docker/dockerd.log" 2>&1 &
docker_pid=$!
export CLAUDEBATCH_TEST_DOCKER="unix://$work/docker/docker.sock"
for _ in $(seq 1 150); do DOCKER_HOST="$CLAUDEBATCH_TEST_DOCKER" docker info >/dev/null 2>&1 && break; sleep 0.2; done
DOCKER_HOST="$CLAUDEBATCH_TEST_DOCKER" docker info >/dev/null || { cat "$work/docker/dockerd.log" >&2; exit 1; }
cp /bin/busybox "$work/docker/context/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT ["/bin/busybox"]\nCMD ["sleep", "3600"]\n' >"$work/docker/context/Dockerfile"
DOCKER_HOST="$CLAUDEBATCH_TEST_DOCKER" DOCKER_BUILDKIT=0 docker build -q -t cbtest-busybox "$work/docker/context" >/dev/null

echo "Building…"
dotnet build ClaudeBatch.sln -nologo -v q -clp:ErrorsOnly

# The tests' temporary folders (test servers' roots, dedicated PostgreSQL clusters, installs, what a killed process
# leaves: diagnostic sockets and debug pipes) go into the work folder, which is removed at the end, not into /tmp. It
# is as open as /tmp: jobs run as the test users inside it. No build server is kept (it would keep this TMPDIR).
mkdir -m 1777 "$work/tmp"
status=0
run_tests() {
  TMPDIR="$work/tmp" MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 dotnet test "$1" --no-build -nologo -v q \
    --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "${@:2}" || status=$?
}
if [ $# -eq 0 ]; then
  # Four test collections at a time on two cores: most of a test's time is spent waiting on servers, processes and
  # PostgreSQL. The reliability tests load the whole machine (a flood of clients, kill -9, a database stopped) and time
  # what they see, so they run after the rest, on their own, and at xUnit's default of one collection per core.
  run_tests ClaudeBatch.sln --filter "Category!=Reliability" -- xUnit.MaxParallelThreads=4
  run_tests tests/Integration/Integration.Tests.csproj --filter "Category=Reliability"
else
  run_tests ClaudeBatch.sln "$@"
fi

# Totals from the TRX files: one summary line CI can read.
read -r passed failed skipped < <(python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
p = f = s = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None:
        continue
    p += int(c.get("passed", 0))
    f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    s += int(c.get("notExecuted", 0)) + int(c.get("inconclusive", 0))
print(p, f, s)
PY
)
# How many tests of a namespace ran (e.g. ".EndToEnd."): a category that ran nothing proves nothing.
ran() {
  python3 - "$results" "$1" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
print(sum(1 for path in glob.glob(sys.argv[1] + "/*.trx")
          for r in ET.parse(path).getroot().iter("{%s}UnitTestResult" % ns["t"])
          if sys.argv[2] in r.get("testName", "")))
PY
}
# The E2E category (the real Claude Code CLI) and the dashboard's browser tests (Chromium) must have run.
e2e="$(ran .EndToEnd.)"
browser="$(ran .Dashboard.)"
echo "E2E tests (real Claude Code CLI) run: $e2e; browser tests (Chromium) run: $browser"

total=$((passed + failed + skipped))
if [ "$total" -eq 0 ]; then
  echo "No test ran."
  status=1
fi
if [ "$e2e" -eq 0 ] && [ $# -eq 0 ]; then
  echo "The E2E category ran no test."
  status=1
fi
if [ "$browser" -eq 0 ] && [ $# -eq 0 ]; then
  echo "The browser tests ran no test."
  status=1
fi
if [ "$failed" -gt 0 ]; then status=1; fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$status"
