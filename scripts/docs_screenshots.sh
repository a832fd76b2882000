#!/usr/bin/env bash
# Looks at the documentation site as a person would: builds it, serves it on localhost and has
# Debian's headless Chromium render the home page, the porting page and one API page to PNGs.
#
#   bash scripts/docs_screenshots.sh [folder]      (default: docs-screenshots/)
#
# Needs the docs extra (pip install -e ".[docs]") and Chromium from the distribution's packages
# (installed with apt-get when missing: no browser is downloaded by pip or npm). CI does not run it.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$(realpath -m "${1:-docs-screenshots}")"
PORT="${DOCS_PORT:-8765}"
mkdir -p "$OUT"

BROWSER="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$BROWSER" ]; then
  (apt-get update -qq && apt-get install -y -qq chromium) || { echo "install Chromium: apt-get install chromium" >&2; exit 1; }
  BROWSER="$(command -v chromium)"
fi

SITE="$(mktemp -d)/site"
NO_MKDOCS_2_WARNING=1 python -m mkdocs build --strict --quiet --site-dir "$SITE"
python -m http.server "$PORT" --bind 127.0.0.1 --directory "$SITE" >/dev/null 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python - "$PORT" <<'PY' && break || sleep 0.2
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=1)
PY
done

shoot() {  # shoot NAME PATH
  # --virtual-time-budget lets the page's scripts (the theme, the notebooks' outputs) finish first;
  # the other flags keep a headless browser on a closed network from reaching out.
  "$BROWSER" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --disable-background-networking --disable-component-update --disable-sync --no-first-run \
    --disable-default-apps --disable-extensions --virtual-time-budget=5000 \
    --window-size=1280,1600 --screenshot="$OUT/$1.png" "http://127.0.0.1:$PORT/$2" >/dev/null 2>&1
  echo "$OUT/$1.png"
}
shoot home ""
shoot porting "porting/"
shoot api-nn "api/nn/"
