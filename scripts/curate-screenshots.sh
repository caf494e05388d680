#!/usr/bin/env bash
# Copy the screenshots the docs show from the browser tests' artifacts (tests/artifacts/pwa/,
# written by `pytest -m browser`) into docs/screenshots/, reduced to a 128-colour palette by
# ffmpeg so that each stays small (the app's flat colours lose nothing visible).
#   bash scripts/curate-screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
src=tests/artifacts/pwa
out=docs/screenshots
shots=(
  inbox-phone capture-phone capture-answer-phone session-phone session-fork-phone
  session-terminal-waiting-phone pair-phone inbox-dark-phone
  inbox-desktop sessions-desktop session-desktop settings-siri-token-desktop
)
mkdir -p "$out"
for name in "${shots[@]}"; do
  if [ ! -f "$src/$name.png" ]; then
    echo "curate-screenshots: $src/$name.png is missing: run pytest -m browser first" >&2
    exit 1
  fi
  ffmpeg -loglevel error -y -i "$src/$name.png" \
    -vf "split[a][b];[a]palettegen=max_colors=128:stats_mode=full[p];[b][p]paletteuse=dither=none" \
    "$out/$name.png"
  printf '%-34s %6d bytes\n' "$name.png" "$(stat -c %s "$out/$name.png")"
done
