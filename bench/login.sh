#!/usr/bin/env bash
# Median of 100 sequential logins for a $6$ (sha512crypt) and a $y$ (yescrypt) account; floor: /health/live.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib/server.sh"
apt_install whois
# shellcheck disable=SC2119  # no extra settings
bench_start
trap bench_stop EXIT

y_password="bench-yescrypt-$$"
echo "ybench:$(mkpasswd -m yescrypt "$y_password"):19000:0:99999:7:::" >>"$BENCH_DIR/auth/shadow"
echo "ybench:x:$(id -u):$(id -g)::$BENCH_DIR:/bin/bash" >>"$BENCH_DIR/auth/passwd"

python3 - "$BENCH_URL" "$BENCH_USER" "$BENCH_PASSWORD" ybench "$y_password" <<'PY'
import json, statistics, sys, time, urllib.request
url = sys.argv[1]
def timed(path, body=None):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode() if body else None,
                                 headers={"Content-Type": "application/json"}, method="POST" if body else "GET")
    t0 = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        r.read()
    return (time.perf_counter() - t0) * 1000
for label, user, password in (("$6$", sys.argv[2], sys.argv[3]), ("$y$", sys.argv[4], sys.argv[5])):
    for _ in range(5):
        timed("/auth/login", {"username": user, "password": password})
    xs = sorted(timed("/auth/login", {"username": user, "password": password}) for _ in range(100))
    print(f"login {label}: median {statistics.median(xs):.1f} ms, p90 {xs[89]:.1f} ms, max {xs[-1]:.1f} ms (100 sequential)")
ys = sorted(timed("/health/live") for _ in range(100))
print(f"floor /health/live: median {statistics.median(ys):.2f} ms")
PY
