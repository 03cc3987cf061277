# shellcheck shell=bash
# The pinned Claude Code CLI, installed with npm into a project-local prefix (never globally).
# On Node 20, 2.1.197 is the last release that declares support for it (see README: Claude Code CLI).
CLAUDE_CODE_VERSION="${CLAUDE_CODE_VERSION:-2.1.197}"

# claude_install PREFIX: installs the pinned version under PREFIX unless it is already there; prints the binary's path.
claude_install() {
  local prefix="$1" bin="$1/node_modules/.bin/claude"
  if ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
  fi
  if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "^$CLAUDE_CODE_VERSION "; then
    echo "$bin"
    return 0
  fi
  echo "Installing Claude Code $CLAUDE_CODE_VERSION into $prefix (npm)…" >&2
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error --save-exact \
    "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" >&2
  "$bin" --version >/dev/null
  echo "$bin"
}
