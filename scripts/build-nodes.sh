#!/usr/bin/env bash
# Build the n8n community node package in nodes/ (n8n-nodes-solo-brain) with @n8n/node-cli.
#
# Idempotent and quick when nothing changed: `npm ci` runs only when package-lock.json changed
# since the last install, the build only when a source changed since the last build (digests
# kept in nodes/node_modules/). Needs Node.js >= 20 and npm. With --lint, also `n8n-node lint`
# (a warning fails it too).
# Prints nothing but errors and one summary line on stderr.
set -euo pipefail
cd "$(dirname "$0")/../nodes"
# npm's "new version available" banner is noise in the stack's output.
export NPM_CONFIG_UPDATE_NOTIFIER=false

lint=0
[[ "${1:-}" == "--lint" ]] && lint=1
log() { printf 'build-nodes: %s\n' "$*" >&2; }

command -v npm >/dev/null || { log "npm is required (apt-get install npm)"; exit 1; }
major="$(node -p 'process.versions.node.split(".")[0]')"
(( major >= 20 )) || { log "Node.js >= 20 is required, found $(node --version)"; exit 1; }

digest() { find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64; }

lock_digest="$(digest package-lock.json)"
lock_marker=node_modules/.solo-brain-lock.sha256
if [[ "$(cat "$lock_marker" 2>/dev/null)" != "$lock_digest" ]]; then
  log "npm ci: installing the build tools (first install or package-lock.json changed; about 1.5 minutes)"
  # --ignore-scripts: the CLI's optional native dependencies need no build to compile nodes.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
  printf '%s\n' "$lock_digest" >"$lock_marker"
fi

source_digest="$(digest package.json package-lock.json tsconfig.json credentials nodes icons)"
build_marker=node_modules/.solo-brain-build.sha256
if [[ ! -f dist/package.json || "$(cat "$build_marker" 2>/dev/null)" != "$source_digest" ]]; then
  start=$SECONDS
  if ! output="$(npx --no-install n8n-node build 2>&1)"; then
    # The CLI draws a spinner; keep the compiler's messages.
    printf '%s\n' "$output" | grep -aE 'error|failed' >&2 || printf '%s\n' "$output" >&2
    exit 1
  fi
  printf '%s\n' "$source_digest" >"$build_marker"
  log "built dist/ in $((SECONDS - start)) s"
fi

if (( lint )); then
  # A warning fails the lint too: what n8n's community-node rules warn about (package.json's
  # metadata above all) is what its verification of a published package refuses.
  status=0
  output="$(npx --no-install n8n-node lint 2>&1)" || status=$?
  printf '%s\n' "$output" >&2
  if (( status == 0 )) && grep -aq 'problem' <<<"$output"; then
    log "n8n-node lint: warnings are not allowed in this package"
    status=1
  fi
  exit "$status"
fi
