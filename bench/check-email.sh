#!/usr/bin/env bash
# Real-browser and accessibility check of the HTML email and the web
# archive (not part of `cargo test`): renders the preview of a weekly issue
# and of the last call from the shipped files, and the archive's index and
# an issue page (ARCHIVE=0 skips them), takes Chromium screenshots at 375px
# and 1280px wide, and runs axe-core on each (light, dark, and without
# <style> in light and in dark, as a mail client that drops it shows an
# email; web pages keep their stylesheet).
# Exits non-zero on any serious or critical violation.
#
#   bench/check-email.sh                  # issues 3 and 12 as of 2024-03-20
#   ISSUES="1 11 12" bench/check-email.sh
#
# Output (HTML and screenshots) goes to target/email-check/.
set -euo pipefail
cd "$(dirname "$0")/.."
NOW=${NOW:-2024-03-20}
ISSUES=${ISSUES:-"3 12"}
OUT=$(pwd)/target/email-check
mkdir -p "$OUT"
rm -f "$OUT"/*.png "$OUT"/*.html

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: install Node.js 20 or later (apt-get install -y nodejs npm)" >&2
  exit 1
fi

cargo build --quiet
BIN=$(pwd)/target/debug/newsletter
FILES=()
for n in $ISSUES; do
  f="$OUT/issue-$n.html"
  "$BIN" preview --now "$NOW" --issue "$n" --format html --out "$f" 2>/dev/null
  FILES+=("$f")
  # Chromium's own screenshots, as a person opening the file would see it.
  for w in 375 1280; do
    profile=$(mktemp -d)
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
      --disable-component-update --disable-sync --no-first-run \
      --user-data-dir="$profile" --hide-scrollbars \
      --screenshot="$OUT/issue-$n-chromium-$w.png" --window-size="$w,2000" \
      "file://$f" >/dev/null 2>&1
    rm -rf "$profile"
  done
done

# The web archive as `newsletter feed` writes it: the index and one page.
if [ "${ARCHIVE:-1}" = 1 ]; then
  SITE=$(mktemp -d)
  cp -r config.toml content templates "$SITE/"
  (cd "$SITE" && "$BIN" feed --now "$NOW" >/dev/null)
  cp "$SITE/public/index.html" "$OUT/archive-index.html"
  page=$(find "$SITE/public/issues" -name index.html | sort | head -n 1)
  cp "$page" "$OUT/archive-issue.html"
  FILES+=("$OUT/archive-index.html" "$OUT/archive-issue.html")
  rm -rf "$SITE"
fi

NODE_DIR=$(mktemp -d)
trap 'rm -rf "$NODE_DIR"' EXIT
(cd "$NODE_DIR" && npm init -y >/dev/null 2>&1 &&
  npm install --silent --no-audit --no-fund axe-core@4 playwright-core@1 >/dev/null 2>&1)
cp bench/check-email.mjs "$NODE_DIR/"
echo "axe-core $(node -p "require('$NODE_DIR/node_modules/axe-core/package.json').version"), $(chromium --version 2>/dev/null)"
node "$NODE_DIR/check-email.mjs" "$NODE_DIR/node_modules/axe-core/axe.min.js" "$OUT" "${FILES[@]}"
echo "screenshots: $OUT/*.png"
