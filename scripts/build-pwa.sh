#!/usr/bin/env bash
# Build the PWA (python-services/pwa) into the hub's static folder when its sources changed
# since the last build: `npm ci` when the lock file changed, then `npm run build`. Quiet and
# fast when nothing changed. Needs Node >= 20 and npm (as n8n does).
set -euo pipefail
cd "$(dirname "$0")/.."
# npm's "new version available" banner is noise in the stack's output.
export NPM_CONFIG_UPDATE_NOTIFIER=false
src=python-services/pwa
out=python-services/src/solo_brain/mesh/static
stamp="$out/.build-stamp"

if ! command -v npm >/dev/null; then
  echo "build-pwa: npm is missing; install Node.js >= 20 to build the app" >&2
  exit 1
fi
sources_hash() {
  (cd "$src" && find index.html package.json package-lock.json tsconfig*.json vite.config.ts \
      assets scripts src -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-64
}
wanted="$(sources_hash)"
if [ -f "$stamp" ] && [ -f "$out/index.html" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi
lock_hash="$(sha256sum "$src/package-lock.json" | cut -c1-64)"
if [ ! -d "$src/node_modules" ] || [ "$(cat "$src/node_modules/.lock-hash" 2>/dev/null)" != "$lock_hash" ]; then
  echo "build-pwa: npm ci"
  (cd "$src" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_hash" > "$src/node_modules/.lock-hash"
fi
echo "build-pwa: building the app"
(cd "$src" && npm run --silent build)
echo "$wanted" > "$stamp"
