#!/usr/bin/env bash
# Installs Claude Batch Server on Debian/Ubuntu (apt) or Rocky/RHEL (dnf), from this source tree. Safe to run again:
# it republishes the server when the source changed (keeping the build it finds when not, unless --rebuild) and keeps
# the configuration (and its JWT key) it finds.
#
#   sudo scripts/install.sh [--prefix /opt/claude-batch-server] [--config-dir /etc/claude-batch-server]
#                           [--data-dir /var/lib/claude-batch-server] [--connection-string CS | --with-local-postgres]
#                           [--port 8080] [--no-systemd] [--no-claude] [--rebuild]
#
# --no-systemd: install files only (containers, tests); the unit is still rendered to PREFIX/share for reference.
# On a host where systemd is not running (a container, WSL without systemd) it does the same by itself, and says how
# to start the server.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix=/opt/claude-batch-server config_dir=/etc/claude-batch-server data_dir=/var/lib/claude-batch-server
connection="" local_postgres=false systemd=true claude=true port=8080 rebuild=false
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift ;;
    --config-dir) config_dir="$2"; shift ;;
    --data-dir) data_dir="$2"; shift ;;
    --connection-string) connection="$2"; shift ;;
    --with-local-postgres) local_postgres=true ;;
    --port) port="$2"; shift ;;
    --no-systemd) systemd=false ;;
    --no-claude) claude=false ;;
    --rebuild) rebuild=true ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "Unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || { echo "Run as root." >&2; exit 1; }
say() { echo "==> $*"; }
# systemd manages services only where it booted the host (this is what sd_booted(3) checks).
systemd_running=false
[ -d /run/systemd/system ] && systemd_running=true
if $systemd && ! $systemd_running; then
  say "systemd is not running on this host: installing the files only (as with --no-systemd)"
  systemd=false
fi

# 1. Prerequisites.
if command -v apt-get >/dev/null 2>&1; then
  # shellcheck source=lib/apt.sh
  source "$root/scripts/lib/apt.sh"
  apt_install git util-linux passwd openssl whois libcrypt1 curl ca-certificates
  $claude && { command -v npm >/dev/null 2>&1 || apt_install nodejs npm; }
  $local_postgres && apt_install postgresql
  command -v dotnet >/dev/null 2>&1 || apt_install dotnet-sdk-10.0
elif command -v dnf >/dev/null 2>&1; then
  pkgs=(git util-linux shadow-utils openssl libxcrypt curl ca-certificates)
  $claude && ! command -v npm >/dev/null 2>&1 && pkgs+=(nodejs npm)
  $local_postgres && pkgs+=(postgresql-server)
  command -v dotnet >/dev/null 2>&1 || pkgs+=(dotnet-sdk-10.0)
  say "Installing ${pkgs[*]} (dnf)"
  dnf install -y -q "${pkgs[@]}"
else
  echo "Neither apt-get nor dnf found: install git, util-linux, openssl, libcrypt, Node.js and the .NET 10 SDK by hand." >&2
  exit 1
fi
dotnet="$(command -v dotnet)"

# 2. The server, published next to the previous one and swapped in; and the client. What they are built from (the source,
# the SDK, the machine) is stamped into the prefix: a run over the same gets on with the rest in seconds.
mkdir -p "$prefix/bin" "$prefix/share"
stamp="$( { "$dotnet" --version; uname -m
  cd "$root" && find src Directory.Build.props Directory.Packages.props -type f -not -path '*/bin/*' -not -path '*/obj/*' -print0 \
    | LC_ALL=C sort -z | xargs -0 sha256sum; } | sha256sum | cut -d' ' -f1)"
stamp_file="$prefix/share/build-stamp"
if ! $rebuild && [ -d "$prefix/app" ] && [ -x "$prefix/bin/cbs" ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ]; then
  say "The server and the cbs client in $prefix are already built from this source; keeping them (--rebuild publishes again)"
else
  rm -f "$stamp_file"
  say "Publishing the server to $prefix/app"
  rm -rf "$prefix/app.new"
  # ReadyToRun: compiled ahead for this machine, so a start JITs little (bench/idle.sh: start-up).
  dotnet publish "$root/src/Api/Api.csproj" -c Release --use-current-runtime --self-contained false -p:PublishReadyToRun=true \
    -o "$prefix/app.new" -nologo -v q -clp:ErrorsOnly >/dev/null
  rm -rf "$prefix/app.old"
  [ -d "$prefix/app" ] && mv "$prefix/app" "$prefix/app.old"
  mv "$prefix/app.new" "$prefix/app"
  rm -rf "$prefix/app.old"

  # The command-line client: one self-contained file, so it can be copied to machines without .NET (CI runners).
  say "Publishing the cbs client to $prefix/bin/cbs"
  rm -rf "$prefix/cbs.new"
  dotnet publish "$root/src/Cli/Cli.csproj" -c Release --use-current-runtime --self-contained true -p:PublishSingleFile=true \
    -p:EnableCompressionInSingleFile=true -p:DebugType=none -o "$prefix/cbs.new" -nologo -v q -clp:ErrorsOnly >/dev/null
  install -m 755 "$prefix/cbs.new/ClaudeBatch.Cli" "$prefix/bin/cbs"
  rm -rf "$prefix/cbs.new"
  echo "$stamp" >"$stamp_file"
