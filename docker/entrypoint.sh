#!/usr/bin/env bash
# Container start: the OS accounts of the container are ephemeral, the server's account files live in /data/auth.
# Recreate every account listed there (same uid/gid/home), so that jobs run as named users with their own homes.
set -euo pipefail
auth="${CLAUDEBATCH_AUTH_DIR:-/data/auth}"
mkdir -p /data/workspace/repos /data/workspace/jobs /data/homes
# A second node reads the first node's accounts, read-only (docker-compose.yml, --profile cluster).
if [ -w "$(dirname "$auth")" ] || [ -w "$auth" ]; then
  mkdir -p "$auth"
  touch "$auth/shadow" "$auth/passwd" "$auth/group"
  chmod 700 "$auth"
  chmod 600 "$auth/shadow"
fi
chmod 711 /data/workspace/jobs
while IFS=: read -r name _ uid gid _ home _; do
  if [ -z "$name" ] || [ "${uid:-0}" -lt 1000 ]; then continue; fi
  getent group "$gid" >/dev/null || groupadd -g "$gid" "$name"
  getent passwd "$name" >/dev/null || useradd -u "$uid" -g "$gid" -d "$home" -M -s /bin/bash "$name"
  if [ ! -d "$home" ]; then mkdir -p "$home" && chown "$uid:$gid" "$home" && chmod 700 "$home"; fi
done <"$auth/passwd"
exec "$@"
