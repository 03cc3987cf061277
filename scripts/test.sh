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

# What the tests use: openssl and mkpasswd (whois) make real password hashes; libcrypt1 verifies them;
# xfsprogs and btrfs-progs make the copy-on-write filesystems the workspace tests run on.
apt_install openssl whois libcrypt1 git xfsprogs btrfs-progs util-linux
pg_find_bin

work="$(mktemp -d /tmp/claudebatch-test.XXXXXX)"
chmod 755 "$work"
pg_data="$work/postgres"
results="$work/results"
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  pg_stop "$pg_data"
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

echo "Building…"
dotnet build ClaudeBatch.sln -nologo -v q -clp:ErrorsOnly

status=0
dotnet test ClaudeBatch.sln --no-build -nologo -v q \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@" || status=$?

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

total=$((passed + failed + skipped))
if [ "$total" -eq 0 ]; then
  echo "No test ran."
  status=1
fi
if [ "$failed" -gt 0 ]; then status=1; fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$status"
