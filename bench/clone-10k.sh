#!/usr/bin/env bash
# Register and clone a 10,000-file local repository through the API; the floor is a plain `git clone` of it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/server.sh"
# shellcheck disable=SC2119  # no extra settings
bench_start
trap bench_stop EXIT

files="${FILES:-10000}"
src="$BENCH_SOURCES/big"
mkdir -p "$src"
python3 - "$src" "$files" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, f"dir{i // 100:03d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"file{i:05d}.txt"), "w") as f:
        f.write(f"line {i}\n" * 20)
PY
git -C "$src" init -q -b main && git -C "$src" add -A && git -C "$src" -c user.name=b -c user.email=b@b commit -qm "$files files"


for run in 1 2 3; do
  name="big$run"
  start=$(now_ms)
  curl -sf -X POST "$BENCH_URL/repositories/register" -H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$name\",\"gitUrl\":\"$src\"}" >/dev/null
  registered=$(( $(now_ms) - start ))
  while [ "$(curl -sf "$BENCH_URL/repositories/$name" -H "Authorization: Bearer $BENCH_TOKEN" | jq -r .cloneStatus)" = cloning ]; do sleep 0.02; done
  total=$(( $(now_ms) - start ))
  echo "run $run: register → 201 in ${registered} ms; register → completed in ${total} ms"
done
for run in 1 2 3; do
  start=$(now_ms); git clone -q "$src" "$BENCH_DIR/floor$run"; local_ms=$(( $(now_ms) - start ))
  start=$(now_ms); git clone -q --no-local "$src" "$BENCH_DIR/floor-nl$run"; copy_ms=$(( $(now_ms) - start ))
  echo "floor run $run: git clone ${local_ms} ms (hardlinked objects), git clone --no-local ${copy_ms} ms (objects copied, as libgit2 does)"
done
