#!/usr/bin/env bash
# Make a fresh machine ready for the stack and the tests: uv, the Python workspace, and the
# Debian tools the tests use (espeak-ng, ffmpeg, sox for real audio; nginx and openssl;
# chromium for the PWA; Redis for n8n's queue mode; systemd-analyze to verify the systemd
# units; npm and Node.js for n8n, the PWA and the node package; tmux for the interactive Claude
# Code sessions), and the PWA's build.
# Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
want_system_tools="${SOLO_BRAIN_SYSTEM_TOOLS:-1}"
if [ "$want_system_tools" = "1" ]; then
  command -v espeak-ng >/dev/null || need_apt+=(espeak-ng)
  command -v ffmpeg >/dev/null || need_apt+=(ffmpeg)
  command -v sox >/dev/null || need_apt+=(sox)
  command -v nginx >/dev/null || need_apt+=(nginx-light)
  command -v openssl >/dev/null || need_apt+=(openssl)
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)   # the PWA's browser tests (Playwright)
  command -v redis-server >/dev/null || need_apt+=(redis-server)
  command -v systemd-analyze >/dev/null || need_apt+=(systemd)
  command -v npm >/dev/null || need_apt+=(npm)
  command -v tmux >/dev/null || need_apt+=(tmux)
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing ${need_apt[*]} (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "bootstrap: missing ${need_apt[*]}; install them (Debian: apt-get install ${need_apt[*]})" >&2
  fi
fi

if ! command -v uv >/dev/null; then
  echo "bootstrap: installing uv (pip)"
  python3 -m pip install --quiet --disable-pip-version-check uv
  export PATH="$HOME/.local/bin:$PATH"
fi
uv sync --quiet --locked
# The PWA the hub serves (rebuilt only when python-services/pwa changed).
bash scripts/build-pwa.sh