fi
install -m 755 "$root/scripts/claude-batch-user" "$prefix/bin/claude-batch-user"
install -m 644 "$root/README.md" "$prefix/README.md"

# 3. The pinned Claude Code CLI, in the prefix (every user can run it; nothing global).
claude_command=claude
if $claude; then
  # shellcheck source=lib/claude-cli.sh
  source "$root/scripts/lib/claude-cli.sh"
  claude_command="$(claude_install "$prefix/claude-code")"
fi

# 4. Data: repositories and job workspaces (users must be able to reach their own workspace, not list others).
mkdir -p "$data_dir/repos" "$data_dir/jobs" "$data_dir/logs"
chmod 755 "$data_dir"
chmod 711 "$data_dir/jobs"
chmod 700 "$data_dir/repos" "$data_dir/logs"

# 5. A local PostgreSQL, when asked.
if $local_postgres && [ -z "$connection" ]; then
  if command -v postgresql-setup >/dev/null 2>&1 && [ ! -f /var/lib/pgsql/data/PG_VERSION ]; then postgresql-setup --initdb; fi
  if $systemd_running; then
    systemctl enable --now postgresql
  elif command -v service >/dev/null 2>&1 && [ -x /etc/init.d/postgresql ]; then
    service postgresql start >/dev/null   # Debian/Ubuntu without systemd: the init script starts every cluster
  fi
  runuser -u postgres -- psql -qtAc "SELECT 1" >/dev/null 2>&1 \
    || { echo "PostgreSQL does not answer locally: start it, then run this again (or pass --connection-string)." >&2; exit 1; }
  password_file="$config_dir/.postgres-password"
  mkdir -p "$config_dir"
  [ -f "$password_file" ] || { openssl rand -hex 24 >"$password_file"; chmod 600 "$password_file"; }
  pg_password="$(cat "$password_file")"
  runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname='claudebatch'" | grep -q 1 \
    || runuser -u postgres -- psql -qc "CREATE ROLE claudebatch LOGIN PASSWORD '$pg_password'"
  runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_database WHERE datname='claudebatch'" | grep -q 1 \
    || runuser -u postgres -- createdb -O claudebatch claudebatch
  connection="Host=127.0.0.1;Port=5432;Database=claudebatch;Username=claudebatch;Password=$pg_password"
fi

# 6. Configuration: written once, never overwritten (it holds the JWT signing key).
config="$config_dir/appsettings.json"
mkdir -p "$config_dir/auth"
chmod 755 "$config_dir"
chmod 700 "$config_dir/auth"
if [ -f "$config" ]; then
  say "Keeping the existing $config"
else
  say "Writing $config with a new JWT key"
  CONNECTION="${connection:-Host=127.0.0.1;Port=5432;Database=claudebatch;Username=claudebatch}" \
  JWT_KEY="$(openssl rand -base64 48)" CONFIG_DIR="$config_dir" DATA_DIR="$data_dir" CLAUDE="$claude_command" PORT="$port" \
  python3 - >"$config.new" <<'PY'
import json, os
print(json.dumps({
    "Kestrel": {"Endpoints": {"Http": {"Url": f"http://0.0.0.0:{os.environ['PORT']}"}}},
    "ConnectionStrings": {"Postgres": os.environ["CONNECTION"]},
    "Jwt": {"Key": os.environ["JWT_KEY"]},
    "Auth": {"ShadowFilePath": f"{os.environ['CONFIG_DIR']}/auth/shadow",
             "PasswdFilePath": f"{os.environ['CONFIG_DIR']}/auth/passwd",
             "GroupFilePath": f"{os.environ['CONFIG_DIR']}/auth/group"},
    "Workspace": {"RepositoriesPath": f"{os.environ['DATA_DIR']}/repos", "JobsPath": f"{os.environ['DATA_DIR']}/jobs"},
    "Claude": {"Command": os.environ["CLAUDE"]},
    "Logging": {"FilePath": f"{os.environ['DATA_DIR']}/logs/server.json"},
}, indent=2))
PY
  chmod 600 "$config.new"
  mv "$config.new" "$config"
fi
touch "$config_dir/auth/shadow" "$config_dir/auth/passwd" "$config_dir/auth/group"
chmod 600 "$config_dir/auth/shadow"

# 7. The service.
sed -e "s|@PREFIX@|$prefix|g" -e "s|@CONFIG_DIR@|$config_dir|g" -e "s|@DATA_DIR@|$data_dir|g" -e "s|@DOTNET@|$dotnet|g" \
  "$root/deploy/claude-batch-server.service" >"$prefix/share/claude-batch-server.service"
if $systemd; then
  install -m 644 "$prefix/share/claude-batch-server.service" /etc/systemd/system/claude-batch-server.service
  systemctl daemon-reload
  systemctl enable --now claude-batch-server.service
  say "Started claude-batch-server.service (journalctl -u claude-batch-server -f)"
elif ! $systemd_running; then
  say "Start the server (as root, so that jobs run as their users; the unit in $prefix/share shows the settings it uses):"
  echo "    cd $prefix/app && CLAUDEBATCH_CONFIG=$config_dir/appsettings.json ASPNETCORE_ENVIRONMENT=Production $dotnet ClaudeBatch.Api.dll"
fi

say "Installed. Add a user:  echo 'their-password' | $prefix/bin/claude-batch-user add NAME --auth-dir $config_dir/auth"
