#!/usr/bin/env bash
# Workspace creation for a 20,000-file, ~400 MB repository on XFS (reflink) and btrfs loop mounts: the server's
# cloner (WorkspacePrepared's own timing) against cp -a, cp --reflink=always and btrfs subvolume snapshot of the
# same master on the same filesystem. Medians of 5.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib/server.sh"
apt_install xfsprogs btrfs-progs
mnt="$(mktemp -d /tmp/claudebatch-wsbench.XXXXXX)"
cleanup() { bench_stop 2>/dev/null || true; for fs in xfs btrfs; do mountpoint -q "$mnt/$fs" && umount "$mnt/$fs"; done; rm -rf "$mnt"; }
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
time_ms() { local s; s=$(now_ms); "$@" >/dev/null; echo $(( $(now_ms) - s )); }

for fs in ${WS_FS:-xfs btrfs}; do
  mkdir -p "$mnt/$fs"; truncate -s 3G "$mnt/$fs.img"
  if [ "$fs" = xfs ]; then mkfs.xfs -q -m reflink=1 "$mnt/$fs.img"; else mkfs.btrfs -q "$mnt/$fs.img" >/dev/null; fi
  mount -o loop "$mnt/$fs.img" "$mnt/$fs"

  BENCH_WORKSPACE_ROOT="$mnt/$fs" bench_start Claude__Command="$here/lib/instant-agent" Workspace__MinFreeBytes=0
  src="$BENCH_SOURCES/big"; mkdir -p "$src"
  python3 - "$src" <<'PY'
import os, sys
root = sys.argv[1]
for i in range(20000):
    d = os.path.join(root, f"d{i // 200:03d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:05d}.bin"), "wb") as f:
        f.write(os.urandom(20 * 1024))
PY
  git -C "$src" init -q -b main && git -C "$src" add -A && git -C "$src" -c gc.auto=0 -c user.name=b -c user.email=b@b commit -qm big
  curl -sf -X POST "$BENCH_URL/repositories/register" -H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"name\":\"big\",\"gitUrl\":\"$src\"}" >/dev/null
  while [ "$(curl -sf "$BENCH_URL/repositories/big" -H "Authorization: Bearer $BENCH_TOKEN" | jq -r .cloneStatus)" = cloning ]; do sleep 0.2; done
  master="$mnt/$fs/repos/big"

  # The source, its commit and the master clone leave GBs of dirty pages: flush them so no run pays for them.
  s=$(now_ms); sync; echo "$fs: sync after registering $(( $(now_ms) - s )) ms"
  run_job() {
    local job prepared
    job=$(curl -sf -X POST "$BENCH_URL/jobs" -H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/json' \
      -d '{"prompt":"x","repository":"big","options":{"gitAware":false,"cidxAware":false}}' | jq -r .jobId)
    curl -sf -X POST "$BENCH_URL/jobs/$job/start" -H "Authorization: Bearer $BENCH_TOKEN" >/dev/null
    # Poll gently: on 2 cores a 10 Hz curl+jq loop competes with the copy being measured.
    while [ "$(curl -sf "$BENCH_URL/jobs/$job" -H "Authorization: Bearer $BENCH_TOKEN" | jq -r .status)" != completed ]; do sleep 0.5; done
    prepared=$(curl -sf "$BENCH_URL/jobs/$job/events" -H "Authorization: Bearer $BENCH_TOKEN" | jq -c '.[] | select(.type=="WorkspacePrepared") | .data')
    curl -sf -X DELETE "$BENCH_URL/jobs/$job" -H "Authorization: Bearer $BENCH_TOKEN" >/dev/null
    echo "$prepared"
  }
  run_job >/dev/null   # warm-up: the server's first jobs run alongside its JIT and code generation

  ours=(); strategy=""; full=(); reflink=(); snap=()
  for i in 1 2 3 4 5; do   # interleaved, so every variant sees the same filesystem state
    prepared=$(run_job)
    ours+=("$(echo "$prepared" | jq -r '.milliseconds | floor')"); strategy=$(echo "$prepared" | jq -r .strategy)
    reflink+=("$(time_ms cp -a --reflink=always "$master" "$mnt/$fs/ref$i")"); rm -rf "$mnt/$fs/ref$i"
    if [ "$fs" = btrfs ]; then snap+=("$(time_ms btrfs subvolume snapshot "$master" "$mnt/$fs/snap$i")"); btrfs subvolume delete "$mnt/$fs/snap$i" >/dev/null; fi
    if [ -z "${SKIP_FULL:-}" ]; then full+=("$(time_ms cp -a --reflink=never "$master" "$mnt/$fs/full$i")"); rm -rf "$mnt/$fs/full$i"; sync; fi
  done
  echo "$fs: ours ${ours[*]}; cp --reflink ${reflink[*]}"
  line="$fs: our cloner ($strategy, incl. counting the files) $(printf '%s\n' "${ours[@]}" | median) ms; cp -a $(printf '%s\n' "${full[@]:-0}" | median) ms; cp --reflink=always $(printf '%s\n' "${reflink[@]}" | median) ms"
  [ "$fs" = btrfs ] && line="$line; btrfs subvolume snapshot $(printf '%s\n' "${snap[@]}" | median) ms"
  echo "$line"
  bench_stop; unset BENCH_PID
done
